/**
 * The worker under test as its own process (`worker/main.ts`, exactly what production runs), its stdout and stderr
 * appended to one log file across every incarnation so the secrets scan sees everything any of them wrote.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..');

export interface WorkerProcessOptions {
  sitesFile: string;
  taskQueue: string;
  temporalAddress: string;
  /** Environment variables the sites file refers to (the passwords). */
  env: Record<string, string>;
  logFile: string;
  /** How long a start may take (bundling the workflows on a busy machine). Default 180 s. */
  startTimeoutMs?: number;
}

export class WorkerProcess {
  private child?: ChildProcess;
  private readonly log: WriteStream;
  /** Incarnations started so far. */
  starts = 0;

  constructor(private readonly options: WorkerProcessOptions) {
    this.log = createWriteStream(options.logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts an incarnation and resolves once it logged `worker started`. */
  async start(): Promise<void> {
    if (this.running) throw new Error('the worker is already running');
    this.starts += 1;
    this.log.write(`\n----- chaos: worker incarnation ${this.starts} -----\n`);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'worker/main.ts',
        '--sites',
        this.options.sitesFile,
        '--task-queue',
        this.options.taskQueue,
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          ...this.options.env,
          TEMPORAL_ADDRESS: this.options.temporalAddress,
          // Every line the worker can write, so the secrets scan covers the most text.
          LOG_LEVEL: 'debug',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    let recent = '';
    let started = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the worker did not start within ${this.timeoutMs} ms:\n${recent}`)),
        this.timeoutMs,
      );
      const onData = (chunk: Buffer): void => {
        this.log.write(chunk);
        if (started) return;
        recent = (recent + chunk.toString()).slice(-10_000);
        if (recent.includes('worker started')) {
          started = true;
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!started)
          reject(new Error(`the worker exited (${code ?? signal}) before it started:\n${recent}`));
      });
    });
  }

  private get timeoutMs(): number {
    return this.options.startTimeoutMs ?? 180_000;
  }

  /** Kills the running incarnation with a signal and waits for it to be gone. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.removeAllListeners('exit');
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(force);
  }

  /** Stops the worker (SIGTERM: it logs out its sessions) and flushes the log file. */
  async close(): Promise<void> {
    await this.stop('SIGTERM');
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }
}
