/**
 * Read-only reporting activities: the status of every replication of a pairing (with its issues), and the VMs of
 * the protected vCenter that are suitable for replication but have none yet. One paged list per question.
 */
import { collect, toEpochMillis, type IssueInfo, type ReplicationInfo } from '../vr';
import { asActivity } from './failures';
import type { SessionManager } from './session-manager';
import type { PairingRef } from './types';

export interface ReplicationReportRow {
  pairingId: string;
  remoteVcenter: string;
  name?: string;
  vmId?: string;
  replicationId: string;
  status?: string;
  rpoViolation?: boolean;
  /** Minutes the replication is behind its RPO (VR's current_rpo_violation). */
  currentRpoViolationMinutes?: number;
  rpoMinutes?: number;
  /** Epoch milliseconds; undefined before the first sync (VR reports 0). */
  lastSyncTime?: number;
  lastSyncSizeBytes?: number;
  lastSyncDurationSeconds?: number;
  /** Progress of a running full sync, 0–100. */
  syncProgress?: number;
  /** VR's configuration / group errors and the replication's open issues. */
  issues: string[];
}

export interface ReplicationReportResult {
  rows: ReplicationReportRow[];
  /** Issues of the pairing's replications that name no listed replication. */
  otherIssues: string[];
}

export interface UnprotectedVm {
  vmId: string;
  name: string;
  powerState?: string;
  localVcenter: string;
}

export interface UnprotectedVmsResult {
  vms: UnprotectedVm[];
}

const describeIssue = (issue: IssueInfo): string =>
  [issue.status, issue.description ?? 'issue without description'].filter(Boolean).join(': ');

export function reportRow(
  pairing: PairingRef['pairing'],
  replication: ReplicationInfo,
  issues: string[],
): ReplicationReportRow {
  const lastSync = toEpochMillis(replication.last_sync_time);
  const errors = [replication.configuration_error?.message, replication.last_group_error?.message].filter(
    (message): message is string => Boolean(message),
  );
  return {
    pairingId: pairing.pairingId,
    remoteVcenter: pairing.remoteVcenterName ?? pairing.remoteVcenterId,
    name: replication.name ?? undefined,
    vmId: replication.vm_id ?? undefined,
    replicationId: replication.id,
    status: replication.status?.status ?? undefined,
    rpoViolation: replication.status?.rpo_violation ?? undefined,
    currentRpoViolationMinutes: replication.current_rpo_violation ?? undefined,
    rpoMinutes: replication.rpo ?? undefined,
    lastSyncTime: lastSync !== undefined && lastSync > 0 ? lastSync : undefined,
    lastSyncSizeBytes: replication.last_sync_size ?? undefined,
    lastSyncDurationSeconds: replication.last_sync_duration ?? undefined,
    syncProgress: replication.sync_progress?.progress ?? undefined,
    issues: [...errors, ...issues],
  };
}

export function createReportActivities(sessions: SessionManager) {
  return {
    async reportPairingReplications(input: PairingRef): Promise<ReplicationReportResult> {
      const { pairing } = input;
      return asActivity(`report the replications of pairing ${pairing.pairingId}`, () =>
        sessions.withSession(
          input,
          async (session) => {
            const replications = await collect(session.listReplications(pairing.pairingId));
            const issues = await collect(session.listReplicationIssues(pairing.pairingId));
            const byEntity = new Map<string, string[]>();
            for (const issue of issues) {
              const key = issue.entity ?? '';
              byEntity.set(key, [...(byEntity.get(key) ?? []), describeIssue(issue)]);
            }
            const rows = replications.map((replication) => {
              const own = [
                ...(byEntity.get(replication.id) ?? []),
                ...(byEntity.get(replication.vm_id ?? '') ?? []),
              ];
              byEntity.delete(replication.id);
              if (replication.vm_id) byEntity.delete(replication.vm_id);
              return reportRow(pairing, replication, own);
            });
            return { rows, otherIssues: [...byEntity.values()].flat() };
          },
          pairing,
        ),
      );
    },

    /** VR's `suitable_for_replication=true` already leaves out replicated, template, restricted and special VMs. */
    async reportUnprotectedVms(input: PairingRef): Promise<UnprotectedVmsResult> {
      const { pairing } = input;
      return asActivity(`list unprotected VMs of ${pairing.localVcenterName ?? pairing.localVcenterId}`, () =>
        sessions.withSession(input, async (session) => {
          const vms = await collect(
            session.listVms(pairing.pairingId, pairing.localVcenterId, { suitableForReplication: true }),
          );
          return {
            vms: vms.map((vm) => ({
              vmId: vm.id,
              name: vm.name,
              powerState: vm.power_state ?? undefined,
              localVcenter: pairing.localVcenterName ?? pairing.localVcenterId,
            })),
          };
        }),
      );
    },
  };
}
