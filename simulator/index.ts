/** Public entry point of the VR gateway simulator (see simulator/README.md). */
import type { AddressInfo } from 'node:net';
import type { FaultConfig } from './faults';
import { createSimServer } from './server';
import { SimulatorState } from './state';
import { createTlsMaterial } from './tls';

export { SIM_SITES, type SimSite, type SiteKey } from './sites';
export type { FaultConfig, FaultRule, MalformedMode } from './faults';
export { SimulatorState } from './state';
export { TRAP_VM_NAMES } from './inventory';

export interface SimulatorOptions {
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Seed of the generated inventory, ids and fault decisions; default 1. */
  seed?: number;
  /** Number of VMs on the protected vCenter; default 300. */
  vms?: number;
  /** Serve HTTPS with a freshly generated CA; default false. */
  tls?: boolean;
  /** Where to write the CA PEM when tls is on; default a temp file. */
  caOutFile?: string;
  /** Idle time after which a session expires (real ms); default 30 min. */
  sessionIdleMs?: number;
  /** Sessions per site pool; default 100. */
  sessionPoolSize?: number;
  /** Gateway rate limiter; default on, 100/min per client IP, 50/min per session, 60 s ban. */
  rateLimit?: {
    enabled?: boolean;
    perClientPerMinute?: number;
    perSessionPerMinute?: number;
    banMs?: number;
    /** Sliding window length in real ms; default 60_000 (benchmarks shorten it to compress time). */
    windowMs?: number;
  };
  /** Simulated durations of a task's QUEUED and RUNNING phases; default 500 / 2000 ms. */
  taskDurations?: { queuedMs?: number; runningMs?: number };
  /** Simulated duration of a replication's initial full sync; default 60_000 ms. */
  initialSyncMs?: number;
  /** Simulated time runs this many times faster than real time; default 1. */
  clockSpeed?: number;
  /** Initial fault configuration; default none. */
  faults?: FaultConfig;
  /** Page size when a list request gives no limit; default 100. */
  defaultPageSize?: number;
}

export interface RunningSimulator {
  /** Base URL without path, e.g. http://127.0.0.1:41234. */
  url: string;
  port: number;
  /** CA PEM file to trust when tls is on. */
  caFile?: string;
  close(): Promise<void>;
  /** In-process access for tests. */
  state: SimulatorState;
}

/** Starts a simulator; resolves once it is listening. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const state = new SimulatorState(
    {
      seed: options.seed ?? 1,
      sessionIdleMs: options.sessionIdleMs ?? 30 * 60_000,
      sessionPoolSize: options.sessionPoolSize ?? 100,
      rateLimit: {
        enabled: options.rateLimit?.enabled ?? true,
        perClientPerMinute: options.rateLimit?.perClientPerMinute ?? 100,
        perSessionPerMinute: options.rateLimit?.perSessionPerMinute ?? 50,
        banMs: options.rateLimit?.banMs ?? 60_000,
        windowMs: options.rateLimit?.windowMs ?? 60_000,
      },
      taskDurations: {
        queuedMs: options.taskDurations?.queuedMs ?? 500,
        runningMs: options.taskDurations?.runningMs ?? 2000,
      },
      initialSyncMs: options.initialSyncMs ?? 60_000,
      defaultPageSize: options.defaultPageSize ?? 100,
    },
    options.vms ?? 300,
    options.clockSpeed ?? 1,
    options.faults,
  );
  const tls = options.tls ? await createTlsMaterial(options.caOutFile) : undefined;
  const simServer = createSimServer(state, tls);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    simServer.server.once('error', reject);
    simServer.server.listen(options.port ?? 0, host, () => {
      simServer.server.off('error', reject);
      resolve();
    });
  });
  const port = (simServer.server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${tls ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    caFile: tls?.caFile,
    close: () => simServer.close(),
    state,
  };
}
