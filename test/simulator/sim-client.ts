/* eslint-disable @typescript-eslint/no-explicit-any -- tests read loosely typed JSON answers */
/** A tiny raw-fetch client for simulator tests (deliberately not the vr/ client). */
import {
  SIM_SITES,
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../simulator/index';

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export const basic = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

export const PROTECTED_AUTH = basic(SIM_SITES.protected.username, SIM_SITES.protected.password);
export const RECOVERY_AUTH = basic(SIM_SITES.recovery.username, SIM_SITES.recovery.password);

/** Fast defaults for tests: no rate limit, short tasks, small inventory. */
export async function startTestSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({
    vms: 40,
    rateLimit: { enabled: false },
    taskDurations: { queuedMs: 50, runningMs: 100 },
    initialSyncMs: 400,
    ...options,
  });
}

export class TestApi {
  sessionId?: string;
  constructor(
    readonly simulator: RunningSimulator,
    readonly version: 'v1' | 'v2' = 'v2',
  ) {}

  get base(): string {
    return `${this.simulator.url}/api/rest/vr/${this.version}`;
  }

  async call<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; session?: string | null } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const session = options.session === undefined ? this.sessionId : options.session;
    if (session) headers['x-dr-session'] = session;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(
      path.startsWith('/sim') ? `${this.simulator.url}${path}` : `${this.base}${path}`,
      {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      },
    );
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as T) : (undefined as T),
      headers: response.headers,
    };
  }

  async login(authorization = PROTECTED_AUTH): Promise<string> {
    const answer = await this.call<{ session_id: string }>('POST', '/session', {
      headers: { authorization },
      session: null,
    });
    if (answer.status !== 200)
      throw new Error(`login failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    this.sessionId = answer.body.session_id;
    return this.sessionId;
  }

  async pairings(): Promise<{ site: any; robo: any }> {
    const answer = await this.call('GET', '/pairings');
    const list: any[] = answer.body.list;
    return {
      site: list.find((pairing) => pairing.local_vc_server.id !== pairing.remote_vc_server.id),
      robo: list.find((pairing) => pairing.local_vc_server.id === pairing.remote_vc_server.id),
    };
  }

  async remoteLogin(pairingId: string): Promise<void> {
    const answer = await this.call('POST', `/pairings/${pairingId}/remote-session`, {
      headers: { authorization: RECOVERY_AUTH },
    });
    if (answer.status !== 204) throw new Error(`remote login failed: ${answer.status}`);
  }
}

export const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Polls until the check returns a value (or throws after the timeout). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

/** A valid configure spec for a VM, built from its disks as a client would. */
export function specFor(
  vm: any,
  targetVcId: string,
  datastoreId: string,
  overrides: Record<string, unknown> = {},
) {
  return {
    vm_id: vm.id,
    target_vc_id: targetVcId,
    rpo: 60,
    network_compression_enabled: true,
    mpit_enabled: false,
    auto_replicate_new_disks: true,
    lwd_encryption_enabled: false,
    quiesce_enabled: false,
    disks: vm.disks.map((disk: any) => ({
      vm_disk: disk,
      enabled_for_replication: disk.supported_for_replication !== false,
      destination_datastore_id: datastoreId,
      destination_disk_format: 'SAME_AS_SOURCE',
      destination_storage_policy_id: null,
    })),
    ...overrides,
  };
}
