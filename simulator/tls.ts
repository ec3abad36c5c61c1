/**
 * TLS material for --tls: a throw-away CA and a server certificate for 127.0.0.1 / localhost, made with the
 * openssl command-line tool (node:crypto cannot issue X.509 certificates). The CA PEM is written to a file that
 * clients pass as their trusted CA bundle.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsMaterial {
  key: string;
  cert: string;
  /** Where the CA certificate (PEM) was written. */
  caFile: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(
        '--tls needs the openssl command-line tool on PATH to create the test CA and certificate; install openssl.',
      );
    }
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(error)}`);
  }
}

/** Creates a CA and a server certificate (EC P-256, valid 7 days); writes the CA to `caOutFile` or a temp file. */
export async function createTlsMaterial(caOutFile?: string): Promise<TlsMaterial> {
  const directory = await mkdtemp(path.join(tmpdir(), 'vr-sim-tls-'));
  try {
    const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await openssl(
      [
        'req',
        '-x509',
        ...curve,
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
        '-days',
        '7',
        '-subj',
        '/CN=VR Simulator Test CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      directory,
    );
    await openssl(
      ['req', ...curve, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'],
      directory,
    );
    await writeFile(
      path.join(directory, 'server.ext'),
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
        'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n',
    );
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'server.pem',
        '-days',
        '7',
        '-sha256',
        '-extfile',
        'server.ext',
      ],
      directory,
    );
    const key = await readFile(path.join(directory, 'server.key'), 'utf8');
    const cert = await readFile(path.join(directory, 'server.pem'), 'utf8');
    let caFile = path.join(directory, 'ca.pem');
    if (caOutFile) {
      await copyFile(caFile, caOutFile);
      caFile = path.resolve(caOutFile);
    }
    // Keep only the CA certificate on disk; the private keys stay in memory.
    await Promise.all(
      ['ca.key', 'server.key', 'server.csr', 'server.ext', 'server.pem', 'ca.srl'].map((file) =>
        rm(path.join(directory, file), { force: true }),
      ),
    );
    if (caOutFile) await rm(directory, { recursive: true, force: true });
    return { key, cert, caFile };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
