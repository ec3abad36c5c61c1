/**
 * How many requests a lookup and a poll round cost, against the simulator over HTTP: a hundred names take one
 * list request, a round over a hundred and sixty tasks takes one `GET /tasks`, and both still answer exactly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchTasks } from '../../activities/replication-activities';
import { SIM_SITES, startSimulator, type RunningSimulator } from '../../simulator';
import {
  collect,
  findDatastoreByExactName,
  findVmsByExactName,
  MAX_SPECS_PER_CONFIGURE,
  toEpochMillis,
  VrClient,
  type ConfigureReplicationSpec,
  type Task,
  type VrExchange,
  type VrSession,
} from '../../vr';

const PROTECTED = SIM_SITES.protected;
const RECOVERY = SIM_SITES.recovery;

describe('request economy against the simulator', () => {
  let sim: RunningSimulator;
  let client: VrClient;
  let session: VrSession;
  let pairingId: string;
  const exchanges: VrExchange[] = [];
  const requestsTo = (method: string, template: string, since: number) =>
    exchanges
      .slice(since)
      .filter((exchange) => exchange.method === method && exchange.pathTemplate === template).length;

  before(async () => {
    sim = await startSimulator({
      vms: 400,
      rateLimit: { enabled: false },
      // Long tasks: every task is still queued or running while the test polls.
      taskDurations: { queuedMs: 60_000, runningMs: 600_000 },
    });
    client = new VrClient({
      baseUrl: sim.url,
      pacing: false,
      onExchange: (exchange) => exchanges.push(exchange),
    });
    session = client.session(
      await client.login({ username: PROTECTED.username, password: PROTECTED.password }),
    );
    const pairings = await collect(session.listPairings());
    const site = pairings.find((pairing) => pairing.remote_vc_server.id === RECOVERY.vcenterId);
    assert.ok(site);
    pairingId = site.pairing_id;
    await session.remoteLogin(pairingId, { username: RECOVERY.username, password: RECOVERY.password });
  });

  after(async () => {
    await session?.logout().catch(() => undefined);
    await client?.close();
    await sim?.close();
  });

  test('a hundred names: one list request, every name matched exactly (contains matches dropped)', async () => {
    const all = await collect(session.listVms(pairingId, PROTECTED.vcenterId, { pageSize: 1000 }));
    const names = all.map((vm) => vm.name).slice(0, 100);
    assert.ok(names.includes('app-1') && names.includes('app-10'), 'the contains traps are among the names');
    const since = exchanges.length;
    const found = await findVmsByExactName(session, pairingId, PROTECTED.vcenterId, names);
    assert.equal(requestsTo('GET', '/pairings/{pairing_id}/vcenters/{vcenter_id}/vms', since), 1);
    for (const name of names) {
      const match = found.get(name);
      assert.equal(match?.kind, 'found', name);
      if (match?.kind === 'found') assert.equal(match.item.name, name);
    }
  });

  test('a poll round over 160 tasks: one GET /tasks; every task answered, an unknown id reported missing', async () => {
    const suitable = await collect(
      session.listVms(pairingId, PROTECTED.vcenterId, { suitableForReplication: true, pageSize: 1000 }),
    );
    const datastore = await findDatastoreByExactName(session, pairingId, RECOVERY.vcenterId, 'recovery-ds-2');
    assert.equal(datastore.kind, 'found');
    if (datastore.kind !== 'found') return;
    const specs: ConfigureReplicationSpec[] = suitable.slice(0, 160).map((vm) => ({
      vm_id: vm.id,
      target_vc_id: RECOVERY.vcenterId,
      rpo: 60,
      network_compression_enabled: true,
      mpit_enabled: false,
      auto_replicate_new_disks: true,
      lwd_encryption_enabled: false,
      // Every disk goes in the spec; those VR cannot replicate go disabled (as the configure activity sends them).
      disks: (vm.disks ?? []).map((disk) => ({
        vm_disk: disk,
        enabled_for_replication: disk.supported_for_replication !== false,
        destination_datastore_id: datastore.item.id,
        destination_disk_format: 'SAME_AS_SOURCE' as const,
      })),
    }));
    assert.equal(specs.length, 160);
    const tasks: Task[] = [];
    for (let start = 0; start < specs.length; start += MAX_SPECS_PER_CONFIGURE)
      tasks.push(
        ...(await session.configureReplications(
          pairingId,
          specs.slice(start, start + MAX_SPECS_PER_CONFIGURE),
        )),
      );
    const ids = tasks.map((task) => task.id);
    const oldestQueuedAt = Math.min(...tasks.map((task) => toEpochMillis(task.queued_time)!));

    const since = exchanges.length;
    const round = await fetchTasks(session, [...ids, 'HmsTask:task-unknown'], { oldestQueuedAt });
    assert.equal(
      requestsTo('GET', '/tasks', since),
      2,
      'one list of recent tasks, one by id for the unknown one',
    );
    assert.deepEqual(round.missing, ['HmsTask:task-unknown']);
    assert.deepEqual(round.tasks.map((task) => task.taskId).sort(), [...ids].sort());
    assert.ok(round.tasks.every((task) => task.status === 'QUEUED' || task.status === 'RUNNING'));

    const known = exchanges.length;
    await fetchTasks(session, ids, { oldestQueuedAt });
    assert.equal(requestsTo('GET', '/tasks', known), 1);
    // Without a queue time (tasks adopted on a retry) the round asks by id, 100 per request.
    const byId = exchanges.length;
    const answer = await fetchTasks(session, ids, {});
    assert.equal(requestsTo('GET', '/tasks', byId), 2);
    assert.equal(answer.tasks.length, 160);
  });
});
