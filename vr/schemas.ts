/**
 * Zod schemas for the parts of the vSphere Replication REST API Gateway that this project uses, derived from the
 * official OpenAPI document (`vsphere-replication-api-v2.json`, components/schemas). Field names, enums and
 * bounds follow the document; fields the document does not mark required are `.nullish()` so that a real VRMS
 * that omits or nulls them still parses. The client validates responses with these; the simulator builds its
 * responses from the same types, so the two can never disagree on a field name.
 */
import { z } from 'zod';

/** API versions served by the gateway: v1 (VR 8.6) and v2 share the same core under a different base path. */
export const ApiVersion = z.enum(['v1', 'v2']);
export type ApiVersion = z.infer<typeof ApiVersion>;

export const basePathFor = (version: ApiVersion): string => `/api/rest/vr/${version}`;

// ---- enums (copied from the document) ----
export const DiskFormat = z.enum([
  'SAME_AS_SOURCE',
  'SAME_AS_PRIMARY',
  'AS_DEFINED_IN_PROFILE',
  'FLAT',
  'THICK',
  'NATIVE_THICK',
  'THIN',
  'RDM',
]);
export type DiskFormat = z.infer<typeof DiskFormat>;

export const TaskStatus = z.enum(['QUEUED', 'RUNNING', 'SUCCESS', 'ERROR', 'CANCELLED']);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const ReplicationStatusValue = z.enum([
  'FULL_SYNC',
  'SYNC',
  'INITIAL_FULL_SYNC',
  'PAUSED',
  'RPO_VIOLATION',
  'MOVING',
  'OK',
  'ERROR',
  'CONFIGURING',
  'NOT_ACTIVE',
  'UNKNOWN',
  'SYNC_RPO_VIOLATION',
  'NOT_ACTIVE_RPO_VIOLATION',
  'ERROR_RPO_VIOLATION',
  'FULL_SYNC_RPO_VIOLATION',
  'RECOVERING',
  'RECOVERED',
  'DISK_RESIZING',
]);
export type ReplicationStatusValue = z.infer<typeof ReplicationStatusValue>;

export const VmValidationStatus = z.enum([
  'OK',
  'ERROR_',
  'DUPLICATE_DISK_NAMES',
  'ALREADY_CONFIGURED',
  'INVALID_HW_VERSION',
  'IS_FT_VM',
  'VM_NOT_CONNECTED',
  'HBR_NOT_SUPPORTED',
  'INVALID_HOST_VERSION',
  'HOST_NOT_CONNECTED',
  'HOST_NOT_POWERED_ON',
  'HOST_IN_MAINTENANCE_MODE',
  'PHYSICAL_RDM_DISK_FOUND',
  'NO_PERMISSIONS',
  'UNKNOWN',
  'IS_VM_TEMPLATE',
  'VM_IS_ENCRYPTED',
  'VM_IS_ENCRYPTED_LWD_OFF',
  'VM_IS_ENCRYPTED_VMCRYPT_OFF',
  'VM_ENCRYPTION_INCONSISTENCY',
  'NOT_SUPPORTED_TRUST_AUTHORITY_ENCRYPTED_VM',
  'IS_EAM_VM',
  'PEER_GROUP_MISSING',
]);
export type VmValidationStatus = z.infer<typeof VmValidationStatus>;

// ---- envelopes ----
export const MetaError = z.object({
  code: z.string().nullish(),
  message: z.string().nullish(),
  field: z.string(),
});

export const MetaLinks = z.object({
  next: z.object({ href: z.string().nullish() }).nullish(),
  self: z.object({ href: z.string().nullish() }).nullish(),
  previous: z.object({ href: z.string().nullish() }).nullish(),
});

export const MetadataList = z.object({
  errors: z.array(MetaError).nullish(),
  total: z.number().int().min(0).nullish(),
  offset: z.number().int().min(0).nullish(),
  limit: z.number().int().min(0).nullish(),
  links: MetaLinks.nullish(),
});
export type MetadataList = z.infer<typeof MetadataList>;

export const Metadata = z.object({ errors: z.array(MetaError).nullish() });

/** `{ list, _meta }`: the envelope of every list endpoint. */
export const listOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ list: z.array(item), _meta: MetadataList.nullish() });

export interface ListPage<T> {
  list: T[];
  _meta?: MetadataList | null;
}

/** The error body VR sends with 4xx/5xx answers. */
export const ResponseError = z.object({
  error_code: z.string().nullish(),
  message: z.string().nullish(),
  op_id: z.string().nullish(),
});
export type ResponseError = z.infer<typeof ResponseError>;

// ---- session ----
export const SessionIdData = z.object({ session_id: z.string().min(1) });
export const SessionInfo = z.object({ username: z.string().nullish() });

// ---- servers and pairings ----
export const X509Certificate = z.object({
  serial_number: z.string().nullish(),
  not_after: z.number().int().nullish(),
  not_before: z.number().int().nullish(),
  issuer_dn: z.string().nullish(),
  subject_dn: z.string().nullish(),
  thumbprint: z.string().nullish(),
  certificate: z.string().nullish(),
});

export const ServerInfo = z.object({
  id: z.string(),
  url: z.string().nullish(),
  name: z.string().nullish(),
  server_status: z.enum(['OK', 'WARNING', 'ERROR']).nullish(),
  certificates: z.array(X509Certificate).nullish(),
  version: z.string().nullish(),
});
export type ServerInfo = z.infer<typeof ServerInfo>;

export const Pairing = z.object({
  pairing_id: z.string(),
  local_vc_server: ServerInfo,
  remote_vc_server: ServerInfo,
  local_vrms: ServerInfo.nullish(),
  remote_vrms: ServerInfo.nullish(),
});
export type Pairing = z.infer<typeof Pairing>;

/** ROBO (single vCenter) pairing: both ends are the same vCenter, so no remote login is needed. */
export const isRoboPairing = (pairing: Pairing): boolean =>
  pairing.local_vc_server.id === pairing.remote_vc_server.id;

export const PairingSpec = z.object({
  pair_vc_id: z.string().min(1),
  pair_psc_info: z.object({
    url: z.string().nullish(),
    port: z.number().int().nullish(),
    thumbprint: z.string().nullish(),
    username: z.string().nullish(),
    password: z.string().nullish(),
  }),
});
export type PairingSpec = z.infer<typeof PairingSpec>;

export const VrmsInfo = ServerInfo.extend({
  vc_guid: z.string().nullish(),
  vc_name: z.string().nullish(),
  extension_key: z.string().nullish(),
});
export type VrmsInfo = z.infer<typeof VrmsInfo>;

export const ReplicationServerInfo = z.object({
  id: z.string(),
  replication_count: z.number().int().nullish(),
  connected: z.boolean().nullish(),
  decommissioned: z.boolean().nullish(),
  internally_managed: z.boolean().nullish(),
  uuid: z.string().nullish(),
  hostname: z.string().nullish(),
  configuration_url: z.string().nullish(),
  name: z.string().nullish(),
  fault: z.string().nullish(),
});
export type ReplicationServerInfo = z.infer<typeof ReplicationServerInfo>;

// ---- inventory ----
export const Datastore = z.object({
  id: z.string(),
  name: z.string(),
  parent: z.string().nullish(),
  parent_name: z.string().nullish(),
  capacity: z.number().int().nullish(),
  free_space: z.number().int().nullish(),
  file_system_type: z
    .enum(['VMFS', 'NFS', 'NFS41', 'CIFS', 'VSAN', 'VFFS', 'VVOL', 'PMEM', 'VSAND', 'OTHER'])
    .nullish(),
  maintenance_mode: z.string().nullish(),
  overall_status: z.enum(['GRAY', 'GREEN', 'YELLOW', 'RED']).nullish(),
  accessible: z.boolean().nullish(),
  type: z.enum(['DATASTORE', 'STORAGE_POD']).nullish(),
  nkp_supported: z.boolean().nullish(),
  path: z.string().nullish(),
});
export type Datastore = z.infer<typeof Datastore>;

export const StoragePolicy = z.object({
  storage_policy_name: z.string(),
  storage_policy_id: z.string(),
  vm_encryption_supported: z.boolean().nullish(),
});
export type StoragePolicy = z.infer<typeof StoragePolicy>;

export const StoragePolicyComplianceCheckData = z.object({
  storage_policy_id: z.string().nullish(),
  datastore: z.string().nullish(),
  compliant: z.boolean(),
  not_compliant_detailed_message: z.string().nullish(),
});
export type StoragePolicyComplianceCheckData = z.infer<typeof StoragePolicyComplianceCheckData>;

export const DatastorePathData = z.object({
  datastore_id: z.string(),
  datastore_name: z.string().nullish(),
  path: z.string().nullish(),
  filename: z.string().nullish(),
});

export const VmDisk = z.object({
  vm_id: z.string(),
  device_key: z.number().int().nullish(),
  is_vm_home: z.boolean().nullish(),
  encrypted: z.boolean().nullish(),
  capacity: z.number().int().nullish(),
  source_disk_format: DiskFormat.nullish(),
  source_path: DatastorePathData.nullish(),
  source_storage_policy_name: z.string().nullish(),
  source_storage_policy_id: z.string().nullish(),
  label: z.string().nullish(),
  controller_key: z.number().int().nullish(),
  controller_label: z.string().nullish(),
  supported_for_replication: z.boolean().nullish(),
});
export type VmDisk = z.infer<typeof VmDisk>;

export const VirtualMachine = z.object({
  id: z.string(),
  name: z.string(),
  power_state: z.enum(['POWERED_OFF', 'POWERED_ON', 'SUSPENDED']).nullish(),
  connection_state: z.enum(['CONNECTED', 'DISCONNECTED', 'ORPHANED', 'INACCESSIBLE', 'INVALID']).nullish(),
  template: z.boolean().nullish(),
  managed_by_info: z.object({ extension_key: z.string().nullish(), type: z.string().nullish() }).nullish(),
  vr_privilege_granted: z.boolean().nullish(),
  disks: z.array(VmDisk).nullish(),
});
export type VirtualMachine = z.infer<typeof VirtualMachine>;

export const VmCapabilities = z.object({
  vm_id: z.string().nullish(),
  vm_validation_status: VmValidationStatus.nullish(),
  quiescing_supported: z.boolean().nullish(),
  network_compression_supported: z.boolean().nullish(),
  mpit_supported: z.boolean().nullish(),
  lwd_encryption_supported: z.boolean().nullish(),
  vm_crypt_supported: z.boolean().nullish(),
  vm_encrypted: z.boolean().nullish(),
  vm_encryption_key_provider_type: z.string().nullish(),
  replication_not_supported_reasons: z.array(z.string()).nullish(),
  auto_replicate_new_disks_supported: z.boolean().nullish(),
  min_rpo_mins: z.number().int().nullish(),
  nvme_disk_controller_supported: z.boolean().nullish(),
  ds_cluster_as_target_supported: z.boolean().nullish(),
  reconfigure_vm_disks_supported: z.boolean().nullish(),
});
export type VmCapabilities = z.infer<typeof VmCapabilities>;

// ---- replications ----
/** Product limits that the document states only in prose or that VR enforces server-side. */
export const RPO_MIN_MINUTES = 5;
export const RPO_MAX_MINUTES = 1440;
export const MPIT_MAX_INSTANCES_PER_DAY = 24;
export const MPIT_MAX_DAYS = 24;
export const MPIT_MAX_TOTAL_INSTANCES = 24;
/** VR accepts at most this many VM specs in one configure POST. */
export const MAX_SPECS_PER_CONFIGURE = 20;

export const ConfigureReplicationVmDisk = z.object({
  vm_disk: VmDisk,
  enabled_for_replication: z.boolean(),
  use_seeds: z.boolean().nullish(),
  destination_storage_policy_id: z.string().nullish(),
  destination_path: z.string().nullish(),
  destination_datastore_id: z.string().min(1),
  destination_disk_format: DiskFormat,
});
export type ConfigureReplicationVmDisk = z.infer<typeof ConfigureReplicationVmDisk>;

const replicationSettings = {
  quiesce_enabled: z.boolean().nullish(),
  rpo: z.number().int().min(RPO_MIN_MINUTES).max(RPO_MAX_MINUTES),
  network_compression_enabled: z.boolean(),
  mpit_enabled: z.boolean(),
  mpit_instances: z.number().int().nullish(),
  mpit_days: z.number().int().nullish(),
  auto_replicate_new_disks: z.boolean(),
  target_replication_server_id: z.string().nullish(),
  lwd_encryption_enabled: z.boolean(),
  vm_data_sets_replication_enabled: z.boolean().nullish(),
  disks: z.array(ConfigureReplicationVmDisk),
};

export const ConfigureReplicationSpec = z.object({
  ...replicationSettings,
  target_vc_id: z.string().min(1),
  vm_id: z.string().min(1),
});
export type ConfigureReplicationSpec = z.infer<typeof ConfigureReplicationSpec>;

export const ReconfigureReplicationSpec = z.object(replicationSettings);
export type ReconfigureReplicationSpec = z.infer<typeof ReconfigureReplicationSpec>;

export const SyncProgressData = z.object({
  progress: z.number().int().nullish(),
  checksum_current: z.number().int().nullish(),
  checksum_total: z.number().int().nullish(),
  transferred_current: z.number().int().nullish(),
  transferred_total: z.number().int().nullish(),
});

const errorDetail = z.object({ message: z.string().nullish(), details: z.string().nullish() });

/**
 * v2 reports times in epoch milliseconds; v1 (VR 8.6) reports them as strings. The client accepts both and
 * normalises to milliseconds.
 */
export const VrTime = z.union([z.number().int(), z.string()]);
export const toEpochMillis = (value: number | string | null | undefined): number | undefined => {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const numeric = Number(value);
  if (Number.isFinite(numeric)) return numeric;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
};

export const ReplicationInfo = z.object({
  name: z.string().nullish(),
  id: z.string(),
  vm_id: z.string().nullish(),
  source_site_name: z.string().nullish(),
  source_vc_id: z.string().nullish(),
  target_site_name: z.string().nullish(),
  target_vc_id: z.string().nullish(),
  status: z
    .object({ status: ReplicationStatusValue.nullish(), rpo_violation: z.boolean().nullish() })
    .nullish(),
  rpo: z.number().int().nullish(),
  type: z.enum(['UNKNOWN', 'VC_TO_VC']).nullish(),
  replication_server_name: z.string().nullish(),
  recovery_solution: z.string().nullish(),
  configuration_state: z.enum(['IN_PROGRESS', 'ERROR', 'OK', 'UNKNOWN']).nullish(),
  configuration_error: errorDetail.nullish(),
  last_group_error: errorDetail.nullish(),
  recovery_state: z.enum(['UNKNOWN', 'NOT_STARTED', 'IN_PROGRESS', 'ERROR', 'OK']).nullish(),
  recovery_error: z.string().nullish(),
  target_replication_server_uuid: z.string().nullish(),
  last_sync_time: VrTime.nullish(),
  last_sync_duration: z.number().int().nullish(),
  last_sync_size: z.number().int().nullish(),
  current_rpo_violation: z.number().int().nullish(),
  quiescing_enabled: z.boolean().nullish(),
  network_compression_enabled: z.boolean().nullish(),
  encryption_enabled: z.boolean().nullish(),
  auto_replicate_new_disks_enabled: z.boolean().nullish(),
  mpit_enabled: z.boolean().nullish(),
  mpit_instances: z.number().int().nullish(),
  mpit_days: z.number().int().nullish(),
  sync_progress: SyncProgressData.nullish(),
  vm_data_sets_replication_enabled: z.boolean().nullish(),
});
export type ReplicationInfo = z.infer<typeof ReplicationInfo>;

export const ReplicatedVmDisk = z.object({
  vm_disk: VmDisk.nullish(),
  replicated: z.boolean().nullish(),
  destination_path: DatastorePathData.nullish(),
  destination_storage_policy_id: z.string().nullish(),
  destination_storage_policy_name: z.string().nullish(),
  replica_disk_usage: z.number().int().nullish(),
});
export type ReplicatedVmDisk = z.infer<typeof ReplicatedVmDisk>;

// ---- tasks ----
export const Task = z.object({
  id: z.string(),
  description: z.string().nullish(),
  description_id: z.string().nullish(),
  entity: z.string().nullish(),
  entity_name: z.string().nullish(),
  status: TaskStatus,
  error: errorDetail.nullish(),
  result: z.unknown().optional(),
  progress: z.number().int().min(0).max(100).nullish(),
  queued_time: VrTime.nullish(),
  start_time: VrTime.nullish(),
  complete_time: VrTime.nullish(),
});
export type Task = z.infer<typeof Task>;

export const isTerminalTaskStatus = (status: TaskStatus): boolean =>
  status === 'SUCCESS' || status === 'ERROR' || status === 'CANCELLED';

export const CountData = z.object({ count: z.number().int() });

// ---- additions used by the client (vr/client.ts) ----
export type SessionIdData = z.infer<typeof SessionIdData>;
export type SessionInfo = z.infer<typeof SessionInfo>;
export type CountData = z.infer<typeof CountData>;

// ---- issues (added for the simulator: GET /pairings/{id}/issues and /replications/issues) ----
export const IssueInfo = z.object({
  entity: z.string().nullish(),
  entity_name: z.string().nullish(),
  description: z.string().nullish(),
  timestamp: z.number().int(),
  status: z.enum(['WARNING', 'ERROR']).nullish(),
  issue_type: z.enum(['VC', 'VRS', 'VRMS', 'UNKNOWN']).nullish(),
});
export type IssueInfo = z.infer<typeof IssueInfo>;
