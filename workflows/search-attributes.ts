/**
 * Typed search attributes of campaigns, their batches and onboarding runs, so that the Temporal UI can filter e.g.
 * `VrCampaignId = "campaign-x" AND VrKind = "batch" AND VrOutcome != "ok"`. They must be registered on the
 * namespace before the first run: the embedded dev server does it at start (SEARCH_ATTRIBUTES), a real cluster with
 * `npm run cli -- setup`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The campaign a run belongs to (a campaign's own id, a batch's parent campaign, an onboarding run's campaign). */
export const VR_CAMPAIGN_ID = defineSearchAttributeKey('VrCampaignId', SearchAttributeType.KEYWORD);
/** What the run is: `campaign`, `batch` or `onboarding`. */
export const VR_KIND = defineSearchAttributeKey('VrKind', SearchAttributeType.KEYWORD);
/** The site (worker sites file) a batch works on. */
export const VR_SITE = defineSearchAttributeKey('VrSite', SearchAttributeType.KEYWORD);
/** The pairing a batch works on, as written in the campaign file (pairing id or remote vCenter / VRMS). */
export const VR_PAIRING = defineSearchAttributeKey('VrPairing', SearchAttributeType.KEYWORD);
/** VMs in the run (a batch's VMs; a campaign's VMs once known). */
export const VR_VM_COUNT = defineSearchAttributeKey('VrVmCount', SearchAttributeType.INT);
/** How the run ended: `ok`, `some-failed`, `failed` or `cancelled` (set when it ends). */
export const VR_OUTCOME = defineSearchAttributeKey('VrOutcome', SearchAttributeType.KEYWORD);

export type VrKind = 'campaign' | 'batch' | 'onboarding';
export type VrOutcome = 'ok' | 'some-failed' | 'failed' | 'cancelled';

/** Name → type of every search attribute above, in the spelling of `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Int'> = {
  [VR_CAMPAIGN_ID.name]: 'Keyword',
  [VR_KIND.name]: 'Keyword',
  [VR_SITE.name]: 'Keyword',
  [VR_PAIRING.name]: 'Keyword',
  [VR_VM_COUNT.name]: 'Int',
  [VR_OUTCOME.name]: 'Keyword',
};

/** The outcome of a set of VMs from its totals: every VM fine → ok, none fine → failed, else some-failed. */
export function outcomeOfTotals(totals: Record<string, number>, cancelled = false): VrOutcome {
  if (cancelled) return 'cancelled';
  const fine = (totals.configured ?? 0) + (totals['already-replicated'] ?? 0);
  const all = Object.values(totals).reduce((sum, count) => sum + count, 0);
  if (fine === all) return 'ok';
  return fine === 0 ? 'failed' : 'some-failed';
}
