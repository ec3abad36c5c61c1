/**
 * Replication groups and how their status follows the simulated clock:
 * CONFIGURING (until the configure task completes) -> INITIAL_FULL_SYNC (sync_progress rising over initialSyncMs)
 * -> OK (a new sync every RPO/2). PAUSED freezes progress; a powered-off or suspended VM stays NOT_ACTIVE.
 */
import type { DiskFormat, ReplicatedVmDisk, ReplicationInfo, VmDisk } from '../vr/schemas';
import type { Inventory, SimVm } from './inventory';
import { siteByVcenterId } from './sites';

export interface ReplicationSettings {
  rpo: number;
  quiesceEnabled: boolean;
  networkCompressionEnabled: boolean;
  mpitEnabled: boolean;
  mpitInstances: number | null;
  mpitDays: number | null;
  autoReplicateNewDisks: boolean;
  lwdEncryptionEnabled: boolean;
  vmDataSetsReplicationEnabled: boolean;
}

export interface ReplicationDisk {
  vmDisk: VmDisk;
  enabled: boolean;
  datastoreId: string;
  storagePolicyId: string | null;
  diskFormat: DiskFormat;
}

export interface SimReplication {
  id: string;
  pairingId: string;
  vm: SimVm;
  sourceVcId: string;
  targetVcId: string;
  settings: ReplicationSettings;
  disks: ReplicationDisk[];
  replicationServerId: string;
  createdAt: number;
  /** Simulated time the configure task completes; CONFIGURING before it. */
  configuredAt: number;
  initialSyncMs: number;
  pausedAt?: number;
  pausedTotalMs: number;
  forcedSyncAt?: number;
}

const KB = 1024;

function syncedBytes(replication: SimReplication): number {
  return replication.disks.reduce(
    (sum, disk) => sum + (disk.enabled ? (disk.vmDisk.capacity ?? 0) * KB : 0),
    0,
  );
}

/** The API view at simulated time `now` (times in epoch ms; v1 conversion happens at the edge). */
export function replicationView(
  replication: SimReplication,
  inventory: Inventory,
  now: number,
): ReplicationInfo {
  const source = siteByVcenterId(replication.sourceVcId);
  const target = siteByVcenterId(replication.targetVcId);
  const server = findReplicationServer(inventory, replication.replicationServerId);
  const { settings } = replication;
  const base: ReplicationInfo = {
    name: replication.vm.name,
    id: replication.id,
    vm_id: replication.vm.id,
    source_site_name: source?.vcenterName ?? replication.sourceVcId,
    source_vc_id: replication.sourceVcId,
    target_site_name: target?.vcenterName ?? replication.targetVcId,
    target_vc_id: replication.targetVcId,
    rpo: settings.rpo,
    type: 'VC_TO_VC',
    replication_server_name: server?.name ?? null,
    recovery_solution: null,
    configuration_state: 'OK',
    configuration_error: null,
    last_group_error: null,
    recovery_state: 'NOT_STARTED',
    recovery_error: null,
    target_replication_server_uuid: server?.uuid ?? null,
    last_sync_time: 0,
    last_sync_duration: 0,
    last_sync_size: 0,
    current_rpo_violation: 0,
    quiescing_enabled: settings.quiesceEnabled,
    network_compression_enabled: settings.networkCompressionEnabled,
    encryption_enabled: settings.lwdEncryptionEnabled,
    auto_replicate_new_disks_enabled: settings.autoReplicateNewDisks,
    mpit_enabled: settings.mpitEnabled,
    mpit_instances: settings.mpitInstances ?? 0,
    mpit_days: settings.mpitDays ?? 0,
    sync_progress: null,
    vm_data_sets_replication_enabled: settings.vmDataSetsReplicationEnabled,
    status: { status: 'OK', rpo_violation: false },
  };
  if (now < replication.configuredAt) {
    return {
      ...base,
      configuration_state: 'IN_PROGRESS',
      status: { status: 'CONFIGURING', rpo_violation: false },
    };
  }
  const effectiveNow = replication.pausedAt ?? now;
  const elapsed = Math.max(0, effectiveNow - replication.configuredAt - replication.pausedTotalMs);
  const paused = replication.pausedAt !== undefined;
  if (replication.vm.powerState !== 'POWERED_ON') {
    return { ...base, status: { status: paused ? 'PAUSED' : 'NOT_ACTIVE', rpo_violation: false } };
  }
  const total = syncedBytes(replication);
  if (elapsed < replication.initialSyncMs) {
    const progress = Math.floor((elapsed / replication.initialSyncMs) * 100);
    return {
      ...base,
      status: { status: paused ? 'PAUSED' : 'INITIAL_FULL_SYNC', rpo_violation: false },
      sync_progress: {
        progress,
        checksum_current: 0,
        checksum_total: 0,
        transferred_current: Math.floor((total * progress) / 100),
        transferred_total: total,
      },
    };
  }
  const fullSyncDoneAt = replication.configuredAt + replication.pausedTotalMs + replication.initialSyncMs;
  const interval = Math.max(1, (settings.rpo * 60_000) / 2);
  const periodic = fullSyncDoneAt + Math.floor((effectiveNow - fullSyncDoneAt) / interval) * interval;
  const lastSync = Math.floor(Math.max(periodic, replication.forcedSyncAt ?? 0));
  const isFullSync = lastSync === fullSyncDoneAt;
  return {
    ...base,
    status: { status: paused ? 'PAUSED' : 'OK', rpo_violation: false },
    last_sync_time: lastSync,
    last_sync_duration: isFullSync ? Math.round(replication.initialSyncMs / 1000) : 12,
    last_sync_size: isFullSync ? total : Math.floor(total / 1000),
  };
}

export function replicatedDisksView(replication: SimReplication, inventory: Inventory): ReplicatedVmDisk[] {
  const targetVc = inventory.vcenters.get(replication.targetVcId);
  return replication.disks.map((disk) => {
    const datastore = targetVc?.datastores.find((candidate) => candidate.id === disk.datastoreId);
    const policy = targetVc?.storagePolicies.find(
      (candidate) => candidate.storage_policy_id === disk.storagePolicyId,
    );
    return {
      vm_disk: disk.vmDisk,
      replicated: disk.enabled,
      destination_path: {
        datastore_id: disk.datastoreId,
        datastore_name: datastore?.name ?? null,
        path: replication.vm.name,
        filename: disk.vmDisk.source_path?.filename ?? null,
      },
      destination_storage_policy_id: disk.storagePolicyId,
      destination_storage_policy_name: policy?.storage_policy_name ?? null,
      replica_disk_usage: disk.enabled ? Math.floor(((disk.vmDisk.capacity ?? 0) * KB) / 3) : 0,
    };
  });
}

export function findReplicationServer(inventory: Inventory, serverId: string) {
  for (const vrms of inventory.vrms.values()) {
    const server = vrms.replicationServers.find((candidate) => candidate.id === serverId);
    if (server) return server;
  }
  return undefined;
}

/** Default settings of a replication that existed before the simulator started. */
export function defaultSettings(): ReplicationSettings {
  return {
    rpo: 60,
    quiesceEnabled: false,
    networkCompressionEnabled: true,
    mpitEnabled: false,
    mpitInstances: null,
    mpitDays: null,
    autoReplicateNewDisks: true,
    lwdEncryptionEnabled: false,
    vmDataSetsReplicationEnabled: false,
  };
}
