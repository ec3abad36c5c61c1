/**
 * The raw part of the conformance drive: endpoints the simulator serves but the VrClient does not call, and the
 * error paths (400, 401, 404, 429, 500, 503) that a well-behaved client cannot easily provoke.
 */
import type { SIM_SITES } from '../simulator';
import { RawGateway, simulatorControl } from './raw-http';
import type { RawResult } from './raw-http';
import type { ApiVersionName } from './openapi';
import type { ExchangeRecorder } from './recorder';

export interface RawScenarioContext {
  baseUrl: string;
  apiVersion: ApiVersionName;
  recorder: ExchangeRecorder;
  sites: typeof SIM_SITES;
  /** How long to wait for a simulated task; default 15_000 ms. */
  taskTimeoutMs?: number;
}

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  value !== null && typeof value === 'object' ? (value as Json) : {};
const listOf = (result: RawResult): Json[] => {
  const list = asObject(result.body).list;
  return Array.isArray(list) ? list.map(asObject) : [];
};
const idOf = (item: Json | undefined, field = 'id'): string => String(item?.[field] ?? 'missing');

/** Runs the raw scenario; a step that throws ends it and becomes an issue naming the step. */
export async function runRawScenario(context: RawScenarioContext): Promise<void> {
  const progress = { step: 'login' };
  try {
    await scenario(context, progress);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    context.recorder.addIssue(
      `[raw ${context.apiVersion}] scenario step '${progress.step}' failed: ${message}`,
    );
  } finally {
    // Leave the simulator as we found it even when a step failed half-way.
    await simulatorControl(context.baseUrl, 'POST', '/faults', {}).catch(() => undefined);
    await simulatorControl(context.baseUrl, 'POST', '/limits', { rateLimit: { enabled: false } }).catch(
      () => undefined,
    );
  }
}

async function scenario(context: RawScenarioContext, progress: { step: string }): Promise<void> {
  const { sites } = context;
  const gateway = new RawGateway(context.baseUrl, context.apiVersion, context.recorder);
  const step = (name: string) => (progress.step = name);
  const login = await gateway.call('POST', '/session', { basic: sites.protected, expectStatus: 200 });
  const sessionId = String(asObject(login.body).session_id);
  const call = (method: string, path: string, options: Parameters<RawGateway['call']>[2] = {}) =>
    gateway.call(method, path, { sessionId, ...options });

  step('pairings');
  const pairings = listOf(await call('GET', '/pairings', { expectStatus: 200 }));
  const site = pairings.find(
    (pairing) => idOf(asObject(pairing.remote_vc_server)) === sites.recovery.vcenterId,
  );
  const robo = pairings.find(
    (pairing) => idOf(asObject(pairing.remote_vc_server)) === sites.protected.vcenterId,
  );
  const pairingId = idOf(site, 'pairing_id');
  const roboId = idOf(robo, 'pairing_id');
  await call('POST', `/pairings/${pairingId}/remote-session`, { basic: sites.recovery, expectStatus: 204 });
  await call('POST', `/pairings/${roboId}/remote-session`, { basic: sites.protected, expectStatus: 204 });
  await call('GET', `/pairings/${roboId}/remote-session`, { expectStatus: 200 });

  step('endpoints the client does not call');
  await call('GET', '/info', { expectStatus: 200 });
  await call('GET', `/pairings/${pairingId}/issues`, { expectStatus: 200 });
  for (const vrmsId of [sites.protected.vrmsId, sites.recovery.vrmsId]) {
    await call('GET', `/pairings/${pairingId}/vrs/${vrmsId}`, { expectStatus: 200 });
    const servers = listOf(await call('GET', `/pairings/${pairingId}/vrs/${vrmsId}/replication-servers`));
    await call('GET', `/pairings/${pairingId}/vrs/${vrmsId}/replication-servers/${idOf(servers[0])}`, {
      expectStatus: 200,
    });
  }
  const localServers = listOf(await call('GET', '/replication-servers', { expectStatus: 200 }));
  await call('GET', `/replication-servers/${idOf(localServers[0])}`, { expectStatus: 200 });

  step('replication endpoints');
  const replicationId = await configureOne(call, context, pairingId);
  await waitForTask(
    call,
    context,
    await call('POST', `/pairings/${pairingId}/replications/${replicationId}/actions/pause`),
  );
  await call('GET', `/pairings/${pairingId}/replications/count`, { expectStatus: 200 });
  await call('GET', `/pairings/${pairingId}/replications/issues`, { expectStatus: 200 });
  await call('GET', `/pairings/${pairingId}/replications/${replicationId}/disks`, { expectStatus: 200 });
  await call(
    'GET',
    `/pairings/${pairingId}/replications?extended_info=true&filter_property=name&filter=vm&filter=x`,
    {
      expectStatus: 200,
    },
  );

  step('400');
  await call('POST', `/pairings/${pairingId}/replications`, {
    body: [{ vm_id: 'VirtualMachine:vm-1', target_vc_id: sites.recovery.vcenterId, rpo: 2, disks: [] }],
    invalidOnPurpose: true,
    expectStatus: 400,
  });
  await call('GET', '/pairings?limit=abc', { invalidOnPurpose: true, expectStatus: 400 });
  await call('GET', '/tasks?limit=0', { invalidOnPurpose: true, expectStatus: 400 });
  await call('GET', `/pairings/${pairingId}/replications?extended_info=maybe`, {
    invalidOnPurpose: true,
    expectStatus: 400,
  });

  step('401');
  await gateway.call('GET', '/pairings', { expectStatus: 401 });
  await gateway.call('GET', '/tasks', { sessionId: 'no-such-session', expectStatus: 401 });
  await gateway.call('DELETE', '/session', { expectStatus: 401 });
  await gateway.call('GET', '/session', {});
  await gateway.call('POST', '/session', { basic: { ...sites.protected, password: 'wrong-password' } });
  const wrongRemote = { ...sites.recovery, password: 'wrong-password' };
  await call('POST', `/pairings/${pairingId}/remote-session`, { basic: wrongRemote, expectStatus: 401 });
  const second = await gateway.call('POST', '/session', { basic: sites.protected, expectStatus: 200 });
  const secondId = String(asObject(second.body).session_id);
  await gateway.call('GET', `/pairings/${pairingId}/remote-session`, {
    sessionId: secondId,
    expectStatus: 401,
  });
  await gateway.call('DELETE', '/session', { sessionId: secondId, expectStatus: 204 });

  step('404');
  await call('GET', `/pairings/${UNKNOWN_UUID}`, { expectStatus: 404 });
  await call('DELETE', `/pairings/${UNKNOWN_UUID}`, { expectStatus: 404 });
  await call('GET', '/tasks/no-such-task', { expectStatus: 404 });
  await call('GET', `/pairings/${pairingId}/replications/no-such-replication`, { expectStatus: 404 });
  await call('GET', `/pairings/${pairingId}/vcenters/${UNKNOWN_UUID}/vms`, { expectStatus: 404 });

  step('500');
  await simulatorControl(context.baseUrl, 'POST', '/faults', {
    rules: [{ endpoint: 'GET /tasks', kind: 'error', count: 1 }],
  });
  const failed = await call('GET', '/tasks', { expectStatus: 500 });
  if (typeof asObject(failed.body).op_id !== 'string') {
    context.recorder.addIssue(`[raw ${context.apiVersion}] GET /tasks 500: the error body has no op_id`);
  }
  step('503');
  await simulatorControl(context.baseUrl, 'POST', '/faults', { remoteSiteUnreachable: true });
  await call('GET', `/pairings/${pairingId}/vcenters/${sites.recovery.vcenterId}/datastores`, {
    expectStatus: 503,
  });
  await simulatorControl(context.baseUrl, 'POST', '/faults', {});

  step('429');
  await provokeRateLimit(call, context);

  step('logout');
  await call('DELETE', '/session', { expectStatus: 204 });
}

type Call = (method: string, path: string, options?: Parameters<RawGateway['call']>[2]) => Promise<RawResult>;

/** Configures one suitable VM through raw calls and returns its replication id. */
async function configureOne(call: Call, context: RawScenarioContext, pairingId: string): Promise<string> {
  const local = context.sites.protected.vcenterId;
  const remote = context.sites.recovery.vcenterId;
  const vm = listOf(
    await call('GET', `/pairings/${pairingId}/vcenters/${local}/vms?suitable_for_replication=true&limit=1`),
  )[0];
  const vmId = idOf(vm);
  const disks = listOf(await call('GET', `/pairings/${pairingId}/vcenters/${local}/vms/${vmId}/disks`));
  const datastore = listOf(
    await call('GET', `/pairings/${pairingId}/vcenters/${remote}/datastores?limit=1`),
  )[0];
  const spec = {
    vm_id: vmId,
    target_vc_id: remote,
    rpo: 15,
    network_compression_enabled: false,
    mpit_enabled: true,
    mpit_instances: 3,
    mpit_days: 2,
    auto_replicate_new_disks: false,
    lwd_encryption_enabled: false,
    disks: disks.map((disk) => ({
      vm_disk: disk,
      enabled_for_replication: true,
      destination_datastore_id: idOf(datastore),
      destination_disk_format: 'THIN',
    })),
  };
  const tasks = listOf(
    await call('POST', `/pairings/${pairingId}/replications`, { body: [spec], expectStatus: 202 }),
  );
  await waitForTask(call, context, { status: 202, headers: {}, body: tasks[0] });
  const replications = listOf(await call('GET', `/pairings/${pairingId}/replications`));
  const replication = replications.find((item) => item.vm_id === vmId);
  if (!replication) throw new Error(`no replication for ${vmId} after configuring it`);
  return idOf(replication);
}

async function waitForTask(call: Call, context: RawScenarioContext, accepted: RawResult): Promise<void> {
  const taskId = idOf(asObject(accepted.body));
  const deadline = Date.now() + (context.taskTimeoutMs ?? 15_000);
  for (;;) {
    const status = String(
      asObject((await call('GET', `/tasks/${taskId}`, { expectStatus: 200 })).body).status,
    );
    if (status === 'SUCCESS') return;
    if (status === 'ERROR' || status === 'CANCELLED') throw new Error(`task ${taskId} ended ${status}`);
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${status} after the timeout`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Turns the limiter on with a tiny budget, calls until a 429 arrives, checks Retry-After, turns it off. */
async function provokeRateLimit(call: Call, context: RawScenarioContext): Promise<void> {
  await simulatorControl(context.baseUrl, 'POST', '/limits', {
    rateLimit: { enabled: true, perClientPerMinute: 3, perSessionPerMinute: 3, banMs: 1000 },
  });
  let limited: RawResult | undefined;
  for (let attempt = 0; attempt < 6 && !limited; attempt += 1) {
    const result = await call('GET', '/tasks?limit=1');
    if (result.status === 429) limited = result;
  }
  await simulatorControl(context.baseUrl, 'POST', '/limits', { rateLimit: { enabled: false } });
  if (!limited)
    context.recorder.addIssue(`[raw ${context.apiVersion}] no 429 with a rate limit of 3 per minute`);
  else if (limited.headers['retry-after'] === undefined) {
    context.recorder.addIssue(`[raw ${context.apiVersion}] GET /tasks 429 without a Retry-After header`);
  }
}
