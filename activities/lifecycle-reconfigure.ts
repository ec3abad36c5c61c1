/**
 * Builds a ReconfigureReplicationSpec from a replication's current settings and disks plus the requested changes.
 * VR's reconfigure takes the whole spec (RPO, flags and one entry per VM disk), so whatever the user did not ask to
 * change is sent as it is now. What the replication views do not report is documented at each field.
 */
import type {
  ConfigureReplicationVmDisk,
  ReconfigureReplicationSpec,
  ReplicatedVmDisk,
  ReplicationInfo,
} from '../vr';
import type { ReconfigureChanges } from '../workflows/lifecycle-input';

/** Point-in-time values used when MPIT is turned on and the replication reports none (the VR wizard's). */
const DEFAULT_MPIT_INSTANCES = 3;
const DEFAULT_MPIT_DAYS = 5;

export type ReconfigurePlan = { spec: ReconfigureReplicationSpec; changed: boolean } | { problem: string };

const positive = (value: number | null | undefined): number | undefined =>
  value !== null && value !== undefined && value > 0 ? value : undefined;

export function reconfigureSpecFor(
  current: ReplicationInfo,
  disks: ReplicatedVmDisk[],
  changes: ReconfigureChanges,
): ReconfigurePlan {
  if (current.rpo === null || current.rpo === undefined)
    return { problem: 'VR does not report the replication RPO; cannot build a reconfigure spec' };
  const before = {
    rpo: current.rpo,
    mpit: current.mpit_enabled ?? false,
    instances: positive(current.mpit_instances),
    days: positive(current.mpit_days),
    quiesce: current.quiescing_enabled ?? false,
    compression: current.network_compression_enabled ?? false,
    encryption: current.encryption_enabled ?? false,
    autoDisks: current.auto_replicate_new_disks_enabled ?? false,
  };
  const after = {
    rpo: changes.rpoMinutes ?? before.rpo,
    mpit: changes.pointInTimeEnabled ?? before.mpit,
    instances: changes.pointInTimeInstancesPerDay ?? before.instances ?? DEFAULT_MPIT_INSTANCES,
    days: changes.pointInTimeDays ?? before.days ?? DEFAULT_MPIT_DAYS,
    quiesce: changes.quiescing ?? before.quiesce,
    compression: changes.networkCompression ?? before.compression,
    encryption: changes.encryption ?? before.encryption,
    autoDisks: changes.autoReplicateNewDisks ?? before.autoDisks,
  };
  const diskPlan = planDisks(disks, changes.disks ?? []);
  if ('problem' in diskPlan) return diskPlan;

  const settingsChanged =
    after.rpo !== before.rpo ||
    after.mpit !== before.mpit ||
    (after.mpit && (after.instances !== before.instances || after.days !== before.days)) ||
    after.quiesce !== before.quiesce ||
    after.compression !== before.compression ||
    after.encryption !== before.encryption ||
    after.autoDisks !== before.autoDisks;
  const spec: ReconfigureReplicationSpec = {
    rpo: after.rpo,
    mpit_enabled: after.mpit,
    ...(after.mpit ? { mpit_instances: after.instances, mpit_days: after.days } : {}),
    quiesce_enabled: after.quiesce,
    network_compression_enabled: after.compression,
    lwd_encryption_enabled: after.encryption,
    auto_replicate_new_disks: after.autoDisks,
    vm_data_sets_replication_enabled: current.vm_data_sets_replication_enabled ?? undefined,
    // The replication views report the server's name and uuid but not the id the spec takes; null lets VR keep
    // or choose the server.
    target_replication_server_id: null,
    disks: diskPlan.disks,
  };
  return { spec, changed: settingsChanged || diskPlan.changed };
}

function planDisks(
  disks: ReplicatedVmDisk[],
  wanted: NonNullable<ReconfigureChanges['disks']>,
): { disks: ConfigureReplicationVmDisk[]; changed: boolean } | { problem: string } {
  const enabled = new Map<ReplicatedVmDisk, boolean>(disks.map((disk) => [disk, disk.replicated ?? false]));
  for (const request of wanted) {
    const disk = disks.find((candidate) =>
      request.label !== undefined
        ? candidate.vm_disk?.label === request.label
        : candidate.vm_disk?.device_key === request.deviceKey,
    );
    const what =
      request.label !== undefined ? `labelled "${request.label}"` : `with device key ${request.deviceKey}`;
    if (!disk) return { problem: `the VM has no disk ${what}` };
    if (disk.vm_disk?.is_vm_home && !request.enabled)
      return { problem: 'the VM home cannot be excluded from replication' };
    enabled.set(disk, request.enabled);
  }
  // A disk that was never replicated may report no target: it goes where the VM home's replica is.
  const home = disks.find((disk) => disk.vm_disk?.is_vm_home)?.destination_path?.datastore_id;
  const entries: ConfigureReplicationVmDisk[] = [];
  let changed = false;
  for (const disk of disks) {
    if (!disk.vm_disk) return { problem: 'VR reported a replica disk without its VM disk' };
    const on = enabled.get(disk) ?? false;
    if (on !== (disk.replicated ?? false)) changed = true;
    const datastoreId = disk.destination_path?.datastore_id ?? home;
    if (!datastoreId)
      return { problem: `VR reports no target datastore for ${disk.vm_disk.label ?? 'a disk'}` };
    entries.push({
      vm_disk: disk.vm_disk,
      enabled_for_replication: on,
      use_seeds: false,
      destination_storage_policy_id: disk.destination_storage_policy_id ?? null,
      destination_datastore_id: datastoreId,
      // The replica views do not report the replica's disk format; VR keeps an existing replica's format.
      destination_disk_format: 'SAME_AS_SOURCE',
    });
  }
  return { disks: entries, changed };
}
