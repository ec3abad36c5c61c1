/**
 * Drives every VrSession operation through the real VrClient against a running simulator, recording each exchange
 * (`onExchange`) so that both the client's request bodies and the simulator's answers are checked.
 */
import type { SIM_SITES } from '../simulator';
import { collect, isRoboPairing, isTerminalTaskStatus, redactSecrets, VrClient } from '../vr';
import type { ConfigureReplicationSpec, Pairing, Task, VrExchange, VrSession } from '../vr';
import type { ApiVersionName } from './openapi';
import type { ExchangeRecorder } from './recorder';

/** What the client scenario learnt, for the raw scenario's calls. */
export interface ClientScenarioResult {
  pairingId?: string;
  replicationId?: string;
  taskId?: string;
}

export interface ClientScenarioContext {
  baseUrl: string;
  apiVersion: ApiVersionName;
  recorder: ExchangeRecorder;
  sites: typeof SIM_SITES;
  /** How long to wait for a simulated task; default 15_000 ms. */
  taskTimeoutMs?: number;
}

/** The VrSession operations of the client API (vr-client-api.md), each with the document operation it calls. */
export const CLIENT_OPERATIONS: Readonly<Record<string, string>> = {
  login: 'POST /session',
  getSession: 'GET /session',
  logout: 'DELETE /session',
  remoteLogin: 'POST /pairings/{pairing_id}/remote-session',
  getRemoteSession: 'GET /pairings/{pairing_id}/remote-session',
  listPairings: 'GET /pairings',
  getPairing: 'GET /pairings/{pairing_id}',
  createPairing: 'POST /pairings',
  deletePairing: 'DELETE /pairings/{pairing_id}',
  reconnectPairing: 'POST /pairings/{pairing_id}/actions/reconnect',
  listDatastores: 'GET /pairings/{pairing_id}/vcenters/{vcenter_id}/datastores',
  listStoragePolicies: 'GET /pairings/{pairing_id}/vcenters/{vcenter_id}/storage-policies',
  checkStoragePolicyCompliance:
    'POST /pairings/{pairing_id}/vcenters/{vcenter_id}/storage-policies/{storage_policy_id}/actions/check-compliance',
  listVms: 'GET /pairings/{pairing_id}/vcenters/{vcenter_id}/vms',
  getVmCapability: 'GET /pairings/{pairing_id}/vcenters/{vcenter_id}/vms/{vm_id}/capability',
  listVmDisks: 'GET /pairings/{pairing_id}/vcenters/{vcenter_id}/vms/{vm_id}/disks',
  listVrms: 'GET /pairings/{pairing_id}/vrs',
  listReplicationServers: 'GET /pairings/{pairing_id}/vrs/{vr_id}/replication-servers',
  listReplications: 'GET /pairings/{pairing_id}/replications',
  getReplication: 'GET /pairings/{pairing_id}/replications/{replication_id}',
  configureReplications: 'POST /pairings/{pairing_id}/replications',
  deleteReplication: 'DELETE /pairings/{pairing_id}/replications/{replication_id}',
  pauseReplication: 'POST /pairings/{pairing_id}/replications/{replication_id}/actions/pause',
  resumeReplication: 'POST /pairings/{pairing_id}/replications/{replication_id}/actions/resume',
  syncReplication: 'POST /pairings/{pairing_id}/replications/{replication_id}/actions/sync',
  reconfigureReplication: 'POST /pairings/{pairing_id}/replications/{replication_id}/actions/reconfigure',
  unconfigureReplication: 'POST /pairings/{pairing_id}/replications/{replication_id}/actions/unconfigure',
  listTasks: 'GET /tasks',
  getTask: 'GET /tasks/{task_id}',
};

/** Runs the whole client scenario; a step that throws ends it and becomes an issue naming the step. */
export async function runClientScenario(context: ClientScenarioContext): Promise<ClientScenarioResult> {
  const { apiVersion, recorder } = context;
  const client = new VrClient({
    baseUrl: context.baseUrl,
    apiVersion,
    pacing: false,
    onExchange: (exchange) => recorder.record(fromClientExchange(exchange, apiVersion)),
  });
  const result: ClientScenarioResult = {};
  const progress = { step: 'login' };
  try {
    await scenario(client, context, result, progress);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    recorder.addIssue(
      `[client ${apiVersion}] scenario step '${progress.step}' failed: ${redactSecrets(message)}`,
    );
  } finally {
    await client.close();
  }
  return result;
}

function fromClientExchange(exchange: VrExchange, apiVersion: ApiVersionName) {
  return {
    source: 'client' as const,
    method: exchange.method,
    path: exchange.path,
    apiVersion,
    clientPathTemplate: exchange.pathTemplate,
    ...(exchange.requestBody !== undefined ? { requestBody: exchange.requestBody } : {}),
    ...(exchange.status !== undefined ? { status: exchange.status } : {}),
    ...(exchange.responseBody !== undefined ? { responseBody: exchange.responseBody } : {}),
    ...(exchange.error && exchange.status === undefined ? { failure: exchange.error.code } : {}),
  };
}

async function scenario(
  client: VrClient,
  context: ClientScenarioContext,
  result: ClientScenarioResult,
  progress: { step: string },
): Promise<void> {
  const { sites } = context;
  const localVc = sites.protected.vcenterId;
  const remoteVc = sites.recovery.vcenterId;
  const recoveryLogin = { username: sites.recovery.username, password: sites.recovery.password };
  const step = (name: string) => (progress.step = name);
  const waitFor = (tasks: Task[], expectSuccess = true) =>
    waitForTasks(session, tasks, context, expectSuccess);

  const session = client.session(await client.login(sites.protected));
  step('getSession');
  await session.getSession();

  step('listPairings');
  const pairings = await collect(session.listPairings({ pageSize: 1 }));
  const pairing = required(
    pairings.find(
      (candidate) => candidate.local_vc_server.id === localVc && candidate.remote_vc_server.id === remoteVc,
    ),
    'pairing protected -> recovery',
  );
  const pairingId = pairing.pairing_id;
  result.pairingId = pairingId;
  step('getPairing');
  await session.getPairing(pairingId);
  step('remoteLogin');
  await session.remoteLogin(pairingId, recoveryLogin);
  step('getRemoteSession');
  await session.getRemoteSession(pairingId);

  step('listDatastores');
  const datastores = await collect(session.listDatastores(pairingId, remoteVc, { pageSize: 3, maxItems: 6 }));
  const datastore = required(datastores[0], 'a recovery datastore');
  await collect(
    session.listDatastores(pairingId, remoteVc, { filterProperty: 'name', filter: [datastore.name] }),
  );
  step('listStoragePolicies');
  const policies = await collect(
    session.listStoragePolicies(pairingId, remoteVc, { sortBy: 'storage_policy_name' }),
  );
  const policy = required(policies[0], 'a recovery storage policy');
  step('checkStoragePolicyCompliance');
  await session.checkStoragePolicyCompliance(pairingId, remoteVc, policy.storage_policy_id, [datastore.id]);

  step('listVms');
  await collect(
    session.listVms(pairingId, localVc, { pageSize: 4, maxItems: 8, sortBy: 'name', orderBy: 'desc' }),
  );
  const vms = await collect(
    session.listVms(pairingId, localVc, { suitableForReplication: true, maxItems: 3 }),
  );
  if (vms.length < 3) throw new Error(`expected 3 suitable VMs, got ${vms.length}`);
  const specs: ConfigureReplicationSpec[] = [];
  for (const vm of vms) {
    step('getVmCapability');
    await session.getVmCapability(pairingId, localVc, vm.id);
    step('listVmDisks');
    const disks = await collect(session.listVmDisks(pairingId, localVc, vm.id));
    specs.push({
      vm_id: vm.id,
      target_vc_id: remoteVc,
      rpo: 60,
      quiesce_enabled: false,
      network_compression_enabled: true,
      mpit_enabled: false,
      auto_replicate_new_disks: true,
      lwd_encryption_enabled: false,
      disks: disks.map((disk) => ({
        vm_disk: disk,
        enabled_for_replication: true,
        destination_datastore_id: datastore.id,
        destination_storage_policy_id: policy.storage_policy_id,
        destination_disk_format: 'SAME_AS_SOURCE' as const,
      })),
    });
  }

  step('listVrms');
  const vrmsList = await collect(session.listVrms(pairingId));
  for (const vrms of vrmsList) {
    step('listReplicationServers');
    await collect(session.listReplicationServers(pairingId, vrms.id));
  }

  step('configureReplications');
  const configureTasks = await session.configureReplications(pairingId, specs);
  result.taskId = configureTasks[0]?.id;
  await waitFor(configureTasks);
  step('listTasks');
  await collect(session.listTasks({ pageSize: 5, maxItems: 10 }));

  step('listReplications');
  const replications = await collect(
    session.listReplications(pairingId, { extendedInfo: true, sourceVcGuid: localVc }),
  );
  const ours = vms.map((vm) =>
    required(
      replications.find((item) => item.vm_id === vm.id),
      `replication of ${vm.id}`,
    ),
  );
  const [first, second, third] = ours.map((replication) => replication.id);
  if (!first || !second || !third) throw new Error('expected three replications');
  result.replicationId = first;
  step('getReplication');
  await session.getReplication(pairingId, first);

  step('pauseReplication');
  await waitFor([await session.pauseReplication(pairingId, first)]);
  await session.getReplication(pairingId, first);
  step('resumeReplication');
  await waitFor([await session.resumeReplication(pairingId, first)]);
  step('syncReplication');
  await waitFor([await session.syncReplication(pairingId, first)]);
  step('reconfigureReplication');
  const { vm_id: _vmId, target_vc_id: _targetVcId, ...settings } = required(specs[0], 'first spec');
  await waitFor([await session.reconfigureReplication(pairingId, first, { ...settings, rpo: 120 })]);
  step('unconfigureReplication');
  await waitFor([await session.unconfigureReplication(pairingId, second, { retainReplicaDisks: true })]);
  step('deleteReplication');
  await waitFor([await session.deleteReplication(pairingId, third)]);

  await pairingLifecycle(session, context, pairing, waitFor, step);
  step('logout');
  await session.logout();
}

/** Reconnect, delete and re-create the protected -> recovery pairing (last: it invalidates replications). */
async function pairingLifecycle(
  session: VrSession,
  context: ClientScenarioContext,
  pairing: Pairing,
  waitFor: (tasks: Task[], expectSuccess?: boolean) => Promise<Task[]>,
  step: (name: string) => void,
): Promise<void> {
  const remote = context.sites.recovery;
  const spec = {
    pair_vc_id: remote.vcenterId,
    pair_psc_info: {
      url: remote.vcenterName,
      port: 443,
      username: remote.username,
      password: remote.password,
    },
  };
  step('reconnectPairing');
  await waitFor([await session.reconnectPairing(pairing.pairing_id, spec)]);
  step('deletePairing');
  await waitFor([await session.deletePairing(pairing.pairing_id, { force: true })]);
  step('createPairing');
  await waitFor([await session.createPairing(spec)]);
  const pairings = await collect(session.listPairings());
  if (
    !pairings.some(
      (candidate) => !isRoboPairing(candidate) && candidate.remote_vc_server.id === remote.vcenterId,
    )
  ) {
    throw new Error('the re-created pairing is not listed');
  }
}

/** Polls each task with getTask until it is terminal; a task that does not succeed is a scenario issue. */
async function waitForTasks(
  session: VrSession,
  tasks: Task[],
  context: ClientScenarioContext,
  expectSuccess: boolean,
): Promise<Task[]> {
  const deadline = Date.now() + (context.taskTimeoutMs ?? 15_000);
  const finished: Task[] = [];
  for (const task of tasks) {
    let current = task;
    while (!isTerminalTaskStatus(current.status)) {
      if (Date.now() > deadline) throw new Error(`task ${task.id} still ${current.status} after the timeout`);
      await new Promise((resolve) => setTimeout(resolve, 25));
      current = await session.getTask(task.id);
    }
    if (expectSuccess && current.status !== 'SUCCESS') {
      throw new Error(
        `task ${task.id} (${task.description ?? ''}) ended ${current.status}: ${current.error?.message ?? ''}`,
      );
    }
    finished.push(current);
  }
  return finished;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`not found: ${what}`);
  return value;
}
