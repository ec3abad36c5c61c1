/**
 * campaignBatchWorkflow: one batch (≤20 VMs) of a campaign, run as a child workflow. It runs the existing
 * configureReplicationWorkflow code unchanged, then records the batch's outcome in the VrOutcome search attribute
 * and its per-VM result in the current details, so "all failed batches of campaign X" is a UI filter away. A batch
 * that fails as a whole (pairing or datastore not found, bad input) still completes, with every VM `failed` and the
 * cause as reason: the campaign report then has one line per VM whatever happened.
 */
import {
  ContinueAsNew,
  isCancellation,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { configureReplicationWorkflow } from './configure-replication';
import {
  emptyTotals,
  type ConfigureReplicationInput,
  type ConfigureReplicationResult,
} from './configure-replication-input';
import { outcomeOfTotals, VR_OUTCOME } from './search-attributes';

export interface CampaignBatchResult extends ConfigureReplicationResult {
  /** Why the batch failed as a whole (no VM was worked on), when it did. */
  batchFailure?: string;
  /** The failure's type (e.g. DatastoreNotFound, PairingNotFound): such a failure would hit every batch of the group. */
  batchFailureType?: string;
}

const causeOf = (error: unknown): { message: string; type?: string } => {
  let current: unknown = error;
  // The innermost ApplicationFailure says what VR or the lookup said; the outer ones only say "activity failed".
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  const type = (current as { type?: unknown }).type;
  return {
    message: current instanceof Error ? current.message : String(current),
    type: typeof type === 'string' ? type : undefined,
  };
};

/** Markdown table of the batch's VMs for the Temporal UI (current details). */
export function batchDetails(result: CampaignBatchResult): string {
  const rows = result.vms.map(
    (vm) =>
      `| ${vm.name ?? vm.requested} | ${vm.outcome} | ${(vm.reason ?? '').replace(/\|/g, '/').replace(/\n/g, ' ')} |`,
  );
  const head = result.batchFailure ? `**Batch failed:** ${result.batchFailure}\n\n` : '';
  return `${head}| VM | outcome | reason |\n| --- | --- | --- |\n${rows.join('\n')}`;
}

export async function campaignBatchWorkflow(input: ConfigureReplicationInput): Promise<CampaignBatchResult> {
  setCurrentDetails(`configuring ${input.vms.length} VMs on site ${input.site}`);
  let result: CampaignBatchResult;
  try {
    result = await configureReplicationWorkflow(input);
  } catch (error) {
    // A long wait for the initial sync continues as new (as this workflow type, with the same input shape).
    if (isCancellation(error) || error instanceof ContinueAsNew) throw error;
    const cause = causeOf(error);
    const totals = emptyTotals();
    totals.failed = input.vms.length;
    result = {
      site: input.site,
      waitFor: input.waitFor ?? 'configured',
      cancelled: false,
      vms: input.vms.map((vm) => ({
        requested: vm.name ?? vm.id ?? '',
        vmId: vm.id,
        name: vm.name,
        outcome: 'failed',
        reason: `batch failed: ${cause.message}`,
      })),
      totals,
      batchFailure: cause.message,
      batchFailureType: cause.type,
    };
  }
  upsertSearchAttributes([{ key: VR_OUTCOME, value: outcomeOfTotals(result.totals, result.cancelled) }]);
  setCurrentDetails(batchDetails(result));
  return result;
}
