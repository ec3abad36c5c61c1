/**
 * Discovery for campaigns and scheduled onboarding: which suitable, not yet replicated VMs of a protected vCenter
 * match a selector, and what the previous onboarding run of a schedule reported. Discovery pages through
 * `GET .../vms?suitable_for_replication=true` (VR drops replicated VMs, templates, VMs without privilege) and
 * re-matches names exactly here: VR's own `filter` is "contains".
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import {
  compactRefs,
  selectorMatcher,
  type CampaignVmSelector,
  type CompactRefs,
} from '../workflows/campaign-input';
import type { PairingSelector } from '../workflows/configure-replication-input';
import { asActivity } from './failures';
import { createLookupActivities } from './lookup-activities';
import type { SessionManager } from './session-manager';
import type { PairingSummary } from './types';

/** VMs per list page while discovering. */
const DISCOVERY_PAGE_SIZE = 200;

export interface DiscoverVmsInput {
  site: string;
  pairing: PairingSelector;
  selector: CampaignVmSelector;
  /** Offset in the suitable-VM list to continue from. Default 0. */
  offset?: number;
  /** Stop after this many matches (the caller continues from `nextOffset`). Default 2500. */
  maxMatches?: number;
}

export interface DiscoverVmsResult {
  pairing: PairingSummary;
  /** Ids of the matching VMs, in inventory order. */
  ids: CompactRefs;
  /** Names of `selector.include` met in this page. */
  includeSeen: string[];
  /** Suitable VMs looked at. */
  scanned: number;
  /** Where to continue; undefined when the list is exhausted. */
  nextOffset?: number;
}

export interface PreviousOnboardingInput {
  /** The schedule whose runs to look at. */
  scheduleId: string;
  /** This run's workflow id (skipped). */
  currentWorkflowId: string;
}

export function createDiscoveryActivities(sessions: SessionManager) {
  const lookups = createLookupActivities(sessions);
  return {
    async discoverVms(input: DiscoverVmsInput): Promise<DiscoverVmsResult> {
      // A short-lived session of its own: discovery runs once per campaign, far from the batches' sessions.
      const ref = { site: input.site, sessionHandle: `discovery-${randomUUID()}` };
      try {
        const pairing = await lookups.findPairing({ ...ref, ...input.pairing });
        return await asActivity(`discover VMs on ${pairing.localVcenterName ?? pairing.localVcenterId}`, () =>
          sessions.withSession(ref, async (session) => {
            const matches = selectorMatcher(input.selector);
            const include = new Set(input.selector.include ?? []);
            const maxMatches = input.maxMatches ?? 2500;
            const offset = input.offset ?? 0;
            const ids: string[] = [];
            const includeSeen: string[] = [];
            let scanned = 0;
            let exhausted = true;
            for await (const vm of session.listVms(pairing.pairingId, pairing.localVcenterId, {
              suitableForReplication: true,
              pageSize: DISCOVERY_PAGE_SIZE,
              offset,
            })) {
              scanned += 1;
              if (include.has(vm.name)) includeSeen.push(vm.name);
              if (matches(vm.name, vm.id)) ids.push(vm.id);
              if (ids.length >= maxMatches) {
                exhausted = false;
                break;
              }
            }
            return {
              pairing,
              ids: compactRefs(ids),
              includeSeen,
              scanned,
              nextOffset: exhausted ? undefined : offset + scanned,
            };
          }),
        );
      } finally {
        await sessions.logout(ref.sessionHandle).catch(() => undefined);
      }
    },

    /**
     * The result of the latest completed run of an onboarding schedule other than this one (its failure counts are
     * the memory of which VMs keep failing), or null when there is none.
     */
    async previousOnboardingResult(input: PreviousOnboardingInput): Promise<unknown> {
      return asActivity(`read the previous run of schedule ${input.scheduleId}`, async () => {
        const { client } = Context.current();
        const query = `TemporalScheduledById = "${input.scheduleId.replace(/"/g, '\\"')}" AND ExecutionStatus = "Completed"`;
        let latest: { workflowId: string; runId: string; startTime: Date } | undefined;
        for await (const execution of client.workflow.list({ query })) {
          if (execution.workflowId === input.currentWorkflowId) continue;
          if (!latest || execution.startTime > latest.startTime) latest = execution;
        }
        if (!latest) return null;
        return (await client.workflow.getHandle(latest.workflowId, latest.runId).result()) as unknown;
      });
    },
  };
}
