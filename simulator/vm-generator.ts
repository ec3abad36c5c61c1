/** Generation of the protected site's VMs: the "contains" traps, the special VMs and random ones, with disks. */
import type { Datastore, VmDisk } from '../vr/schemas';
import type { SimVcenter, SimVm } from './inventory-model';
import type { Random } from './random';

export const TRAP_VM_NAMES = ['app-1', 'app-10', 'app-100', 'web-01', 'old-web', 'web-01-clone'];

const GIB_IN_KB = 1024 * 1024;

export function populateProtectedVms(vcenter: SimVcenter, random: Random, vmCount: number): void {
  const special: Array<[string, (vm: SimVm) => void]> = [
    [
      'tmpl-rhel9',
      (vm) => {
        vm.template = true;
        vm.powerState = 'POWERED_OFF';
      },
    ],
    [
      'tmpl-win2022',
      (vm) => {
        vm.template = true;
        vm.powerState = 'POWERED_OFF';
      },
    ],
    [
      'restricted-1',
      (vm) => {
        vm.privilegeGranted = false;
      },
    ],
    [
      'restricted-2',
      (vm) => {
        vm.privilegeGranted = false;
      },
    ],
    [
      'off-1',
      (vm) => {
        vm.powerState = 'POWERED_OFF';
      },
    ],
    [
      'replicated-1',
      (vm) => {
        vm.preReplicated = 'site-pair';
      },
    ],
    [
      'replicated-2',
      (vm) => {
        vm.preReplicated = 'site-pair';
      },
    ],
    [
      'robo-replicated-1',
      (vm) => {
        vm.preReplicated = 'robo';
      },
    ],
    [
      'disconnected-1',
      (vm) => {
        vm.connectionState = 'DISCONNECTED';
      },
    ],
    [
      `vCLS-${random.uuid().slice(0, 8)}`,
      (vm) => {
        vm.managedBy = { extension_key: 'com.vmware.vim.eam', type: 'cluster-agent' };
      },
    ],
    [
      'legacy-sata-1',
      (vm) => {
        const last = vm.disks[vm.disks.length - 1];
        if (last && !last.is_vm_home) {
          last.controller_key = 15000;
          last.controller_label = 'SATA controller 0';
          last.supported_for_replication = false;
        }
      },
    ],
  ];
  const names = new Set<string>();
  const plan: Array<{ name: string; apply?: (vm: SimVm) => void }> = [];
  for (const name of TRAP_VM_NAMES) plan.push({ name });
  for (const [name, apply] of special) plan.push({ name, apply });
  for (const entry of plan) names.add(entry.name);
  let appNumber = 2;
  const families = ['app', 'web', 'db', 'svc', 'cache'];
  while (plan.length < vmCount) {
    const family = random.pick(families);
    let name: string;
    if (family === 'app') {
      while (names.has(`app-${appNumber}`)) appNumber += 1;
      name = `app-${appNumber}`;
    } else {
      name = `${family}-${String(random.integer(1, 999)).padStart(2, '0')}`;
    }
    if (names.has(name)) continue;
    names.add(name);
    plan.push({ name, apply: randomCategory(random) });
  }
  for (const entry of plan.slice(0, vmCount)) {
    const vm = addVm(vcenter, random, entry.name);
    entry.apply?.(vm);
  }
}

function randomCategory(random: Random): ((vm: SimVm) => void) | undefined {
  const roll = random.next();
  if (roll < 0.03)
    return (vm) => {
      vm.template = true;
      vm.powerState = 'POWERED_OFF';
    };
  if (roll < 0.07)
    return (vm) => {
      vm.privilegeGranted = false;
    };
  if (roll < 0.15)
    return (vm) => {
      vm.powerState = 'POWERED_OFF';
    };
  if (roll < 0.17)
    return (vm) => {
      vm.powerState = 'SUSPENDED';
    };
  if (roll < 0.25)
    return (vm) => {
      vm.preReplicated = 'site-pair';
    };
  if (roll < 0.27)
    return (vm) => {
      vm.preReplicated = 'robo';
    };
  return undefined;
}

/** Adds a suitable, powered-on VM with 1–4 disks (plus the VM home entry) to a vCenter. */
export function addVm(vcenter: SimVcenter, random: Random, name: string): SimVm {
  vcenter.nextVmNumber += random.integer(1, 5);
  const id = `VirtualMachine:vm-${vcenter.nextVmNumber}:${vcenter.site.vcenterId}`;
  const homeDatastores = vcenter.datastores.filter(
    (datastore) => datastore.type === 'DATASTORE' && datastore.accessible,
  );
  const home = random.pick(homeDatastores);
  const policy = random.chance(0.3) ? random.pick(vcenter.storagePolicies) : undefined;
  const pathData = (datastore: Datastore, filename: string) => ({
    datastore_id: datastore.id,
    datastore_name: datastore.name,
    path: name,
    filename,
  });
  const disks: VmDisk[] = [
    {
      vm_id: id,
      device_key: 0,
      is_vm_home: true,
      encrypted: false,
      capacity: random.integer(1, 8) * 1024,
      source_disk_format: 'SAME_AS_SOURCE',
      source_path: pathData(home, `${name}.vmx`),
      source_storage_policy_name: policy?.storage_policy_name ?? null,
      source_storage_policy_id: policy?.storage_policy_id ?? null,
      label: 'VM home',
      supported_for_replication: true,
    },
  ];
  const diskCount = random.integer(1, 4);
  for (let index = 0; index < diskCount; index += 1) {
    const datastore = index === 0 ? home : random.pick(homeDatastores);
    disks.push({
      vm_id: id,
      device_key: 2000 + index,
      is_vm_home: false,
      encrypted: false,
      capacity: random.integer(10, 500) * GIB_IN_KB,
      source_disk_format: random.pick(['THIN', 'THICK', 'NATIVE_THICK'] as const),
      source_path: pathData(datastore, index === 0 ? `${name}.vmdk` : `${name}_${index}.vmdk`),
      source_storage_policy_name: policy?.storage_policy_name ?? null,
      source_storage_policy_id: policy?.storage_policy_id ?? null,
      label: `Hard disk ${index + 1}`,
      controller_key: 1000,
      controller_label: 'SCSI controller 0',
      supported_for_replication: true,
    });
  }
  const vm: SimVm = {
    id,
    name,
    vcenterId: vcenter.site.vcenterId,
    powerState: 'POWERED_ON',
    connectionState: 'CONNECTED',
    template: false,
    privilegeGranted: true,
    disks,
  };
  vcenter.vms.push(vm);
  return vm;
}
