/**
 * Bookkeeping of a campaign that does not orchestrate anything: the initial state, totals, the bounded failure
 * list, the rate of progress and ETA, and the markdown the Temporal UI shows as current details.
 */
import { emptyTotals, type VmOutcome, type VmResult } from './configure-replication-input';
import {
  MAX_FAILURES_KEPT,
  type CampaignProgress,
  type CampaignState,
  type UnstartedVms,
} from './campaign-input';

/** The rate is measured over this window. */
const RATE_WINDOW_MS = 5 * 60_000;
const MAX_SAMPLES = 120;
const FINE: ReadonlySet<VmOutcome> = new Set(['configured', 'already-replicated', 'cancelled']);

export function initialState(campaignId: string, now: number, inFlightLimit: number): CampaignState {
  return {
    campaignId,
    startedAt: now,
    run: 1,
    discovered: false,
    queue: [],
    totalVms: 0,
    doneVms: 0,
    totals: emptyTotals(),
    batchCounters: {},
    batchesCompleted: 0,
    failures: [],
    failuresOmitted: 0,
    unstarted: [],
    groupErrors: [],
    brokenGroups: {},
    paused: false,
    cancelRequested: false,
    inFlightLimit,
    samples: [[now, 0]],
  };
}

/** Counts finished VMs; keeps the first MAX_FAILURES_KEPT failures (the full list is in the batches' results). */
export function recordVms(
  state: CampaignState,
  vms: Array<Pick<VmResult, 'requested' | 'vmId' | 'name' | 'outcome' | 'reason'>>,
  batchId: string | undefined,
  now: number,
): void {
  for (const vm of vms) {
    state.totals[vm.outcome] += 1;
    state.doneVms += 1;
    if (FINE.has(vm.outcome)) continue;
    if (state.failures.length < MAX_FAILURES_KEPT) {
      state.failures.push({
        batchId,
        requested: vm.requested,
        vmId: vm.vmId,
        name: vm.name,
        outcome: vm.outcome,
        reason: vm.reason,
      });
    } else state.failuresOmitted += 1;
  }
  state.samples.push([now, state.doneVms]);
  const cutoff = now - RATE_WINDOW_MS;
  while (state.samples.length > 2 && (state.samples[1]![0] < cutoff || state.samples.length > MAX_SAMPLES))
    state.samples.shift();
}

/** Records VMs that no batch will run for. Consecutive entries of one group and reason are merged. */
export function recordUnstarted(state: CampaignState, entry: UnstartedVms, now: number): void {
  const last = state.unstarted.at(-1);
  if (last && last.group === entry.group && last.reason === entry.reason && last.outcome === entry.outcome)
    last.vms.push(...entry.vms);
  else state.unstarted.push({ ...entry, vms: [...entry.vms] });
  recordVms(
    state,
    entry.vms.map((requested) => ({ requested, outcome: entry.outcome, reason: entry.reason })),
    undefined,
    now,
  );
}

/** VMs per minute over the sampled window. */
export function ratePerMinute(state: CampaignState, now: number): number {
  const first = state.samples[0];
  if (!first) return 0;
  const elapsedMs = Math.max(now - first[0], 1);
  if (elapsedMs < 1_000) return 0;
  return ((state.doneVms - first[1]) * 60_000) / elapsedMs;
}

export function progressOf(
  state: CampaignState,
  name: string,
  phase: CampaignProgress['phase'],
  inFlight: { batches: number; vms: number },
  queuedVms: number,
  now: number,
): CampaignProgress {
  const rate = ratePerMinute(state, now);
  const remaining = Math.max(state.totalVms - state.doneVms, 0);
  return {
    campaignId: state.campaignId,
    name,
    phase,
    run: state.run,
    paused: state.paused,
    cancelRequested: state.cancelRequested,
    inFlightLimit: state.inFlightLimit,
    totals: { ...state.totals },
    totalVms: state.totalVms,
    doneVms: state.doneVms,
    vmsInFlight: inFlight.vms,
    batchesInFlight: inFlight.batches,
    batchesStarted: Object.values(state.batchCounters).reduce((sum, count) => sum + count, 0),
    batchesCompleted: state.batchesCompleted,
    queuedVms,
    ratePerMinute: Math.round(rate * 10) / 10,
    etaSeconds: rate > 0 ? Math.round((remaining / rate) * 60) : undefined,
    startedAt: state.startedAt,
    failures: state.failures.slice(0, 20),
    failuresOmitted: state.failuresOmitted + Math.max(state.failures.length - 20, 0),
  };
}

/** Markdown for the Temporal UI's current details. */
export function progressDetails(progress: CampaignProgress): string {
  const percent = progress.totalVms > 0 ? Math.floor((progress.doneVms * 100) / progress.totalVms) : 0;
  const totals = Object.entries(progress.totals)
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(' · ');
  const eta = progress.etaSeconds !== undefined ? ` · ETA ${Math.ceil(progress.etaSeconds / 60)} min` : '';
  return [
    `**Campaign ${progress.name}** — ${progress.phase} (run ${progress.run})`,
    `Done ${progress.doneVms} / ${progress.totalVms} VMs (${percent} %) · in flight ${progress.vmsInFlight} VMs in ${progress.batchesInFlight} batches (limit ${progress.inFlightLimit} per VRMS) · queued ${progress.queuedVms}`,
    totals || 'no VM finished yet',
    `Rate ${progress.ratePerMinute} VMs/min${eta}`,
  ].join('\n\n');
}
