/**
 * The client against the real simulator over HTTP: every endpoint of the client, paging, the "contains" trap,
 * ROBO pairings, and the failure modes the simulator can produce (idle expiry, pool exhaustion, 429, 5xx, faults).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SIM_SITES, startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator';
import {
  classifyVrError,
  collect,
  findDatastoreByExactName,
  findReplicationServerByExactName,
  findStoragePolicyByExactName,
  findVmsByExactName,
  isRoboPairing,
  isTerminalTaskStatus,
  VrClient,
  VrNetworkError,
  VrNotFoundError,
  VrRateLimitedError,
  VrResponseTooLargeError,
  VrSchemaError,
  VrServerError,
  VrTimeoutError,
  VrUnauthorizedError,
  VrBadRequestError,
  VrUnexpectedStatusError,
  type ConfigureReplicationSpec,
  type Pairing,
  type Task,
  type VrClientOptions,
  type VrExchange,
  type VrSession,
} from '../../vr';

const PROTECTED = SIM_SITES.protected;
const RECOVERY = SIM_SITES.recovery;
const local = { username: PROTECTED.username, password: PROTECTED.password };
const remote = { username: RECOVERY.username, password: RECOVERY.password };

const simulators: RunningSimulator[] = [];
const clients: VrClient[] = [];

const simulator = async (options: SimulatorOptions = {}): Promise<RunningSimulator> => {
  const started = await startSimulator({
    rateLimit: { enabled: false },
    taskDurations: { queuedMs: 10, runningMs: 30 },
    initialSyncMs: 100,
    ...options,
  });
  simulators.push(started);
  return started;
};

const clientFor = (sim: RunningSimulator, options: Partial<VrClientOptions> = {}): VrClient => {
  const created = new VrClient({ baseUrl: sim.url, pacing: false, ...options });
  clients.push(created);
  return created;
};

const control = async (
  sim: RunningSimulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> => {
  const response = await fetch(`${sim.url}/sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.ok(response.ok, `control ${method} ${path} answered ${response.status}`);
  return response.json();
};

const waitForTask = async (session: VrSession, task: Task, timeoutMs = 10_000): Promise<Task> => {
  const deadline = Date.now() + timeoutMs;
  let current = task;
  while (!isTerminalTaskStatus(current.status)) {
    assert.ok(Date.now() < deadline, `task ${task.id} still ${current.status}`);
    await sleep(20);
    current = await session.getTask(task.id);
  }
  return current;
};

const expectError = async <E>(
  action: Promise<unknown>,
  errorClass: new (...args: never[]) => E,
): Promise<E> => {
  try {
    await action;
  } catch (error) {
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${errorClass.name}`);
};

after(async () => {
  await Promise.all(clients.map((created) => created.close()));
  await Promise.all(simulators.map((running) => running.close()));
});

void describe('client against the simulator: every endpoint', () => {
  let sim: RunningSimulator;
  let vr: VrClient;
  let session: VrSession;
  let sitePairing: Pairing;
  let roboPairing: Pairing;
  const exchanges: VrExchange[] = [];

  before(async () => {
    sim = await simulator();
    vr = clientFor(sim, { onExchange: (exchange) => exchanges.push(exchange) });
    session = vr.session(await vr.login(local));
    const pairings = await collect(session.listPairings());
    const site = pairings.find((pairing) => pairing.remote_vc_server.id === RECOVERY.vcenterId);
    const robo = pairings.find(isRoboPairing);
    assert.ok(site && robo, 'the simulator has a site pairing and a ROBO pairing');
    sitePairing = site;
    roboPairing = robo;
  });

  void test('session: login, getSession, logout', async () => {
    assert.deepEqual(await session.getSession(), { username: PROTECTED.username });
    const other = vr.session(await vr.login(local));
    await other.logout();
    const expired = await expectError(collect(other.listPairings()), VrUnauthorizedError);
    assert.equal(classifyVrError(expired).reLogin, true);
    // The document declares only 200/400/500 for GET and POST /session: no session and bad credentials are 400s.
    await expectError(other.getSession(), VrBadRequestError);
    const wrong = await expectError(vr.login({ ...local, password: 'wrong-password' }), VrBadRequestError);
    assert.equal(wrong.retryable, false, 'bad credentials are not retried');
  });

  void test('pairings: list, get, ROBO detection', async () => {
    assert.equal(isRoboPairing(sitePairing), false);
    assert.equal(roboPairing.local_vc_server.id, PROTECTED.vcenterId);
    assert.deepEqual(await session.getPairing(sitePairing.pairing_id), sitePairing);
    await expectError(session.getPairing('00000000-0000-0000-0000-000000000000'), VrNotFoundError);
  });

  void test('remote login: needed for the remote site, bound to the same session', async () => {
    await expectError(session.getRemoteSession(sitePairing.pairing_id), VrUnauthorizedError);
    await expectError(
      collect(session.listDatastores(sitePairing.pairing_id, RECOVERY.vcenterId)),
      VrUnauthorizedError,
    );
    await session.remoteLogin(sitePairing.pairing_id, remote);
    assert.deepEqual(await session.getRemoteSession(sitePairing.pairing_id), { username: RECOVERY.username });
  });

  void test('ROBO pairing needs no remote login', async () => {
    const fresh = vr.session(await vr.login(local));
    const datastores = await collect(
      fresh.listDatastores(roboPairing.pairing_id, roboPairing.remote_vc_server.id),
    );
    assert.ok(datastores.length > 0);
    const replications = await collect(fresh.listReplications(roboPairing.pairing_id));
    assert.ok(Array.isArray(replications));
    await fresh.logout();
  });

  void test('paging: pageSize 7 over 300 VMs', async () => {
    const before = exchanges.length;
    const vms = await collect(session.listVms(sitePairing.pairing_id, PROTECTED.vcenterId, { pageSize: 7 }));
    assert.equal(vms.length, 300);
    assert.equal(new Set(vms.map((vm) => vm.id)).size, 300, 'no VM twice');
    const pages = exchanges.slice(before).filter((exchange) => exchange.pathTemplate.endsWith('/vms'));
    assert.equal(pages.length, Math.ceil(300 / 7));
    assert.match(pages[1]?.path ?? '', /limit=7&offset=7/);
    const some = await collect(
      session.listVms(sitePairing.pairing_id, PROTECTED.vcenterId, { pageSize: 7, maxItems: 10 }),
    );
    assert.equal(some.length, 10);
    const sorted = await collect(
      session.listVms(sitePairing.pairing_id, PROTECTED.vcenterId, {
        sortBy: 'name',
        orderBy: 'desc',
        maxItems: 5,
      }),
    );
    assert.deepEqual(
      sorted.map((vm) => vm.name),
      [...sorted.map((vm) => vm.name)].sort().reverse(),
    );
  });

  void test('contains trap: app-1 does not pick app-10; suitable_for_replication filters', async () => {
    const raw = await collect(
      session.listVms(sitePairing.pairing_id, PROTECTED.vcenterId, {
        filterProperty: 'name',
        filter: ['app-1'],
      }),
    );
    assert.ok(raw.length > 1, 'the server filter is "contains"');
    const found = await findVmsByExactName(session, sitePairing.pairing_id, PROTECTED.vcenterId, [
      'app-1',
      'app-10',
      'web-01',
      'no-such-vm',
    ]);
    const appOne = found.get('app-1');
    assert.equal(appOne?.kind, 'found');
    assert.equal(appOne?.kind === 'found' ? appOne.item.name : '', 'app-1');
    assert.equal(found.get('app-10')?.kind, 'found');
    assert.equal(found.get('web-01')?.kind, 'found');
    assert.deepEqual(found.get('no-such-vm'), { kind: 'not-found', name: 'no-such-vm' });
    const suitable = await collect(
      session.listVms(sitePairing.pairing_id, PROTECTED.vcenterId, { suitableForReplication: true }),
    );
    assert.ok(suitable.length > 0 && suitable.length < 300, `${suitable.length} suitable`);
  });

  void test('inventory: datastores, storage policies, compliance, capability, disks, vrs, replication servers', async () => {
    const pairingId = sitePairing.pairing_id;
    const datastore = await findDatastoreByExactName(session, pairingId, RECOVERY.vcenterId, 'recovery-ds-1');
    assert.equal(datastore.kind, 'found');
    assert.equal(datastore.kind === 'found' ? datastore.item.name : '', 'recovery-ds-1');
    const policy = await findStoragePolicyByExactName(session, pairingId, RECOVERY.vcenterId, 'Gold');
    assert.equal(policy.kind === 'found' ? policy.item.storage_policy_name : policy.kind, 'Gold');
    assert.equal(
      (await findStoragePolicyByExactName(session, pairingId, RECOVERY.vcenterId, 'Silver')).kind,
      'not-found',
    );
    if (datastore.kind !== 'found' || policy.kind !== 'found') return;
    const compliance = await session.checkStoragePolicyCompliance(
      pairingId,
      RECOVERY.vcenterId,
      policy.item.storage_policy_id,
      [datastore.item.id],
    );
    assert.equal(compliance.length, 1);
    assert.equal(typeof compliance[0]?.compliant, 'boolean');
    const [vm] = await collect(
      session.listVms(pairingId, PROTECTED.vcenterId, {
        filterProperty: 'name',
        filter: ['app-1'],
        maxItems: 1,
      }),
    );
    assert.ok(vm);
    const capability = await session.getVmCapability(pairingId, PROTECTED.vcenterId, vm.id);
    assert.ok(capability.vm_validation_status);
    const disks = await collect(session.listVmDisks(pairingId, PROTECTED.vcenterId, vm.id));
    assert.ok(disks.length > 0 && disks.every((disk) => disk.vm_id === vm.id));
    const vrms = await collect(session.listVrms(pairingId));
    assert.deepEqual(vrms.map((entry) => entry.id).sort(), [PROTECTED.vrmsId, RECOVERY.vrmsId].sort());
    const servers = await collect(session.listReplicationServers(pairingId, RECOVERY.vrmsId));
    assert.ok(servers.length > 0);
    const first = servers[0];
    assert.ok(first?.name);
    const server = await findReplicationServerByExactName(session, pairingId, RECOVERY.vrmsId, first.name);
    assert.equal(server.kind === 'found' ? server.item.id : server.kind, first.id);
  });

  void test('replications: configure, list, get, pause, resume, sync, reconfigure, unconfigure, delete; tasks', async () => {
    const pairingId = sitePairing.pairing_id;
    const found = await findVmsByExactName(session, pairingId, PROTECTED.vcenterId, ['app-10', 'app-100'], {
      suitableForReplication: true,
    });
    const datastore = await findDatastoreByExactName(session, pairingId, RECOVERY.vcenterId, 'recovery-ds-2');
    assert.equal(datastore.kind, 'found');
    if (datastore.kind !== 'found') return;
    const specs: ConfigureReplicationSpec[] = [];
    for (const name of ['app-10', 'app-100']) {
      const match = found.get(name);
      assert.equal(match?.kind, 'found', `${name} is suitable`);
      if (match?.kind !== 'found') return;
      const disks = await collect(session.listVmDisks(pairingId, PROTECTED.vcenterId, match.item.id));
      specs.push({
        vm_id: match.item.id,
        target_vc_id: RECOVERY.vcenterId,
        rpo: 60,
        network_compression_enabled: true,
        mpit_enabled: false,
        auto_replicate_new_disks: true,
        lwd_encryption_enabled: false,
        disks: disks.map((disk) => ({
          vm_disk: disk,
          enabled_for_replication: true,
          destination_datastore_id: datastore.item.id,
          destination_disk_format: 'SAME_AS_SOURCE',
        })),
      });
    }
    const tasks = await session.configureReplications(pairingId, specs);
    assert.equal(tasks.length, 2);
    const done = await Promise.all(tasks.map((task) => waitForTask(session, task)));
    assert.deepEqual(
      done.map((task) => task.status),
      ['SUCCESS', 'SUCCESS'],
      JSON.stringify(done.map((task) => task.error)),
    );
    const replications = await collect(
      session.listReplications(pairingId, { sourceVcGuid: PROTECTED.vcenterId }),
    );
    const mine = replications.filter((replication) => specs.some((spec) => spec.vm_id === replication.vm_id));
    assert.equal(mine.length, 2);
    const [first, second] = mine;
    assert.ok(first && second);
    assert.equal((await session.getReplication(pairingId, first.id)).id, first.id);

    const run = async (task: Promise<Task>): Promise<Task> => waitForTask(session, await task);
    assert.equal((await run(session.pauseReplication(pairingId, first.id))).status, 'SUCCESS');
    assert.equal((await session.getReplication(pairingId, first.id)).status?.status, 'PAUSED');
    assert.equal((await run(session.resumeReplication(pairingId, first.id))).status, 'SUCCESS');
    assert.equal((await run(session.syncReplication(pairingId, first.id))).status, 'SUCCESS');
    const { vm_id: _vm, target_vc_id: _target, ...settings } = specs[0] as ConfigureReplicationSpec;
    assert.equal(
      (await run(session.reconfigureReplication(pairingId, first.id, { ...settings, rpo: 30 }))).status,
      'SUCCESS',
    );
    assert.equal((await session.getReplication(pairingId, first.id)).rpo, 30);
    assert.equal(
      (await run(session.unconfigureReplication(pairingId, first.id, { retainReplicaDisks: true }))).status,
      'SUCCESS',
    );
    assert.equal((await run(session.deleteReplication(pairingId, second.id))).status, 'SUCCESS');
    await expectError(session.getReplication(pairingId, first.id), VrNotFoundError);
    await expectError(session.getReplication(pairingId, second.id), VrNotFoundError);

    const recent = await collect(
      session.listTasks({ filterProperty: 'id', filter: tasks.map((task) => task.id) }),
    );
    assert.deepEqual(recent.map((task) => task.id).sort(), tasks.map((task) => task.id).sort());
    await expectError(session.getTask('no-such-task'), VrNotFoundError);
  });

  void test('pairings: reconnect, delete and create', async () => {
    const reconnect = await session.reconnectPairing(sitePairing.pairing_id, {
      pair_vc_id: RECOVERY.vcenterId,
      pair_psc_info: { username: RECOVERY.username, password: RECOVERY.password },
    });
    assert.equal((await waitForTask(session, reconnect)).status, 'SUCCESS');
    const removed = await session.deletePairing(roboPairing.pairing_id, { force: true });
    assert.equal((await waitForTask(session, removed)).status, 'SUCCESS');
    await expectError(session.getPairing(roboPairing.pairing_id), VrNotFoundError);
    const created = await session.createPairing({
      pair_vc_id: PROTECTED.vcenterId,
      pair_psc_info: { username: PROTECTED.username, password: PROTECTED.password },
    });
    const finished = await waitForTask(session, created);
    assert.equal(finished.status, 'SUCCESS', JSON.stringify(finished.error));
    const pairings = await collect(session.listPairings());
    assert.equal(pairings.filter(isRoboPairing).length, 1);
  });

  void test('v1 answers parse with the same client code', async () => {
    const v1 = clientFor(sim, { apiVersion: 'v1' });
    const v1Session = v1.session(await v1.login(local));
    await v1Session.remoteLogin(sitePairing.pairing_id, remote);
    assert.deepEqual(await v1Session.getSession(), { username: PROTECTED.username });
    const replications = await collect(v1Session.listReplications(sitePairing.pairing_id, { maxItems: 5 }));
    assert.ok(replications.length > 0);
    await collect(v1Session.listTasks({ maxItems: 5 }));
    await v1Session.logout();
  });
});

void describe('client against the simulator: failure modes', () => {
  void test('401 after idle expiry', async () => {
    const sim = await simulator({ sessionIdleMs: 300, vms: 20 });
    const vr = clientFor(sim);
    const session = vr.session(await vr.login(local));
    await session.getSession();
    await sleep(500);
    const error = await expectError(collect(session.listPairings()), VrUnauthorizedError);
    assert.deepEqual(classifyVrError(error), { code: 'VR_UNAUTHORIZED', retryable: true, reLogin: true });
  });

  void test('session pool exhaustion is a retryable server error; logout frees a slot', async () => {
    const sim = await simulator({ sessionPoolSize: 2, vms: 20 });
    const vr = clientFor(sim);
    const first = await vr.login(local);
    await vr.login(local);
    const error = await expectError(vr.login(local), VrServerError);
    assert.equal(error.status, 503);
    assert.equal(error.vrErrorCode, 'SESSION_POOL_EXHAUSTED');
    assert.equal(error.retryable, true);
    await vr.session(first).logout();
    assert.ok(await vr.login(local));
  });

  void test('429 + Retry-After', async () => {
    const sim = await simulator({
      rateLimit: { enabled: true, perClientPerMinute: 5, banMs: 30_000 },
      vms: 20,
    });
    const vr = clientFor(sim);
    const session = vr.session(await vr.login(local));
    const error = await expectError(
      (async () => {
        for (let index = 0; index < 10; index += 1) await session.getSession();
      })(),
      VrRateLimitedError,
    );
    assert.equal(error.status, 429);
    assert.ok(error.retryAfterMs >= 29_000 && error.retryAfterMs <= 60_000, `${error.retryAfterMs}`);
    assert.equal(classifyVrError(error).retryAfterMs, error.retryAfterMs);
  });

  void test('the pacer keeps a client under the gateway limit (no 429)', async () => {
    const sim = await simulator({
      rateLimit: { enabled: true, perClientPerMinute: 100, perSessionPerMinute: 50 },
      vms: 20,
    });
    const vr = clientFor(sim, { pacing: { perClientPerMinute: 30, perSessionPerMinute: 20 } });
    const session = vr.session(await vr.login(local));
    await Promise.all(Array.from({ length: 19 }, () => session.getSession()));
    assert.equal(vr.pacerStats()?.waits, 0);
  });

  void test('500 with op_id, resets, timeouts and malformed answers from the fault engine', async () => {
    const sim = await simulator({ vms: 20 });
    const vr = clientFor(sim, { timeouts: { headersMs: 300 }, maxResponseBytes: 64 * 1024 });
    const session = vr.session(await vr.login(local));
    const fault = async (rule: Record<string, unknown>): Promise<void> => {
      await control(sim, 'POST', '/faults', { rules: [{ endpoint: 'GET /session', count: 1, ...rule }] });
    };
    await fault({ kind: 'error', status: 500, errorCode: 'INTERNAL_ERROR' });
    const server = await expectError(session.getSession(), VrServerError);
    assert.match(server.opId ?? '', /^[0-9a-f-]{36}$/);
    assert.match(server.message, /\(op_id [0-9a-f-]{36}\)$/);
    assert.equal(server.retryable, true);
    await fault({ kind: 'reset' });
    await expectError(session.getSession(), VrNetworkError);
    await fault({ kind: 'slow-headers', ms: 2000 });
    await expectError(session.getSession(), VrTimeoutError);
    // On the pairings list, where dropping or retyping a field breaks a required one (pairing_id).
    for (const mode of ['wrong-types', 'missing-field', 'truncated-json', 'html']) {
      await fault({ kind: 'malformed', mode, endpoint: 'GET /pairings', status: 200 });
      const error = await expectError(collect(session.listPairings()), VrSchemaError);
      assert.equal(error.retryable, false, mode);
      assert.match(error.message, /GET \/api\/rest\/vr\/v2\/pairings/);
      if (mode === 'wrong-types' || mode === 'missing-field')
        assert.match(error.message, /list\[0\]\.pairing_id/, mode);
    }
    // An HTML error page from a proxy: the status class wins.
    await fault({ kind: 'malformed', mode: 'html' });
    assert.equal((await expectError(session.getSession(), VrServerError)).retryable, true);
    await fault({ kind: 'malformed', mode: 'huge-body', bytes: 1024 * 1024 });
    await expectError(session.getSession(), VrResponseTooLargeError);
    await fault({ kind: 'malformed', mode: 'redirect', location: 'https://login.elsewhere.example/' });
    const redirect = await expectError(session.getSession(), VrUnexpectedStatusError);
    assert.match(redirect.message, /login\.elsewhere\.example/);
    assert.deepEqual(await session.getSession(), { username: PROTECTED.username }, 'healthy again');
  });
});
