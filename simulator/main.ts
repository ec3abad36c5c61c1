/** Command line: `npm run sim -- --port 8443 --seed 7 --tls`. See simulator/README.md for every flag. */
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import YAML from 'yaml';
import { FaultConfig } from './faults';
import { startSimulator } from './index';

const integer = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a non-negative integer.`);
  return Number(value);
};
const positiveNumber = (value: string) => {
  const number = Number(value);
  if (!(number > 0)) throw new InvalidArgumentError('must be a positive number.');
  return number;
};

async function loadFaults(file: string): Promise<FaultConfig> {
  const text = await readFile(file, 'utf8');
  const data: unknown = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  return FaultConfig.parse(data);
}

async function main(): Promise<void> {
  const program = new Command()
    .name('vr-simulator')
    .description('A vSphere Replication REST API gateway simulator (two sites + ROBO)')
    .option('--port <port>', 'port to listen on (0 = any free port)', integer('--port'), 0)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--seed <seed>', 'seed of inventory, ids and fault decisions', integer('--seed'), 1)
    .option('--vms <count>', 'VMs on the protected vCenter', integer('--vms'), 300)
    .option('--tls', 'serve HTTPS with a generated CA and certificate', false)
    .option('--ca-out <file>', 'write the CA certificate (PEM) to this file (default: a temp file)')
    .option('--session-idle <ms>', 'session idle timeout in ms', integer('--session-idle'), 30 * 60_000)
    .option('--session-pool <n>', 'sessions per site pool', integer('--session-pool'), 100)
    .option('--no-rate-limit', 'disable the gateway rate limiter')
    .option('--rate-per-client <n>', 'requests per minute per client IP', integer('--rate-per-client'), 100)
    .option('--rate-per-session <n>', 'requests per minute per session', integer('--rate-per-session'), 50)
    .option('--ban-ms <ms>', 'ban after exceeding a limit, in ms', integer('--ban-ms'), 60_000)
    .option(
      '--rate-window-ms <ms>',
      'length of the rate-limit window, in ms',
      integer('--rate-window-ms'),
      60_000,
    )
    .option('--task-queued-ms <ms>', 'simulated ms a task stays QUEUED', integer('--task-queued-ms'), 500)
    .option('--task-running-ms <ms>', 'simulated ms a task stays RUNNING', integer('--task-running-ms'), 2000)
    .option(
      '--initial-sync-ms <ms>',
      'simulated ms of a replication initial full sync',
      integer('--initial-sync-ms'),
      60_000,
    )
    .option(
      '--clock-speed <factor>',
      'simulated time runs this many times faster than real time',
      positiveNumber,
      1,
    )
    .option('--faults <file>', 'fault configuration file (JSON or YAML)')
    .option('--page-size <n>', 'default page size of list endpoints', integer('--page-size'), 100)
    .parse();
  const options = program.opts<{
    port: number;
    host: string;
    seed: number;
    vms: number;
    tls: boolean;
    caOut?: string;
    sessionIdle: number;
    sessionPool: number;
    rateLimit: boolean;
    ratePerClient: number;
    ratePerSession: number;
    banMs: number;
    rateWindowMs: number;
    taskQueuedMs: number;
    taskRunningMs: number;
    initialSyncMs: number;
    clockSpeed: number;
    faults?: string;
    pageSize: number;
  }>();
  const simulator = await startSimulator({
    port: options.port,
    host: options.host,
    seed: options.seed,
    vms: options.vms,
    tls: options.tls,
    caOutFile: options.caOut,
    sessionIdleMs: options.sessionIdle,
    sessionPoolSize: options.sessionPool,
    rateLimit: {
      enabled: options.rateLimit,
      perClientPerMinute: options.ratePerClient,
      perSessionPerMinute: options.ratePerSession,
      banMs: options.banMs,
      windowMs: options.rateWindowMs,
    },
    taskDurations: { queuedMs: options.taskQueuedMs, runningMs: options.taskRunningMs },
    initialSyncMs: options.initialSyncMs,
    clockSpeed: options.clockSpeed,
    faults: options.faults ? await loadFaults(options.faults) : undefined,
    defaultPageSize: options.pageSize,
  });
  console.log(`VR simulator listening on ${simulator.url}`);
  if (simulator.caFile) console.log(`CA certificate written to ${simulator.caFile}`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`Received ${signal}, shutting down`);
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`vr-simulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
