/**
 * The generated vCenter inventories of both sites: datastores (with a storage pod), storage policies, replication
 * servers and VMs with disks. Everything is derived from the seed, so one seed always yields the same ids and names.
 */
import type { Datastore, StoragePolicy } from '../vr/schemas';
import type { Inventory, SimReplicationServer, SimVcenter } from './inventory-model';
import { createRandom, type Random } from './random';
import { SIM_SITES, type SimSite } from './sites';
import { addVm, populateProtectedVms } from './vm-generator';

export type { Inventory, SimReplicationServer, SimVcenter, SimVm, SimVrms } from './inventory-model';
export { addVm, TRAP_VM_NAMES } from './vm-generator';

const GIB = 1024 * 1024 * 1024;

export function generateInventory(seed: number, vmCount: number): Inventory {
  const random = createRandom(seed);
  const protectedVc = createVcenter(SIM_SITES.protected, random, [
    { name: 'protected-ds-1', type: 'VMFS' },
    { name: 'protected-ds-2', type: 'VMFS' },
    { name: 'protected-ds-10', type: 'VMFS' },
    { name: 'protected-nfs-1', type: 'NFS' },
    { name: 'protected-pod', pod: ['protected-pod-ds-1', 'protected-pod-ds-2'] },
  ]);
  const recoveryVc = createVcenter(SIM_SITES.recovery, random, [
    { name: 'recovery-ds-1', type: 'VMFS' },
    { name: 'recovery-ds-10', type: 'VMFS' },
    { name: 'recovery-ds-2', type: 'VMFS' },
    { name: 'recovery-nfs-1', type: 'NFS' },
    { name: 'recovery-vsan', type: 'VSAN' },
    { name: 'recovery-ds-offline', type: 'VMFS', inaccessible: true },
    { name: 'recovery-pod-gold', pod: ['recovery-gold-1', 'recovery-gold-2'] },
  ]);
  populateProtectedVms(protectedVc, random, vmCount);
  const recoveryCount = Math.max(4, Math.round(vmCount / 30));
  for (let index = 1; index <= recoveryCount; index += 1) addVm(recoveryVc, random, `recovery-util-${index}`);
  const inventory: Inventory = { vcenters: new Map(), vrms: new Map(), random };
  for (const vcenter of [protectedVc, recoveryVc]) {
    inventory.vcenters.set(vcenter.site.vcenterId, vcenter);
    inventory.vrms.set(vcenter.site.vrmsId, {
      site: vcenter.site,
      replicationServers: replicationServers(vcenter.site, random),
    });
  }
  return inventory;
}

interface DatastoreTemplate {
  name: string;
  type?: 'VMFS' | 'NFS' | 'VSAN';
  inaccessible?: boolean;
  pod?: string[];
}

function createVcenter(site: SimSite, random: Random, templates: DatastoreTemplate[]): SimVcenter {
  const datastores: Datastore[] = [];
  let datastoreNumber = random.integer(10, 60);
  const makeDatastore = (
    name: string,
    type: 'VMFS' | 'NFS' | 'VSAN',
    extra: Partial<Datastore> = {},
  ): Datastore => {
    datastoreNumber += random.integer(1, 7);
    const capacity = random.integer(2, 64) * 512 * GIB;
    return {
      id: `Datastore:datastore-${datastoreNumber}:${site.vcenterId}`,
      name,
      capacity,
      free_space: Math.floor((capacity * random.integer(5, 90)) / 100),
      file_system_type: type,
      maintenance_mode: 'normal',
      overall_status: 'GREEN',
      accessible: true,
      type: 'DATASTORE',
      nkp_supported: type === 'VSAN',
      path: `ds:///vmfs/volumes/${random.uuid()}/`,
      ...extra,
    };
  };
  for (const template of templates) {
    if (template.pod) {
      datastoreNumber += 1;
      const podId = `StoragePod:group-p${datastoreNumber}:${site.vcenterId}`;
      const members = template.pod.map((member) =>
        makeDatastore(member, 'VMFS', { parent: podId, parent_name: template.name }),
      );
      const capacity = members.reduce((sum, member) => sum + (member.capacity ?? 0), 0);
      const free = members.reduce((sum, member) => sum + (member.free_space ?? 0), 0);
      datastores.push(
        {
          id: podId,
          name: template.name,
          capacity,
          free_space: free,
          overall_status: 'GREEN',
          accessible: true,
          type: 'STORAGE_POD',
        },
        ...members,
      );
    } else {
      const extra: Partial<Datastore> = template.inaccessible
        ? { accessible: false, overall_status: 'RED', maintenance_mode: 'inMaintenance' }
        : {};
      datastores.push(makeDatastore(template.name, template.type ?? 'VMFS', extra));
    }
  }
  const policy = (name: string, encryption = false): StoragePolicy => ({
    storage_policy_name: name,
    storage_policy_id: random.uuid(),
    vm_encryption_supported: encryption,
  });
  const storagePolicies = [
    policy('VM Encryption Policy', true),
    policy('vSAN Default Storage Policy'),
    policy('Gold'),
    policy('Gold-Replicated'),
    policy('Management Storage Policy - Thin'),
  ];
  return { site, datastores, storagePolicies, vms: [], nextVmNumber: random.integer(1000, 1999) };
}

/**
 * Compliance rules: the vSAN policy only fits vSAN datastores, "Gold" does not fit NFS datastores, an
 * inaccessible datastore fits nothing, and a storage pod is compliant when all its members are.
 */
export function checkCompliance(
  vcenter: SimVcenter,
  policy: StoragePolicy,
  datastore: Datastore,
): string | undefined {
  if (datastore.type === 'STORAGE_POD') {
    const failing = vcenter.datastores
      .filter((member) => member.parent === datastore.id)
      .map((member) => checkCompliance(vcenter, policy, member))
      .find((message) => message !== undefined);
    return failing;
  }
  if (datastore.accessible === false) return `Datastore '${datastore.name}' is not accessible.`;
  if (policy.storage_policy_name === 'vSAN Default Storage Policy' && datastore.file_system_type !== 'VSAN') {
    return `Datastore '${datastore.name}' does not satisfy the vSAN rule set of policy '${policy.storage_policy_name}'.`;
  }
  if (policy.storage_policy_name === 'Gold' && datastore.file_system_type === 'NFS') {
    return `Datastore '${datastore.name}' does not provide the capabilities required by policy 'Gold'.`;
  }
  return undefined;
}

function replicationServers(site: SimSite, random: Random): SimReplicationServer[] {
  const server = (name: string, extra: Partial<SimReplicationServer> = {}): SimReplicationServer => {
    const uuid = random.uuid();
    return {
      id: `HmsRemoteHbrServer:HBRSRV-${uuid}:${site.vrmsId}`,
      name,
      uuid,
      hostname: `${name}.sim.local`,
      connected: true,
      decommissioned: false,
      internally_managed: false,
      configuration_url: `https://${name}.sim.local:5480`,
      fault: null,
      ...extra,
    };
  };
  const prefix = `vrs-${site.key}`;
  return [
    server(site.vrmsHost, {
      internally_managed: true,
      hostname: site.vrmsHost,
      configuration_url: `https://${site.vrmsHost}:5480`,
    }),
    server(`${prefix}-01`),
    server(`${prefix}-02`),
    server(`${prefix}-02-old`, { connected: false, fault: 'Host is not reachable' }),
  ];
}
