/** Test support: a simulator per test and the worker's site configuration that points at it. */
import { collect, VrClient } from '../../vr';
import { SIM_SITES, startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';
import type { SiteConfig } from '../../worker/sites';

/** Fast defaults for tests: short tasks, generous rate limits unless a test asks for the real ones. */
export async function startTestSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({
    vms: 200,
    taskDurations: { queuedMs: 100, runningMs: 400 },
    initialSyncMs: 2_000,
    rateLimit: { enabled: false },
    ...options,
  });
}

export function simSites(sim: RunningSimulator, overrides: Partial<SiteConfig> = {}): SiteConfig[] {
  return [
    {
      name: 'protected',
      url: sim.url,
      apiVersion: 'v2',
      caFile: sim.caFile,
      insecureSkipVerify: false,
      username: SIM_SITES.protected.username,
      password: SIM_SITES.protected.password,
      remoteCredentials: [
        {
          vcenter: SIM_SITES.recovery.vcenterName,
          username: SIM_SITES.recovery.username,
          password: SIM_SITES.recovery.password,
        },
      ],
      pacing: { perClientPerMinute: 100_000, perSessionPerMinute: 100_000 },
      ...overrides,
    },
  ];
}

/** Names of VMs the simulator considers suitable for replication (asked over HTTP, as a user would). */
export async function suitableVmNames(
  sim: RunningSimulator,
  count: number,
  exclude: RegExp = /^app-1\d*$/,
): Promise<string[]> {
  const client = new VrClient({ baseUrl: sim.url, caFile: sim.caFile, pacing: false });
  const sessionId = await client.login({
    username: SIM_SITES.protected.username,
    password: SIM_SITES.protected.password,
  });
  const session = client.session(sessionId);
  try {
    const pairing = (await collect(session.listPairings())).find(
      (p) => p.local_vc_server.id !== p.remote_vc_server.id,
    )!;
    const vms = await collect(
      session.listVms(pairing.pairing_id, pairing.local_vc_server.id, { suitableForReplication: true }),
    );
    return vms
      .map((vm) => vm.name)
      .filter((name) => !exclude.test(name))
      .slice(0, count);
  } finally {
    await session.logout();
    await client.close();
  }
}

export function openSessions(sim: RunningSimulator): number {
  return sim.state.sessions.active().length;
}

/** Every secret the run could leak: passwords, their Basic headers, every session id the simulator issued. */
export function secretsOf(sim: RunningSimulator): string[] {
  const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
  return [
    SIM_SITES.protected.password,
    SIM_SITES.recovery.password,
    basic(SIM_SITES.protected.username, SIM_SITES.protected.password),
    basic(SIM_SITES.recovery.username, SIM_SITES.recovery.password),
    ...sim.state.sessions.issuedIds,
  ];
}
