/**
 * Server-side validation of ConfigureReplicationSpec / ReconfigureReplicationSpec as VR does it: any problem
 * rejects the whole request with 400 naming the spec index and the field. Checks that depend on the VM's state
 * (already replicated, privilege, template) are not here: they make that VM's task fail instead.
 */
import {
  DiskFormat,
  MAX_SPECS_PER_CONFIGURE,
  MPIT_MAX_DAYS,
  MPIT_MAX_INSTANCES_PER_DAY,
  MPIT_MAX_TOTAL_INSTANCES,
  RPO_MAX_MINUTES,
  RPO_MIN_MINUTES,
} from '../vr/schemas';
import { badRequest, type SimHttpError } from './http-types';
import type { SimVcenter, SimVm, SimVrms } from './inventory';
import type { ReplicationDisk, ReplicationSettings } from './replications';

export interface ValidatedSettings {
  settings: ReplicationSettings;
  disks: ReplicationDisk[];
  replicationServerId: string | null;
}

export interface ValidationTarget {
  vcenter: SimVcenter;
  vrms: SimVrms;
}

type Fields = Record<string, unknown>;

const DISK_FORMATS: readonly string[] = DiskFormat.options;

class SpecError {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {}
}

const isObject = (value: unknown): value is Fields =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function requireBoolean(spec: Fields, field: string, required: boolean): boolean {
  const value = spec[field];
  if (value === undefined || value === null) {
    if (required) throw new SpecError(field, 'is required');
    return false;
  }
  if (typeof value !== 'boolean') throw new SpecError(field, 'must be a boolean');
  return value;
}

function optionalInteger(spec: Fields, field: string): number | null {
  const value = spec[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new SpecError(field, 'must be an integer');
  return value;
}

function optionalString(spec: Fields, field: string): string | null {
  const value = spec[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new SpecError(field, 'must be a string');
  return value;
}

function validateSettings(spec: Fields, vm: SimVm, target: ValidationTarget): ValidatedSettings {
  const rpo = spec['rpo'];
  if (rpo === undefined || rpo === null) throw new SpecError('rpo', 'is required');
  if (typeof rpo !== 'number' || !Number.isInteger(rpo) || rpo < RPO_MIN_MINUTES || rpo > RPO_MAX_MINUTES) {
    throw new SpecError(
      'rpo',
      `must be an integer between ${RPO_MIN_MINUTES} and ${RPO_MAX_MINUTES} minutes`,
    );
  }
  const mpitEnabled = requireBoolean(spec, 'mpit_enabled', true);
  const mpitInstances = optionalInteger(spec, 'mpit_instances');
  const mpitDays = optionalInteger(spec, 'mpit_days');
  if (mpitEnabled) {
    if (mpitInstances === null || mpitInstances < 1 || mpitInstances > MPIT_MAX_INSTANCES_PER_DAY) {
      throw new SpecError(
        'mpit_instances',
        `must be between 1 and ${MPIT_MAX_INSTANCES_PER_DAY} when mpit_enabled is true`,
      );
    }
    if (mpitDays === null || mpitDays < 1 || mpitDays > MPIT_MAX_DAYS) {
      throw new SpecError('mpit_days', `must be between 1 and ${MPIT_MAX_DAYS} when mpit_enabled is true`);
    }
    if (mpitInstances * mpitDays > MPIT_MAX_TOTAL_INSTANCES) {
      throw new SpecError(
        'mpit_instances',
        `times mpit_days must not exceed ${MPIT_MAX_TOTAL_INSTANCES} point-in-time instances`,
      );
    }
  }
  const settings: ReplicationSettings = {
    rpo,
    networkCompressionEnabled: requireBoolean(spec, 'network_compression_enabled', true),
    mpitEnabled,
    mpitInstances: mpitEnabled ? mpitInstances : null,
    mpitDays: mpitEnabled ? mpitDays : null,
    autoReplicateNewDisks: requireBoolean(spec, 'auto_replicate_new_disks', true),
    lwdEncryptionEnabled: requireBoolean(spec, 'lwd_encryption_enabled', true),
    quiesceEnabled: requireBoolean(spec, 'quiesce_enabled', false),
    vmDataSetsReplicationEnabled: requireBoolean(spec, 'vm_data_sets_replication_enabled', false),
  };
  const replicationServerId = optionalString(spec, 'target_replication_server_id');
  if (
    replicationServerId !== null &&
    !target.vrms.replicationServers.some((server) => server.id === replicationServerId)
  ) {
    throw new SpecError(
      'target_replication_server_id',
      `replication server ${replicationServerId} not found at the target site`,
    );
  }
  return { settings, disks: validateDisks(spec['disks'], vm, target), replicationServerId };
}

function validateDisks(value: unknown, vm: SimVm, target: ValidationTarget): ReplicationDisk[] {
  if (value === undefined || value === null) throw new SpecError('disks', 'is required');
  if (!Array.isArray(value)) throw new SpecError('disks', 'must be an array');
  const seen = new Map<number, ReplicationDisk>();
  value.forEach((item: unknown, index) => {
    const at = (field: string) => `disks[${index}]${field ? `.${field}` : ''}`;
    if (!isObject(item)) throw new SpecError(at(''), 'must be an object');
    const vmDisk = item['vm_disk'];
    if (!isObject(vmDisk)) throw new SpecError(at('vm_disk'), 'is required');
    if (vmDisk['vm_id'] !== vm.id)
      throw new SpecError(at('vm_disk.vm_id'), `must be the spec's vm_id ${vm.id}`);
    const deviceKey = vmDisk['device_key'];
    if (typeof deviceKey !== 'number' || !Number.isInteger(deviceKey))
      throw new SpecError(at('vm_disk.device_key'), 'is required');
    const disk = vm.disks.find((candidate) => candidate.device_key === deviceKey);
    if (!disk)
      throw new SpecError(at('vm_disk.device_key'), `VM ${vm.name} has no disk with device key ${deviceKey}`);
    if (seen.has(deviceKey))
      throw new SpecError(at('vm_disk.device_key'), `disk with device key ${deviceKey} is listed twice`);
    const enabled = requireBoolean(item, 'enabled_for_replication', true);
    const datastoreId = item['destination_datastore_id'];
    if (typeof datastoreId !== 'string' || datastoreId === '')
      throw new SpecError(at('destination_datastore_id'), 'is required');
    if (!target.vcenter.datastores.some((datastore) => datastore.id === datastoreId)) {
      throw new SpecError(
        at('destination_datastore_id'),
        `datastore ${datastoreId} not found on ${target.vcenter.site.vcenterName}`,
      );
    }
    const format = item['destination_disk_format'];
    if (typeof format !== 'string' || !DISK_FORMATS.includes(format)) {
      throw new SpecError(at('destination_disk_format'), `must be one of ${DISK_FORMATS.join(', ')}`);
    }
    const policyId = optionalString(item, 'destination_storage_policy_id');
    if (
      policyId !== null &&
      !target.vcenter.storagePolicies.some((policy) => policy.storage_policy_id === policyId)
    ) {
      throw new SpecError(
        at('destination_storage_policy_id'),
        `storage policy ${policyId} not found on ${target.vcenter.site.vcenterName}`,
      );
    }
    const useSeeds = requireBoolean(item, 'use_seeds', false);
    const path = optionalString(item, 'destination_path');
    if (disk.is_vm_home && path !== null)
      throw new SpecError(at('destination_path'), 'must be null for the VM home');
    if (useSeeds && path === null)
      throw new SpecError(at('destination_path'), 'is required when use_seeds is true');
    if (disk.is_vm_home && !enabled)
      throw new SpecError(at('enabled_for_replication'), 'must be true for the VM home');
    if (enabled && disk.supported_for_replication === false) {
      throw new SpecError(
        at('enabled_for_replication'),
        `disk '${disk.label ?? deviceKey}' is not supported for replication`,
      );
    }
    seen.set(deviceKey, {
      vmDisk: disk,
      enabled,
      datastoreId,
      storagePolicyId: policyId,
      diskFormat: format as DiskFormat,
    });
  });
  const missing = vm.disks.filter((disk) => disk.device_key != null && !seen.has(disk.device_key));
  if (missing.length > 0) {
    const names = missing.map((disk) => `${disk.label ?? 'disk'} (device key ${disk.device_key})`).join(', ');
    throw new SpecError(
      'disks',
      `must contain one entry per VM disk including the VM home; missing ${names}`,
    );
  }
  if (![...seen.values()].some((disk) => disk.enabled && !disk.vmDisk.is_vm_home)) {
    throw new SpecError('disks', 'at least one hard disk must be enabled for replication');
  }
  return vm.disks.flatMap((disk) => {
    const entry = disk.device_key != null ? seen.get(disk.device_key) : undefined;
    return entry ? [entry] : [];
  });
}

const specFailure = (index: number, vmId: unknown, error: SpecError): SimHttpError =>
  badRequest(
    `Invalid replication spec at index ${index}${typeof vmId === 'string' ? ` (vm_id ${vmId})` : ''}: ` +
      `field '${error.field}' ${error.problem}.`,
    'VALIDATION_ERROR',
  );

export interface ConfigureContext {
  /** VMs that may be replicated through this pairing (the local vCenter). */
  sourceVcenter: SimVcenter;
  targetVcId: string;
  target: ValidationTarget;
}

export interface ValidatedConfigureSpec extends ValidatedSettings {
  vm: SimVm;
}

/** Validates a whole configure request; throws a 400 SimHttpError for the first problem found. */
export function validateConfigureRequest(body: unknown, context: ConfigureContext): ValidatedConfigureSpec[] {
  if (!Array.isArray(body))
    throw badRequest(
      'The request body must be a JSON array of ConfigureReplicationSpec.',
      'INVALID_REQUEST_BODY',
    );
  if (body.length === 0) throw badRequest('At least one replication spec is required.', 'VALIDATION_ERROR');
  if (body.length > MAX_SPECS_PER_CONFIGURE) {
    throw badRequest(
      `At most ${MAX_SPECS_PER_CONFIGURE} replication specs are allowed per request, got ${body.length}.`,
      'VALIDATION_ERROR',
    );
  }
  const vmIds = new Set<string>();
  return body.map((spec: unknown, index) => {
    const vmId = isObject(spec) ? spec['vm_id'] : undefined;
    try {
      if (!isObject(spec)) throw new SpecError('', 'must be an object');
      if (typeof vmId !== 'string' || vmId === '') throw new SpecError('vm_id', 'is required');
      const targetVcId = spec['target_vc_id'];
      if (typeof targetVcId !== 'string' || targetVcId === '')
        throw new SpecError('target_vc_id', 'is required');
      if (targetVcId !== context.targetVcId) {
        throw new SpecError(
          'target_vc_id',
          `must be the pairing's target vCenter Server ${context.targetVcId}`,
        );
      }
      const vm = context.sourceVcenter.vms.find((candidate) => candidate.id === vmId);
      if (!vm)
        throw new SpecError('vm_id', `VM ${vmId} not found on ${context.sourceVcenter.site.vcenterName}`);
      if (vmIds.has(vmId)) throw new SpecError('vm_id', `VM ${vmId} appears in more than one spec`);
      vmIds.add(vmId);
      return { vm, ...validateSettings(spec, vm, context.target) };
    } catch (error) {
      if (error instanceof SpecError) throw specFailure(index, vmId, error);
      throw error;
    }
  });
}

/** Validates a reconfigure body for an existing replication. */
export function validateReconfigureRequest(
  body: unknown,
  vm: SimVm,
  target: ValidationTarget,
): ValidatedSettings {
  if (!isObject(body))
    throw badRequest(
      'The request body must be a ReconfigureReplicationSpec JSON object.',
      'INVALID_REQUEST_BODY',
    );
  try {
    return validateSettings(body, vm, target);
  } catch (error) {
    if (error instanceof SpecError) {
      throw badRequest(
        `Invalid reconfigure spec: field '${error.field}' ${error.problem}.`,
        'VALIDATION_ERROR',
      );
    }
    throw error;
  }
}
