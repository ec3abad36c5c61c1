/**
 * drOnboardingWorkflow: discovers the suitable, not yet replicated VMs that match each group's selector and runs a
 * campaign for them (a child replicationCampaignWorkflow, so it shows in `campaign list`). A Temporal Schedule starts
 * it now and then. VMs that keep failing are counted from run to run: each run reads the result of the schedule's
 * previous completed run (visibility query on TemporalScheduledById, through an activity), adds this run's
 * failures, and a VM that failed in `maxFailedRuns` runs is excluded and reported instead of being retried forever.
 */
import {
  ApplicationFailure,
  defineQuery,
  executeChild,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { VrActivities } from '../activities';
import { replicationCampaignWorkflow } from './campaign';
import { expandRefs, pairingLabel } from './campaign-input';
import { formatInputIssues } from './configure-replication-input';
import {
  DrOnboardingInputSchema,
  MAX_FAILURE_COUNTS,
  type DrOnboardingInput,
  type DrOnboardingResult,
  type VmFailureCount,
} from './onboarding-input';
import { VR_CAMPAIGN_ID, VR_KIND, VR_OUTCOME, VR_VM_COUNT } from './search-attributes';

export const onboardingProgressQuery = defineQuery<{
  phase: string;
  discovered: number;
  campaignId?: string;
}>('onboardingProgress');

const SCHEDULED_BY_ID = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

const activities = proxyActivities<VrActivities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

function scheduleIdOf(): string | undefined {
  const info = workflowInfo();
  const typed = info.typedSearchAttributes.get(SCHEDULED_BY_ID);
  if (typed) return typed;
  // Older servers send the attribute without type metadata: the untyped view still has it.
  const untyped = info.searchAttributes?.TemporalScheduledById;
  return Array.isArray(untyped) && typeof untyped[0] === 'string' ? untyped[0] : undefined;
}

export async function drOnboardingWorkflow(input: DrOnboardingInput): Promise<DrOnboardingResult> {
  const parsed = DrOnboardingInputSchema.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid onboarding input:\n${formatInputIssues(parsed.error, 'onboarding')}`,
      'InvalidInput',
    );
  }
  const request = parsed.data;
  const info = workflowInfo();
  const maxFailedRuns = request.maxFailedRuns ?? 3;
  let phase = 'reading the previous run';
  let discovered = 0;
  let campaignId: string | undefined;
  setHandler(onboardingProgressQuery, () => ({ phase, discovered, campaignId }));
  upsertSearchAttributes([{ key: VR_KIND, value: 'onboarding' }]);

  const scheduleId = scheduleIdOf();
  const previous = scheduleId
    ? ((await activities.previousOnboardingResult.executeWithOptions(
        { startToCloseTimeout: '2m', summary: `read the previous run of schedule ${scheduleId}` },
        [{ scheduleId, currentWorkflowId: info.workflowId }],
      )) as DrOnboardingResult | null)
    : null;
  const counts = new Map<string, VmFailureCount>(
    (previous?.failureCounts ?? []).map((entry) => [entry.vmId, { ...entry }]),
  );
  const gaveUp = [...counts.values()].filter((entry) => entry.failedRuns >= maxFailedRuns);
  const excludeIds = gaveUp.map((entry) => entry.vmId);

  phase = 'discovering';
  setCurrentDetails(`Onboarding **${request.name}**: discovering new VMs`);
  const seen = new Set<string>();
  const groupErrors: DrOnboardingResult['groupErrors'] = [];
  for (const [index, group] of request.groups.entries()) {
    const selector = {
      ...group.selector!,
      excludeIds: [...(group.selector?.excludeIds ?? []), ...excludeIds],
    };
    try {
      let offset: number | undefined = 0;
      do {
        const page = await activities.discoverVms.executeWithOptions(
          {
            startToCloseTimeout: '10m',
            summary: `discover new VMs of group ${index + 1} (${group.site}, ${pairingLabel(group.pairing)})`,
          },
          [{ site: group.site, pairing: group.pairing, selector, offset, maxMatches: 2500 }],
        );
        for (const id of expandRefs(page.ids)) seen.add(id);
        offset = page.nextOffset;
      } while (offset !== undefined);
    } catch (error) {
      groupErrors.push({ group: index, error: error instanceof Error ? error.message : String(error) });
    }
  }
  discovered = seen.size;

  let campaign: DrOnboardingResult['campaign'];
  if (seen.size > 0) {
    phase = 'running the campaign';
    campaignId = `${info.workflowId}/campaign`;
    upsertSearchAttributes([
      { key: VR_CAMPAIGN_ID, value: campaignId },
      { key: VR_VM_COUNT, value: seen.size },
    ]);
    setCurrentDetails(`Onboarding **${request.name}**: ${seen.size} new VMs, campaign \`${campaignId}\``);
    const result = await executeChild(replicationCampaignWorkflow, {
      workflowId: campaignId,
      args: [
        {
          name: request.name,
          groups: request.groups.map((group) => ({
            ...group,
            selector: {
              ...group.selector!,
              excludeIds: [...(group.selector?.excludeIds ?? []), ...excludeIds],
            },
          })),
          waitFor: request.waitFor,
          pollIntervalSeconds: request.pollIntervalSeconds,
          pollIntervalCapSeconds: request.pollIntervalCapSeconds,
          limits: request.limits,
        },
      ],
      staticSummary: `Onboarding ${request.name}: ${seen.size} new VMs`,
      typedSearchAttributes: [
        { key: VR_CAMPAIGN_ID, value: campaignId },
        { key: VR_KIND, value: 'campaign' },
      ],
    });
    campaign = {
      outcome: result.outcome,
      totals: result.totals,
      totalVms: result.totalVms,
      failures: result.failures.slice(0, 100),
      groupErrors: result.groupErrors,
    };
    for (const failure of result.failures) {
      const vmId = failure.vmId ?? failure.requested;
      const entry = counts.get(vmId) ?? { vmId, failedRuns: 0 };
      entry.failedRuns += 1;
      entry.name = failure.name ?? entry.name;
      entry.lastReason = failure.reason;
      counts.set(vmId, entry);
      seen.add(vmId);
    }
  }

  // Keep counts only for VMs still unprotected (seen this run) or given up on; the others got protected or went away.
  const kept = [...counts.values()].filter(
    (entry) => seen.has(entry.vmId) || entry.failedRuns >= maxFailedRuns,
  );
  const givenUp = kept.filter((entry) => entry.failedRuns >= maxFailedRuns);
  const outcome = !campaign ? 'ok' : campaign.outcome;
  upsertSearchAttributes([
    { key: VR_OUTCOME, value: givenUp.length > 0 && outcome === 'ok' ? 'some-failed' : outcome },
  ]);
  phase = 'done';
  setCurrentDetails(
    `Onboarding **${request.name}**: ${discovered} new VMs${campaignId ? `, campaign \`${campaignId}\` ${campaign?.outcome}` : ', nothing to do'}` +
      (givenUp.length > 0 ? `\n\nGave up on ${givenUp.length} VMs that failed in ${maxFailedRuns} runs` : ''),
  );
  return {
    name: request.name,
    scheduleId,
    discovered,
    campaignId,
    campaign,
    gaveUp: givenUp,
    failureCounts: kept.slice(-MAX_FAILURE_COUNTS),
    groupErrors,
  };
}
