/* eslint-disable @typescript-eslint/no-explicit-any -- tests read loosely typed JSON answers */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningSimulator } from '../../simulator/index';
import { eventually, specFor, startTestSimulator, TestApi } from './sim-client';

void describe('simulator replications and tasks', () => {
  let simulator: RunningSimulator;
  let api: TestApi;
  let pairing: any;
  let vms: Map<string, any>;
  let datastoreId: string;
  let configurePath: string;
  before(async () => {
    simulator = await startTestSimulator({
      vms: 60,
      taskDurations: { queuedMs: 100, runningMs: 200 },
      initialSyncMs: 1000,
    });
    api = new TestApi(simulator);
    await api.login();
    pairing = (await api.pairings()).site;
    await api.remoteLogin(pairing.pairing_id);
    const list = (
      await api.call(
        'GET',
        `/pairings/${pairing.pairing_id}/vcenters/${pairing.local_vc_server.id}/vms?limit=1000`,
      )
    ).body.list;
    vms = new Map(list.map((vm: any) => [vm.name, vm]));
    const datastores = (
      await api.call(
        'GET',
        `/pairings/${pairing.pairing_id}/vcenters/${pairing.remote_vc_server.id}/datastores`,
      )
    ).body.list;
    datastoreId = datastores.find((datastore: any) => datastore.name === 'recovery-ds-1').id;
    configurePath = `/pairings/${pairing.pairing_id}/replications`;
  });
  after(() => simulator.close());

  const spec = (name: string, overrides: Record<string, unknown> = {}) =>
    specFor(vms.get(name), pairing.remote_vc_server.id, datastoreId, overrides);

  void test('bad specs are rejected as a whole with 400 naming index and field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [[spec('app-10'), spec('web-01', { rpo: 2 })], /index 1 .*'rpo'/],
      [[spec('app-10', { rpo: 1441 })], /'rpo'/],
      [[spec('app-10', { mpit_enabled: true, mpit_instances: 25, mpit_days: 1 })], /'mpit_instances'/],
      [[spec('app-10', { mpit_enabled: true, mpit_instances: 6, mpit_days: 5 })], /point-in-time/],
      [[spec('app-10', { target_vc_id: pairing.local_vc_server.id })], /'target_vc_id'/],
      [[spec('app-10', { vm_id: 'VirtualMachine:vm-1:none' })], /'vm_id'/],
      [
        [spec('app-10', { network_compression_enabled: undefined })],
        /'network_compression_enabled' is required/,
      ],
      [[{ ...spec('app-10'), disks: spec('app-10').disks.slice(1) }], /missing VM home/],
      [[{ ...spec('app-10'), disks: [...spec('app-10').disks, spec('app-10').disks[1]] }], /listed twice/],
      [
        [
          spec('app-10', {
            disks: spec('app-10').disks.map((d: any) => ({ ...d, destination_datastore_id: 'x' })),
          }),
        ],
        /destination_datastore_id/,
      ],
      [
        [
          spec('app-10', {
            disks: spec('app-10').disks.map((d: any) => ({ ...d, destination_disk_format: 'ZIP' })),
          }),
        ],
        /destination_disk_format/,
      ],
      [[spec('app-10'), spec('app-10')], /more than one spec/],
      [Array.from({ length: 21 }, () => spec('app-10')), /At most 20/],
      [[], /At least one/],
      [{ not: 'an array' }, /JSON array/],
    ];
    for (const [body, message] of cases) {
      const answer = await api.call('POST', configurePath, { body });
      assert.equal(answer.status, 400, String(message));
      assert.match(answer.body.message, message);
      assert.ok(answer.body.error_code);
    }
    const sata = vms.get('legacy-sata-1');
    const enabledAll = specFor(sata, pairing.remote_vc_server.id, datastoreId);
    enabledAll.disks = enabledAll.disks.map((disk: any) => ({ ...disk, enabled_for_replication: true }));
    const unsupported = await api.call('POST', configurePath, { body: [enabledAll] });
    assert.equal(unsupported.status, 400);
    assert.match(unsupported.body.message, /not supported for replication/);
    assert.equal(
      (await api.call('GET', '/sim/stats')).body.replicationsPerVm[vms.get('app-10').id],
      undefined,
    );
  });

  void test('configure answers 202 with one task per VM; tasks progress QUEUED -> RUNNING -> SUCCESS', async () => {
    const answer = await api.call('POST', configurePath, { body: [spec('app-1'), spec('app-100')] });
    assert.equal(answer.status, 202);
    assert.equal(answer.body.list.length, 2);
    const [task] = answer.body.list;
    assert.equal(task.status, 'QUEUED');
    assert.equal(task.progress, 0);
    assert.equal(typeof task.queued_time, 'number');
    assert.equal(task.entity, vms.get('app-1').id);
    const seen = new Set<string>();
    const done = await eventually(async () => {
      const current = (await api.call('GET', `/tasks/${encodeURIComponent(task.id)}`)).body;
      seen.add(current.status);
      return current.status === 'SUCCESS' ? current : undefined;
    });
    assert.ok(seen.has('RUNNING') || seen.has('QUEUED'));
    assert.equal(done.progress, 100);
    assert.ok(done.complete_time >= done.start_time && done.start_time >= done.queued_time);
    const replicationId = done.result.replication_id;
    assert.match(replicationId, /^GID-/);
    const statuses = new Set<string>();
    const ok = await eventually(async () => {
      const replication = (await api.call('GET', `${configurePath}/${replicationId}`)).body;
      statuses.add(replication.status.status);
      if (replication.status.status === 'INITIAL_FULL_SYNC')
        assert.ok(replication.sync_progress.progress >= 0);
      return replication.status.status === 'OK' ? replication : undefined;
    });
    assert.ok(statuses.has('INITIAL_FULL_SYNC'));
    assert.ok(ok.last_sync_time > 0);
    const disks = await api.call('GET', `${configurePath}/${replicationId}/disks`);
    assert.equal(disks.body.list.length, vms.get('app-1').disks.length);
    // Both task ids in one GET /tasks call, as a poller would.
    const ids = answer.body.list.map((entry: any) => entry.id);
    const tasks = await api.call(
      'GET',
      `/tasks?filter_property=id&${ids.map((id: string) => `filter=${encodeURIComponent(id)}`).join('&')}`,
    );
    assert.deepEqual(tasks.body.list.map((entry: any) => entry.id).sort(), [...ids].sort());
    assert.equal((await api.call('GET', '/tasks/HmsTask:task-1:none')).status, 404);
  });

  void test('a VM that is already replicated or lacks the privilege gets its own task ERROR', async () => {
    const answer = await api.call('POST', configurePath, {
      body: [spec('app-1'), spec('restricted-1'), spec('web-01')],
    });
    assert.equal(answer.status, 202);
    const finals = await Promise.all(
      answer.body.list.map((task: any) =>
        eventually(async () => {
          const current = (await api.call('GET', `/tasks/${encodeURIComponent(task.id)}`)).body;
          return ['SUCCESS', 'ERROR'].includes(current.status) ? current : undefined;
        }),
      ),
    );
    assert.equal(finals[0].status, 'ERROR');
    assert.match(finals[0].error.message, /already configured/);
    assert.equal(finals[1].status, 'ERROR');
    assert.match(finals[1].error.message, /VirtualMachine\.Hbr\.ConfigureReplication/);
    assert.equal(finals[2].status, 'SUCCESS');
    const stats = (await api.call('GET', '/sim/stats')).body;
    assert.equal(stats.alreadyReplicatedConfigureAttempts, 1);
    assert.equal(stats.replicationsPerVm[vms.get('app-1').id], 1);
  });

  void test('pause, resume, sync, count, delete', async () => {
    const list = (await api.call('GET', `${configurePath}?filter_property=name&filter=web-01`)).body.list;
    const replication = list.find((entry: any) => entry.name === 'web-01');
    const waitTask = (task: any) =>
      eventually(async () => {
        const current = (await api.call('GET', `/tasks/${encodeURIComponent(task.id)}`)).body;
        return ['SUCCESS', 'ERROR'].includes(current.status) ? current : undefined;
      });
    const base = `${configurePath}/${replication.id}`;
    assert.equal((await waitTask((await api.call('POST', `${base}/actions/pause`)).body)).status, 'SUCCESS');
    assert.equal((await api.call('GET', base)).body.status.status, 'PAUSED');
    assert.equal(
      (await waitTask((await api.call('POST', `${base}/actions/pause`)).body)).status,
      'SUCCESS',
      'idempotent',
    );
    const sync = await api.call('POST', `${base}/actions/sync`);
    assert.equal(sync.status, 400);
    assert.equal(sync.body.error_code, 'INVALID_STATE');
    assert.equal((await waitTask((await api.call('POST', `${base}/actions/resume`)).body)).status, 'SUCCESS');
    assert.notEqual((await api.call('GET', base)).body.status.status, 'PAUSED');
    const count = (await api.call('GET', `${configurePath}/count`)).body.count;
    const removed = await api.call('DELETE', `${base}?retain_replica_disks=true`);
    assert.equal(removed.status, 202);
    assert.equal((await waitTask(removed.body)).status, 'SUCCESS');
    assert.equal((await api.call('GET', base)).status, 404);
    assert.equal((await api.call('GET', `${configurePath}/count`)).body.count, count - 1);
  });

  void test('v1 reports task times as ISO strings', async () => {
    const v1 = new TestApi(simulator, 'v1');
    v1.sessionId = api.sessionId;
    const tasks = (await v1.call('GET', '/tasks?limit=1')).body.list;
    assert.equal(typeof tasks[0].queued_time, 'string');
    assert.ok(!Number.isNaN(Date.parse(tasks[0].queued_time)));
  });

  void test('pairing delete needs force while replications exist; creating a duplicate pairing ends in ERROR', async () => {
    const refused = await api.call('DELETE', `/pairings/${pairing.pairing_id}`);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error_code, 'PAIRING_HAS_REPLICATIONS');
    const body = {
      pair_vc_id: pairing.remote_vc_server.id,
      pair_psc_info: {
        url: 'https://vc-recovery.sim.local',
        port: 443,
        username: 'administrator@recovery.local',
        password: 'Sim-Recovery-1!',
      },
    };
    const created = await api.call('POST', '/pairings', { body });
    assert.equal(created.status, 202);
    const task = await eventually(async () => {
      const current = (await api.call('GET', `/tasks/${encodeURIComponent(created.body.id)}`)).body;
      return ['SUCCESS', 'ERROR'].includes(current.status) ? current : undefined;
    });
    assert.equal(task.status, 'ERROR');
    assert.match(task.error.message, /already exists/);
    assert.equal((await api.call('POST', '/pairings', { body: { pair_psc_info: {} } })).status, 400);
  });
});
