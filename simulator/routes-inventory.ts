/** vCenter inventory through a pairing: datastores, storage policies (+ compliance), VMs, capability, disks. */
import type {
  StoragePolicyComplianceCheckData,
  VirtualMachine,
  VmCapabilities,
  VmValidationStatus,
} from '../vr/schemas';
import { badRequest, booleanQuery, notFound } from './http-types';
import { checkCompliance, type SimVcenter, type SimVm } from './inventory';
import { listResponse } from './listing';
import { pairingOf, vcenterOf } from './route-helpers';
import type { Route, RouteContext } from './router';
import type { SimulatorState } from './state';

export const REPLICATION_PRIVILEGE = 'VirtualMachine.Hbr.ConfigureReplication';

export function vmView(vm: SimVm): VirtualMachine {
  return {
    id: vm.id,
    name: vm.name,
    power_state: vm.powerState,
    connection_state: vm.connectionState,
    template: vm.template,
    managed_by_info: vm.managedBy ?? null,
    vr_privilege_granted: vm.privilegeGranted,
    disks: vm.disks,
  };
}

/** Why a VM cannot be replicated (first reason wins for the status), as VR's capability call reports it. */
export function vmValidation(
  state: SimulatorState,
  vm: SimVm,
  replicatedVmIds?: ReadonlySet<string>,
): { status: VmValidationStatus; reasons: string[] } {
  const problems: Array<[VmValidationStatus, string]> = [];
  if (vm.template) problems.push(['IS_VM_TEMPLATE', 'The virtual machine is a template.']);
  if (vm.connectionState !== 'CONNECTED')
    problems.push(['VM_NOT_CONNECTED', 'The virtual machine is not connected.']);
  if (vm.managedBy?.extension_key === 'com.vmware.vim.eam') {
    problems.push(['IS_EAM_VM', 'The virtual machine is managed by the ESX Agent Manager.']);
  }
  if (!vm.privilegeGranted) {
    problems.push([
      'NO_PERMISSIONS',
      `The current user does not have the ${REPLICATION_PRIVILEGE} privilege on the virtual machine.`,
    ]);
  }
  if (replicatedVmIds ? replicatedVmIds.has(vm.id) : state.replicationOfVm(vm.id))
    problems.push(['ALREADY_CONFIGURED', 'The virtual machine is already configured for replication.']);
  if (!vm.disks.some((disk) => !disk.is_vm_home && disk.supported_for_replication !== false)) {
    problems.push(['HBR_NOT_SUPPORTED', 'The virtual machine has no disk that can be replicated.']);
  }
  const first = problems[0];
  return { status: first ? first[0] : 'OK', reasons: problems.map(([, reason]) => reason) };
}

function vmOf(context: RouteContext, vcenter: SimVcenter): SimVm {
  const id = context.request.params['vm_id'] ?? '';
  const vm = vcenter.vms.find((candidate) => candidate.id === id);
  if (!vm) throw notFound('Virtual machine', id, 'VM_NOT_FOUND');
  return vm;
}

export const inventoryRoutes: Route[] = [
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/vcenters/{vcenter_id}/datastores',
    auth: 'session',
    handler: (context) => {
      const vcenter = vcenterOf(context, pairingOf(context));
      return {
        status: 200,
        body: listResponse(context.request, vcenter.datastores, context.state.settings.defaultPageSize),
      };
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/vcenters/{vcenter_id}/storage-policies',
    auth: 'session',
    handler: (context) => {
      const vcenter = vcenterOf(context, pairingOf(context));
      return {
        status: 200,
        body: listResponse(context.request, vcenter.storagePolicies, context.state.settings.defaultPageSize),
      };
    },
  },
  {
    method: 'POST',
    template:
      '/pairings/{pairing_id}/vcenters/{vcenter_id}/storage-policies/{storage_policy_id}/actions/check-compliance',
    auth: 'session',
    handler: (context) => {
      const vcenter = vcenterOf(context, pairingOf(context));
      const policyId = context.request.params['storage_policy_id'] ?? '';
      const policy = vcenter.storagePolicies.find((candidate) => candidate.storage_policy_id === policyId);
      if (!policy) throw notFound('Storage policy', policyId, 'STORAGE_POLICY_NOT_FOUND');
      const body = context.request.body;
      if (!Array.isArray(body) || body.length === 0 || !body.every((item) => typeof item === 'string')) {
        throw badRequest(
          'The request body must be a non-empty JSON array of datastore ids.',
          'INVALID_REQUEST_BODY',
        );
      }
      const results = (body as string[]).map((datastoreId): StoragePolicyComplianceCheckData => {
        const datastore = vcenter.datastores.find((candidate) => candidate.id === datastoreId);
        if (!datastore)
          throw badRequest(
            `Datastore ${datastoreId} not found on ${vcenter.site.vcenterName}.`,
            'DATASTORE_NOT_FOUND',
          );
        const problem = checkCompliance(vcenter, policy, datastore);
        return {
          storage_policy_id: policy.storage_policy_id,
          datastore: datastore.id,
          compliant: problem === undefined,
          not_compliant_detailed_message: problem ?? null,
        };
      });
      return {
        status: 200,
        body: listResponse(context.request, results, context.state.settings.defaultPageSize),
      };
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/vcenters/{vcenter_id}/vms',
    auth: 'session',
    handler: (context) => {
      const { state, request } = context;
      const vcenter = vcenterOf(context, pairingOf(context));
      const suitableOnly = booleanQuery(request.query, 'suitable_for_replication');
      const replicated = new Set([...state.replications.values()].map((replication) => replication.vm.id));
      const vms = suitableOnly
        ? vcenter.vms.filter((vm) => vmValidation(state, vm, replicated).status === 'OK')
        : vcenter.vms;
      return { status: 200, body: listResponse(request, vms.map(vmView), state.settings.defaultPageSize) };
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/vcenters/{vcenter_id}/vms/{vm_id}/capability',
    auth: 'session',
    handler: (context) => {
      const vm = vmOf(context, vcenterOf(context, pairingOf(context)));
      const validation = vmValidation(context.state, vm);
      const body: VmCapabilities = {
        vm_id: vm.id,
        vm_validation_status: validation.status,
        quiescing_supported: vm.powerState === 'POWERED_ON',
        network_compression_supported: true,
        mpit_supported: true,
        lwd_encryption_supported: true,
        vm_crypt_supported: false,
        vm_encrypted: false,
        vm_encryption_key_provider_type: null,
        replication_not_supported_reasons: validation.reasons.length > 0 ? validation.reasons : null,
        auto_replicate_new_disks_supported: true,
        min_rpo_mins: 5,
        nvme_disk_controller_supported: true,
        ds_cluster_as_target_supported: true,
        reconfigure_vm_disks_supported: true,
      };
      return { status: 200, body };
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/vcenters/{vcenter_id}/vms/{vm_id}/disks',
    auth: 'session',
    handler: (context) => {
      const vm = vmOf(context, vcenterOf(context, pairingOf(context)));
      return {
        status: 200,
        body: listResponse(context.request, vm.disks, context.state.settings.defaultPageSize),
      };
    },
  },
];
