/**
 * Inputs and results of the VR activities: plain JSON, one object in and one out. They carry site names, a session
 * handle (an opaque key into the worker's session cache, never the VR token) and VR identifiers.
 */
import type { DiskFormat, TaskStatus } from '../vr/schemas';

export interface SessionRef {
  /** Name of the site in the worker's sites file. */
  site: string;
  /** Opaque handle chosen by the workflow; the worker maps it to a live VR session and re-logs in when needed. */
  sessionHandle: string;
}

export interface PairingSummary {
  pairingId: string;
  localVcenterId: string;
  localVcenterName?: string;
  remoteVcenterId: string;
  remoteVcenterName?: string;
  remoteVrmsId?: string;
  remoteVrmsName?: string;
  /** Same vCenter on both sides: no remote login needed. */
  robo: boolean;
}

export interface PairingRef extends SessionRef {
  pairing: PairingSummary;
}

export interface LoginInput {
  site: string;
  sessionHandle: string;
}
export interface LoginResult {
  sessionHandle: string;
  username: string;
}

export interface FindPairingInput extends SessionRef {
  pairingId?: string;
  remoteVcenter?: string;
  remoteVrmsHost?: string;
}

export interface RemoteLoginResult {
  skipped: boolean;
  reason?: string;
}

export interface FindTargetDatastoreInput extends PairingRef {
  name: string;
}
export interface FindTargetDatastoreResult {
  datastoreId: string;
  name: string;
  type?: string;
}

export interface FindStoragePolicyInput extends PairingRef {
  /** Policy name; undefined = the datastore's default policy (no lookup). */
  name?: string;
  datastoreId: string;
}
export interface FindStoragePolicyResult {
  /** null = the datastore's default policy. */
  storagePolicyId: string | null;
  name?: string;
}

export interface FindReplicationServerInput extends PairingRef {
  /** Server name; undefined = VR selects one. */
  name?: string;
}
export interface FindReplicationServerResult {
  /** null = VR selects one. */
  replicationServerId: string | null;
  name?: string;
}

/** The fields of a VM disk that a configure spec needs. */
export interface DiskRef {
  vmId: string;
  deviceKey?: number;
  isVmHome?: boolean;
  capacityKb?: number;
  sourceDiskFormat?: DiskFormat;
  label?: string;
  controllerKey?: number;
  datastoreId?: string;
  /** False for disks on controllers VR cannot replicate (NVMe, PCI, SATA): they are sent disabled. */
  supportedForReplication?: boolean;
}

export type VmLookup =
  | { requested: string; kind: 'found'; vmId: string; name: string; disks: DiskRef[] }
  | { requested: string; kind: 'already-replicated'; vmId: string; name: string; replicationId?: string }
  | { requested: string; kind: 'not-found'; reason: string }
  | { requested: string; kind: 'ambiguous-name'; reason: string; vmIds: string[] }
  | { requested: string; kind: 'unsuitable'; vmId: string; name: string; reason: string };

export interface FindVmsInput extends PairingRef {
  vms: Array<{ name?: string; id?: string }>;
}
export interface FindVmsResult {
  vms: VmLookup[];
}

export interface ReplicationSpecSettings {
  rpoMinutes: number;
  pointInTimeEnabled: boolean;
  pointInTimeInstancesPerDay: number;
  pointInTimeDays: number;
  quiescing: boolean;
  networkCompression: boolean;
  encryption: boolean;
  autoReplicateNewDisks: boolean;
  destinationDiskFormat: DiskFormat;
}

export interface ConfigureBatchInput extends PairingRef {
  datastoreId: string;
  storagePolicyId: string | null;
  replicationServerId: string | null;
  vms: Array<{ vmId: string; name: string; disks: DiskRef[]; settings: ReplicationSpecSettings }>;
}

export type ConfigureVmOutcome =
  /** A configure task runs (newly started, or adopted from an earlier attempt of this activity). */
  | { vmId: string; kind: 'task'; taskId: string; adopted: boolean }
  /** On a retry: the replication exists, created by an earlier attempt of this same request. */
  | { vmId: string; kind: 'configured'; replicationId: string }
  /** The VM already had a replication before this batch: nothing was sent for it. */
  | { vmId: string; kind: 'already-replicated'; replicationId: string }
  /** VR refused the VM (a 403 for the privilege, for example); nothing was configured. */
  | { vmId: string; kind: 'rejected'; reason: string };

export interface ConfigureBatchResult {
  vms: ConfigureVmOutcome[];
}

export interface PollTasksInput extends SessionRef {
  taskIds: string[];
  /** Answers up to this old (ms) may come from the worker's cache, shared by every run it polls for. Default 0. */
  maxAgeMs?: number;
}
export interface TaskSummary {
  taskId: string;
  status: TaskStatus;
  progress?: number;
  error?: string;
  /** The replication the task created, when VR reports it. */
  replicationId?: string;
  entity?: string;
  /** When VR queued the task, epoch ms. */
  queuedAt?: number;
  /** When VR gave this answer (epoch ms, worker clock): an answer from the poller's cache is older than the poll. */
  observedAt?: number;
}
export interface PollTasksResult {
  tasks: TaskSummary[];
  /** Task ids that VR no longer knows. */
  missing: string[];
}

export interface ReplicationStatusInput extends PairingRef {
  vmIds: string[];
}
export interface ReplicationStatusSummary {
  vmId: string;
  replicationId: string;
  status?: string;
  rpoViolation?: boolean;
  syncProgress?: number;
  configurationError?: string;
}
export interface ReplicationStatusResult {
  replications: ReplicationStatusSummary[];
}

export interface LogoutResult {
  loggedOut: boolean;
}
