/**
 * TLS: verified by default, trusted through caFile, insecureSkipVerify explicit and loud. Certificates are made
 * with the openssl CLI in a temporary directory.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VrClient, VrTlsError, type VrClientOptions, type VrLogger } from '../../vr';
import { sendJson, startLocalServer, type LocalServer } from './local-server';

let directory: string;
const file = (name: string): string => path.join(directory, name);
const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { cwd: directory, stdio: 'pipe' });
};
const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA, and a leaf it signs for the given subjectAltName. */
const makeCa = (name: string): void => {
  openssl(
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
};
const makeLeaf = (name: string, ca: string, subjectAltName: string): void => {
  openssl('req', ...ecKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  writeFileSync(
    file(`${name}.ext`),
    `subjectAltName=${subjectAltName}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  );
};

const servers: LocalServer[] = [];
const clients: VrClient[] = [];
const tlsServer = async (leaf: string): Promise<LocalServer> => {
  const server = await startLocalServer((_, response) => sendJson(response, 200, { username: 'admin' }), {
    key: readFileSync(file(`${leaf}.key`), 'utf8'),
    cert: readFileSync(file(`${leaf}.pem`), 'utf8'),
  });
  servers.push(server);
  return server;
};
const client = (options: VrClientOptions): VrClient => {
  const created = new VrClient({ pacing: false, timeouts: { connectMs: 2000, headersMs: 2000 }, ...options });
  clients.push(created);
  return created;
};
const getSession = (created: VrClient) => created.session('sess-1').getSession();

let good: LocalServer;
let wrongName: LocalServer;
let selfSigned: LocalServer;

before(async () => {
  directory = mkdtempSync(path.join(tmpdir(), 'vr-tls-'));
  makeCa('site-ca');
  makeCa('other-ca');
  makeLeaf('vrms', 'site-ca', 'IP:127.0.0.1');
  makeLeaf('wrong-name', 'site-ca', 'DNS:vrms.elsewhere.example');
  openssl(
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  good = await tlsServer('vrms');
  wrongName = await tlsServer('wrong-name');
  selfSigned = await tlsServer('self');
});

after(async () => {
  await Promise.all(clients.map((created) => created.close()));
  await Promise.all(servers.map((server) => server.close()));
  rmSync(directory, { recursive: true, force: true });
});

const assertTlsError = async (action: Promise<unknown>, code: RegExp): Promise<void> => {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(error instanceof VrTlsError, `expected VrTlsError, got ${String(error)}`);
    assert.equal(error.code, 'VR_TLS_ERROR');
    assert.equal(error.retryable, false);
    assert.match(error.message, code);
    assert.match(error.message, /caFile|https?:\/\//);
    return true;
  });
};

void describe('TLS', () => {
  void test('a certificate from an unknown CA is rejected by default, with advice to set caFile', async () => {
    await assertTlsError(
      getSession(client({ baseUrl: good.url })),
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER/,
    );
    await assertTlsError(getSession(client({ baseUrl: selfSigned.url })), /SELF_SIGNED/);
  });

  void test('caFile with the issuing CA is trusted', async () => {
    assert.deepEqual(await getSession(client({ baseUrl: good.url, caFile: file('site-ca.pem') })), {
      username: 'admin',
    });
    assert.deepEqual(await getSession(client({ baseUrl: selfSigned.url, caFile: file('self.pem') })), {
      username: 'admin',
    });
  });

  void test('caFile with another CA is not enough', async () => {
    await assertTlsError(
      getSession(client({ baseUrl: good.url, caFile: file('other-ca.pem') })),
      /UNABLE_TO|SELF_SIGNED/,
    );
  });

  void test('a certificate for another host name is rejected even with the right CA', async () => {
    await assertTlsError(
      getSession(client({ baseUrl: wrongName.url, caFile: file('site-ca.pem') })),
      /ERR_TLS_CERT_ALTNAME_INVALID/,
    );
  });

  void test('insecureSkipVerify connects, and warns', async () => {
    const warnings: string[] = [];
    const logger: VrLogger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (message) => warnings.push(message),
    };
    assert.deepEqual(
      await getSession(client({ baseUrl: selfSigned.url, insecureSkipVerify: true, logger })),
      {
        username: 'admin',
      },
    );
    assert.equal(warnings.length, 1);
  });

  void test('https:// against a plain HTTP port is a TLS error that points at the URL scheme', async () => {
    const plain = await startLocalServer((_, response) => sendJson(response, 200, {}));
    servers.push(plain);
    await assertTlsError(
      getSession(client({ baseUrl: plain.url.replace('http:', 'https:') })),
      /http:\/\/ versus https:\/\//,
    );
  });
});
