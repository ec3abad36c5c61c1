/**
 * One simulator per scenario (a fresh gateway: empty rate-limit windows, no replications from earlier scenarios),
 * with the real gateway's limits, latency and task durations, compressed by the time scale. The VMs of the
 * scenario are picked before the limiter is switched on, so picking them costs the runner nothing.
 */
import { SIM_SITES, startSimulator, type FaultRule, type RunningSimulator } from '../simulator';
import { collect, VrClient } from '../vr';
import { REAL_WINDOW_MS, scaled, type BenchSettings } from './settings';

/** The VMs of one pairing in a scenario. */
export interface PairingWork {
  pairingId: string;
  robo: boolean;
  /** Remote vCenter id (the local one for ROBO): configure specs' target_vc_id. */
  targetVcenterId: string;
  localVcenterId: string;
  targetDatastore: string;
  vmNames: string[];
}

export interface BenchSimulator {
  simulator: RunningSimulator;
  work: PairingWork[];
  /** GET /sim/stats. */
  stats(): Promise<SimStatsSnapshot>;
  close(): Promise<void>;
}

export interface SimStatsSnapshot {
  requests: {
    total: number;
    byEndpoint: Record<string, { count: number; byStatus: Record<string, number> }>;
  };
  logins: number;
  logouts: number;
  remoteLogins: number;
  rateLimited: number;
  replicationsPerVm: Record<string, number>;
  alreadyReplicatedConfigureAttempts: number;
}

/** Latency of `low`–`high` ms: a fixed part plus five 50 % steps (a binomial spread around the middle). */
export function latencyRules(low: number, high: number): FaultRule[] {
  const step = (high - low) / 5;
  const rules: FaultRule[] = [{ endpoint: '*', kind: 'latency', ms: Math.round(low) }];
  if (step >= 1)
    for (let i = 0; i < 5; i++)
      rules.push({ endpoint: '*', kind: 'latency', ms: Math.round(step), rate: 0.5 });
  return rules;
}

async function control(
  simulator: RunningSimulator,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${simulator.url}/sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok)
    throw new Error(`simulator ${method} /sim${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function startBenchSimulator(
  settings: BenchSettings,
  size: number,
  pairings: 1 | 2,
): Promise<BenchSimulator> {
  // About 27 % of generated VMs are unsuitable (templates, no privilege, replicated...): leave room.
  const simulator = await startSimulator({
    seed: settings.seed,
    vms: Math.ceil(size * 1.5) + 60,
    rateLimit: { enabled: false },
    taskDurations: { queuedMs: settings.taskQueuedMs, runningMs: settings.taskRunningMs },
    clockSpeed: settings.timeScale,
    // Longer than any scenario: the sync never matters here (campaigns wait for `configured`).
    initialSyncMs: 3_600_000,
  });
  try {
    const work = await pickVms(simulator, size, pairings);
    const [low, high] = settings.latencyMs;
    await control(simulator, 'POST', '/faults', {
      rules: latencyRules(scaled(settings, low), scaled(settings, high)),
    });
    await control(simulator, 'POST', '/limits', {
      rateLimit: {
        enabled: true,
        perClientPerMinute: settings.perClientPerMinute,
        perSessionPerMinute: settings.perSessionPerMinute,
        banMs: Math.round(scaled(settings, settings.banMs)),
        windowMs: Math.round(scaled(settings, REAL_WINDOW_MS)),
      },
    });
    await control(simulator, 'POST', '/reset-stats', {});
    return {
      simulator,
      work,
      stats: async () => (await control(simulator, 'GET', '/stats')) as SimStatsSnapshot,
      close: () => simulator.close(),
    };
  } catch (error) {
    await simulator.close();
    throw error;
  }
}

/** Suitable VMs of the protected vCenter, split over the pairings (a VM can be replicated only once). */
async function pickVms(simulator: RunningSimulator, size: number, pairings: 1 | 2): Promise<PairingWork[]> {
  const client = new VrClient({ baseUrl: simulator.url, pacing: false });
  try {
    const session = client.session(
      await client.login({ username: SIM_SITES.protected.username, password: SIM_SITES.protected.password }),
    );
    const all = await collect(session.listPairings());
    const site = all.find((pairing) => pairing.local_vc_server.id !== pairing.remote_vc_server.id);
    const robo = all.find((pairing) => pairing.local_vc_server.id === pairing.remote_vc_server.id);
    if (!site || !robo) throw new Error('the simulator has no site or no ROBO pairing');
    const vms = await collect(
      session.listVms(site.pairing_id, site.local_vc_server.id, {
        suitableForReplication: true,
        pageSize: 1000,
      }),
    );
    if (vms.length < size) throw new Error(`only ${vms.length} suitable VMs for a scenario of ${size}`);
    const names = vms.slice(0, size).map((vm) => vm.name);
    await session.logout();
    const siteCount = pairings === 1 ? size : Math.ceil(size / 2);
    const result: PairingWork[] = [
      {
        pairingId: site.pairing_id,
        robo: false,
        targetVcenterId: site.remote_vc_server.id,
        localVcenterId: site.local_vc_server.id,
        targetDatastore: 'recovery-ds-1',
        vmNames: names.slice(0, siteCount),
      },
    ];
    if (pairings === 2 && size - siteCount > 0) {
      result.push({
        pairingId: robo.pairing_id,
        robo: true,
        targetVcenterId: robo.remote_vc_server.id,
        localVcenterId: robo.local_vc_server.id,
        targetDatastore: 'protected-ds-1',
        vmNames: names.slice(siteCount),
      });
    }
    return result;
  } finally {
    await client.close();
  }
}
