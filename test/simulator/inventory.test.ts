/* eslint-disable @typescript-eslint/no-explicit-any -- tests read loosely typed JSON answers */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningSimulator } from '../../simulator/index';
import { startTestSimulator, TestApi } from './sim-client';

void describe('simulator inventory and listing', () => {
  let simulator: RunningSimulator;
  let api: TestApi;
  let vmsPath: string;
  let sitePairing: any;
  before(async () => {
    simulator = await startTestSimulator({ vms: 300, seed: 7 });
    api = new TestApi(simulator);
    await api.login();
    sitePairing = (await api.pairings()).site;
    vmsPath = `/pairings/${sitePairing.pairing_id}/vcenters/${sitePairing.local_vc_server.id}/vms`;
  });
  after(() => simulator.close());

  void test('pages with limit/offset, total and links; default page size 100', async () => {
    const first = await api.call('GET', vmsPath);
    assert.equal(first.body.list.length, 100);
    assert.deepEqual(
      { total: first.body._meta.total, offset: first.body._meta.offset, limit: first.body._meta.limit },
      { total: 300, offset: 0, limit: 100 },
    );
    assert.ok(first.body._meta.links.next.href.includes('offset=100'));
    assert.equal(first.body._meta.links.previous, undefined);
    const last = await api.call('GET', `${vmsPath}?limit=70&offset=280`);
    assert.equal(last.body.list.length, 20);
    assert.equal(last.body._meta.links.next, undefined);
    assert.ok(last.body._meta.links.previous.href.includes('offset=210'));
    const ids = new Set<string>();
    for (let offset = 0; offset < 300; offset += 64) {
      const page = await api.call('GET', `${vmsPath}?limit=64&offset=${offset}`);
      for (const vm of page.body.list) ids.add(vm.id);
    }
    assert.equal(ids.size, 300);
  });

  void test('invalid paging and sorting parameters are 400 ResponseError', async () => {
    for (const query of [
      'limit=abc',
      'limit=0',
      'offset=-1',
      'limit=1.5',
      'sort_by=name&order_by=up',
      'filter=x',
    ]) {
      const answer = await api.call('GET', `${vmsPath}?${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(typeof answer.body.message, 'string');
    }
  });

  void test('filter is "contains" (case-insensitive), OR across values, nested property', async () => {
    const app1 = await api.call('GET', `${vmsPath}?filter_property=name&filter=app-1&limit=1000`);
    const names: string[] = app1.body.list.map((vm: any) => vm.name);
    for (const name of ['app-1', 'app-10', 'app-100']) assert.ok(names.includes(name), name);
    assert.ok(names.every((name) => name.toLowerCase().includes('app-1')));
    const either = await api.call(
      'GET',
      `${vmsPath}?filter_property=name&filter=old-web&filter=APP-100&limit=1000`,
    );
    assert.deepEqual(either.body.list.map((vm: any) => vm.name).sort(), ['app-100', 'old-web']);
    const nested = await api.call('GET', `${vmsPath}?filter_property=disks.controller_label&filter=SATA`);
    assert.deepEqual(
      nested.body.list.map((vm: any) => vm.name),
      ['legacy-sata-1'],
    );
    const pairings = await api.call('GET', `/pairings?filter_property=remote_vc_server.name&filter=recovery`);
    assert.equal(pairings.body.list.length, 1);
  });

  void test('sort_by with order_by desc / ascending', async () => {
    const desc = await api.call('GET', `${vmsPath}?sort_by=name&order_by=descending&limit=1000`);
    const names: string[] = desc.body.list.map((vm: any) => vm.name);
    assert.deepEqual(names, [...names].sort().reverse());
    const asc = await api.call('GET', `${vmsPath}?sort_by=name&order_by=asc&limit=5`);
    assert.deepEqual(
      asc.body.list.map((vm: any) => vm.name),
      [...names].sort().slice(0, 5),
    );
  });

  void test('suitable_for_replication hides replicated VMs, templates and VMs without privilege; capability explains', async () => {
    const all = (await api.call('GET', `${vmsPath}?limit=1000`)).body.list as any[];
    const suitable = (await api.call('GET', `${vmsPath}?suitable_for_replication=true&limit=1000`)).body
      .list as any[];
    assert.ok(suitable.length < all.length);
    assert.ok(suitable.every((vm) => !vm.template && vm.vr_privilege_granted));
    const byName = new Map(all.map((vm) => [vm.name, vm]));
    const expectations: Array<[string, string]> = [
      ['tmpl-rhel9', 'IS_VM_TEMPLATE'],
      ['restricted-1', 'NO_PERMISSIONS'],
      ['replicated-1', 'ALREADY_CONFIGURED'],
      ['disconnected-1', 'VM_NOT_CONNECTED'],
      ['app-1', 'OK'],
      ['off-1', 'OK'],
    ];
    for (const [name, status] of expectations) {
      const vm = byName.get(name);
      const capability = await api.call('GET', `${vmsPath}/${encodeURIComponent(vm.id)}/capability`);
      assert.equal(capability.status, 200);
      assert.equal(capability.body.vm_validation_status, status, name);
      assert.equal(capability.body.min_rpo_mins, 5);
      assert.equal(
        suitable.some((candidate) => candidate.name === name),
        status === 'OK',
        name,
      );
      if (status !== 'OK') assert.ok(capability.body.replication_not_supported_reasons.length > 0);
    }
    assert.ok(all.some((vm) => vm.managed_by_info?.extension_key === 'com.vmware.vim.eam'));
    assert.ok(all.some((vm) => vm.power_state === 'POWERED_OFF' && !vm.template));
  });

  void test('disks include the VM home and 1-4 hard disks', async () => {
    const vm = (await api.call('GET', `${vmsPath}?filter_property=name&filter=app-10&limit=1`)).body.list[0];
    const disks = await api.call('GET', `${vmsPath}/${encodeURIComponent(vm.id)}/disks`);
    const list = disks.body.list as any[];
    assert.equal(list.filter((disk) => disk.is_vm_home).length, 1);
    assert.ok(list.length >= 2 && list.length <= 5);
    assert.ok(list.every((disk) => disk.vm_id === vm.id));
    assert.equal((await api.call('GET', `${vmsPath}/VirtualMachine:vm-1:nope/disks`)).status, 404);
  });

  void test('datastores (with a storage pod), storage policies and compliance on the recovery site', async () => {
    await api.remoteLogin(sitePairing.pairing_id);
    const vcPath = `/pairings/${sitePairing.pairing_id}/vcenters/${sitePairing.remote_vc_server.id}`;
    const datastores = (await api.call('GET', `${vcPath}/datastores`)).body.list as any[];
    const pod = datastores.find((datastore) => datastore.type === 'STORAGE_POD');
    assert.ok(pod);
    assert.ok(datastores.filter((datastore) => datastore.parent === pod.id).length >= 2);
    const policies = (await api.call('GET', `${vcPath}/storage-policies`)).body.list as any[];
    const vsan = policies.find((policy) => policy.storage_policy_name === 'vSAN Default Storage Policy');
    const ids = datastores
      .filter((datastore) => ['recovery-vsan', 'recovery-ds-1'].includes(datastore.name))
      .map((d) => d.id);
    const check = await api.call(
      'POST',
      `${vcPath}/storage-policies/${vsan.storage_policy_id}/actions/check-compliance`,
      { body: ids },
    );
    assert.equal(check.status, 200);
    const compliant = check.body.list.map((entry: any) => entry.compliant).sort();
    assert.deepEqual(compliant, [false, true]);
    const unknown = await api.call(
      'POST',
      `${vcPath}/storage-policies/${vsan.storage_policy_id}/actions/check-compliance`,
      {
        body: ['Datastore:datastore-0:none'],
      },
    );
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error_code, 'DATASTORE_NOT_FOUND');
    const vrs = (await api.call('GET', `/pairings/${sitePairing.pairing_id}/vrs`)).body.list as any[];
    assert.equal(vrs.length, 2);
    const servers = await api.call(
      'GET',
      `/pairings/${sitePairing.pairing_id}/vrs/${sitePairing.remote_vrms.id}/replication-servers`,
    );
    assert.ok(servers.body.list.length >= 3);
  });

  void test('unknown pairing is 404 ResponseError; GET /info answers', async () => {
    const missing = await api.call('GET', '/pairings/00000000-0000-4000-8000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 'PAIRING_NOT_FOUND');
    const info = await api.call('GET', '/info');
    assert.equal(info.body.id, sitePairing.local_vrms.id);
  });

  void test('the inventory is deterministic by seed', async () => {
    const again = await startTestSimulator({ vms: 300, seed: 7 });
    const other = await startTestSimulator({ vms: 300, seed: 8 });
    try {
      const listing = async (sim: RunningSimulator) => {
        const client = new TestApi(sim);
        await client.login();
        const pairing = (await client.pairings()).site;
        const path = `/pairings/${pairing.pairing_id}/vcenters/${pairing.local_vc_server.id}/vms?limit=1000`;
        return { pairing: pairing.pairing_id, vms: (await client.call('GET', path)).body.list };
      };
      const [mine, same, different] = await Promise.all([listing(simulator), listing(again), listing(other)]);
      assert.deepEqual(same, mine);
      assert.notDeepEqual(
        different.vms.map((vm: any) => vm.id),
        mine.vms.map((vm: any) => vm.id),
      );
      assert.notEqual(different.pairing, mine.pairing);
    } finally {
      await again.close();
      await other.close();
    }
  });
});
