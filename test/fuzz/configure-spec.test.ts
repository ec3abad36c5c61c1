/**
 * Property over the request schema: generated valid ConfigureReplicationSpecs (real VMs and disks of the simulator,
 * any settings within VR's rules) pass our zod schema and the simulator's validation (202, one task per VM); the
 * same specs with one field broken get 400 VALIDATION_ERROR naming that field, and our own schema rejects them too
 * (so the client would never have sent them). Raw HTTP, so the client's own request validation is not in the way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { SIM_SITES, type RunningSimulator } from '../../simulator';
import {
  collect,
  ConfigureReplicationSpec,
  DiskFormat,
  VrClient,
  type ConfigureReplicationSpec as Spec,
  type VmDisk,
} from '../../vr';
import { startTestSimulator } from '../support/simulator';

let sim: RunningSimulator;
let sessionId: string;
let client: VrClient;
let pairingId: string;
let targetVcenterId: string;
let datastoreId: string;
const vms: Array<{ id: string; disks: VmDisk[] }> = [];

before(async () => {
  sim = await startTestSimulator({ vms: 40 });
  client = new VrClient({ baseUrl: sim.url, pacing: false });
  sessionId = await client.login({
    username: SIM_SITES.protected.username,
    password: SIM_SITES.protected.password,
  });
  const session = client.session(sessionId);
  const pairing = (await collect(session.listPairings())).find(
    (candidate) => candidate.local_vc_server.id !== candidate.remote_vc_server.id,
  )!;
  pairingId = pairing.pairing_id;
  targetVcenterId = pairing.remote_vc_server.id;
  await session.remoteLogin(pairingId, {
    username: SIM_SITES.recovery.username,
    password: SIM_SITES.recovery.password,
  });
  const datastores = await collect(session.listDatastores(pairingId, targetVcenterId));
  datastoreId = datastores.find((datastore) => datastore.name === 'recovery-ds-1')!.id;
  const suitable = await collect(
    session.listVms(pairingId, pairing.local_vc_server.id, { suitableForReplication: true }),
  );
  for (const vm of suitable.slice(0, 12)) {
    const disks = await collect(session.listVmDisks(pairingId, pairing.local_vc_server.id, vm.id));
    if (disks.some((disk) => !disk.is_vm_home && disk.supported_for_replication !== false))
      vms.push({ id: vm.id, disks });
  }
  assert.ok(vms.length >= 4, `only ${vms.length} usable VMs`);
});
after(async () => {
  await client?.session(sessionId).logout();
  await client?.close();
  await sim?.close();
});

const settings = fc
  .record({
    rpo: fc.integer({ min: 5, max: 1440 }),
    mpit: fc.option(
      fc.integer({ min: 1, max: 24 }).chain((instances) =>
        fc.record({
          instances: fc.constant(instances),
          days: fc.integer({ min: 1, max: Math.floor(24 / instances) }),
        }),
      ),
      { nil: undefined },
    ),
    quiesce: fc.boolean(),
    compression: fc.boolean(),
    encryption: fc.boolean(),
    autoReplicate: fc.boolean(),
    diskFormat: fc.constantFrom('SAME_AS_SOURCE', 'THIN', 'THICK', 'FLAT', 'NATIVE_THICK'),
  })
  .map((chosen) => chosen);
type Settings = typeof settings extends fc.Arbitrary<infer T> ? T : never;

function specFor(vm: { id: string; disks: VmDisk[] }, chosen: Settings): Spec {
  return {
    vm_id: vm.id,
    target_vc_id: targetVcenterId,
    rpo: chosen.rpo,
    mpit_enabled: chosen.mpit !== undefined,
    ...(chosen.mpit ? { mpit_instances: chosen.mpit.instances, mpit_days: chosen.mpit.days } : {}),
    quiesce_enabled: chosen.quiesce,
    network_compression_enabled: chosen.compression,
    lwd_encryption_enabled: chosen.encryption,
    auto_replicate_new_disks: chosen.autoReplicate,
    disks: vm.disks.map((disk) => ({
      vm_disk: {
        vm_id: vm.id,
        device_key: disk.device_key,
        is_vm_home: disk.is_vm_home,
        capacity: disk.capacity,
        source_disk_format: disk.source_disk_format,
        label: disk.label,
        controller_key: disk.controller_key,
      },
      enabled_for_replication: disk.is_vm_home === true || disk.supported_for_replication !== false,
      use_seeds: false,
      destination_datastore_id: datastoreId,
      destination_disk_format: DiskFormat.parse(chosen.diskFormat),
    })),
  };
}

/** 1–3 distinct VMs, each with its own settings. */
const specs = fc
  .uniqueArray(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 3, selector: (n) => n % 1_000 })
  .chain((indexes) => {
    const chosenVms = [...new Set(indexes.map((index) => index % vms.length))].map((index) => vms[index]!);
    return fc
      .tuple(...chosenVms.map(() => settings))
      .map((all) => all.map((one, i) => specFor(chosenVms[i]!, one)));
  });

/** One broken field: the name VR's message must carry, and the change. */
// `schema: false`: our zod schema (like the API document) has no bounds for mpit_instances / mpit_days; the
// workflow input schema enforces them before a spec is built, VR (and the simulator) at the server.
const MUTATIONS: Array<{ field: string; schema?: false; apply(spec: Record<string, unknown>): void }> = [
  { field: 'rpo', apply: (spec) => (spec.rpo = 4) },
  { field: 'rpo', apply: (spec) => (spec.rpo = 1441) },
  { field: 'rpo', apply: (spec) => (spec.rpo = '15') },
  { field: 'rpo', apply: (spec) => (spec.rpo = 15.5) },
  { field: 'rpo', apply: (spec) => delete spec.rpo },
  {
    field: 'mpit_instances',
    schema: false,
    apply: (spec) => Object.assign(spec, { mpit_enabled: true, mpit_instances: 25, mpit_days: 1 }),
  },
  {
    field: 'mpit_days',
    schema: false,
    apply: (spec) => Object.assign(spec, { mpit_enabled: true, mpit_instances: 1, mpit_days: 0 }),
  },
  { field: 'network_compression_enabled', apply: (spec) => (spec.network_compression_enabled = 'yes') },
  { field: 'lwd_encryption_enabled', apply: (spec) => delete spec.lwd_encryption_enabled },
  { field: 'mpit_enabled', apply: (spec) => (spec.mpit_enabled = 1) },
  { field: 'vm_id', apply: (spec) => delete spec.vm_id },
  { field: 'target_vc_id', apply: (spec) => (spec.target_vc_id = '') },
  { field: 'disks', apply: (spec) => (spec.disks = 'all') },
  {
    field: 'destination_disk_format',
    apply: (spec) => ((spec.disks as Array<Record<string, unknown>>)[0]!.destination_disk_format = 'SPARSE'),
  },
];

const post = async (body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
  const response = await fetch(
    `${sim.url}/api/rest/vr/v2/pairings/${encodeURIComponent(pairingId)}/replications`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dr-session': sessionId },
      body: JSON.stringify(body),
    },
  );
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};

describe('ConfigureReplicationSpec (property)', () => {
  test('valid specs: our schema and the simulator accept them (202, one task per VM)', async () => {
    await fc.assert(
      fc.asyncProperty(specs, async (batch) => {
        for (const spec of batch) assert.ok(ConfigureReplicationSpec.safeParse(spec).success);
        const { status, json } = await post(batch);
        assert.equal(status, 202, JSON.stringify(json));
        assert.equal((json.list as unknown[]).length, batch.length);
      }),
      { numRuns: 100 },
    );
  });

  test('one broken field: 400 VALIDATION_ERROR naming the field; our schema rejects it as well', async () => {
    await fc.assert(
      fc.asyncProperty(specs, fc.nat(), fc.constantFrom(...MUTATIONS), async (batch, where, mutation) => {
        const broken = structuredClone(batch) as unknown as Array<Record<string, unknown>>;
        const index = where % broken.length;
        mutation.apply(broken[index]!);
        if (mutation.schema !== false)
          assert.equal(ConfigureReplicationSpec.safeParse(broken[index]).success, false, mutation.field);
        const { status, json } = await post(broken);
        assert.equal(status, 400, `${mutation.field}: ${JSON.stringify(json)}`);
        assert.equal(json.error_code, 'VALIDATION_ERROR');
        assert.match(String(json.message), new RegExp(`index ${index}\\b`));
        assert.ok(
          String(json.message).includes(mutation.field),
          `${mutation.field}: ${String(json.message)}`,
        );
      }),
      { numRuns: 150 },
    );
  });
});
