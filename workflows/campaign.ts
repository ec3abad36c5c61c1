/**
 * replicationCampaignWorkflow: many VMs over several groups (site + pairing + VMs or selector), run as batch child
 * workflows of 100 VMs (`limits.vmsPerBatch`) with a bounded number in flight per VRMS (a sliding window, as in samples-typescript's
 * batch-sliding-window). The campaign keeps totals and a bounded failure list, never per-VM results: the full
 * report is assembled from its batches (search attribute VrCampaignId). It drains its batches and continues as new
 * before its history grows large. Steering: updates pause, resume, cancel, setInFlightLimit; query campaignProgress.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { VrActivities } from '../activities';
import { campaignBatchWorkflow, type CampaignBatchResult } from './campaign-batch';
import {
  batchIdOf,
  compactRefs,
  expandRefs,
  pairingLabel,
  ReplicationCampaignInputSchema,
  type CampaignGroup,
  type CampaignProgress,
  type CampaignState,
  type PreparedGroup,
  type QueuedBatch,
  type ReplicationCampaignInput,
  type ReplicationCampaignResult,
} from './campaign-input';
import { initialState, progressDetails, progressOf, recordUnstarted, recordVms } from './campaign-progress';
import {
  formatInputIssues,
  type ConfigureReplicationInput,
  type VmSelector,
} from './configure-replication-input';
import {
  outcomeOfTotals,
  VR_CAMPAIGN_ID,
  VR_KIND,
  VR_OUTCOME,
  VR_PAIRING,
  VR_SITE,
  VR_VM_COUNT,
} from './search-attributes';

export const campaignProgressQuery = defineQuery<CampaignProgress>('campaignProgress');
/** Stop starting batches (those in flight finish). */
export const pauseCampaignUpdate = defineUpdate<CampaignProgress>('pause');
export const resumeCampaignUpdate = defineUpdate<CampaignProgress>('resume');
/** Stop starting batches, cancel those in flight, report every VM (not started ones as cancelled). */
export const cancelCampaignUpdate = defineUpdate<CampaignProgress, [reason?: string]>('cancel');
/** Batches in flight per VRMS, 1–50. */
export const setInFlightLimitUpdate = defineUpdate<CampaignProgress, [limit: number]>('setInFlightLimit');

const vr = proxyActivities<VrActivities>({
  startToCloseTimeout: '3m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 15 },
});
const cleanup = proxyActivities<VrActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

/**
 * VR sessions per site shared by a campaign's batches: sessions are paced at 45 requests a minute (the gateway
 * allows 50) and the client at 100, so three sessions let the batches use the whole client budget.
 */
const SESSIONS_PER_SITE = 3;

/**
 * Batches in flight per VRMS by default. A batch costs about two requests plus its share of the coalesced task
 * polls, and then waits for VR: ten keep the VRMS busy without coming near the gateway's request limits.
 */
const DEFAULT_IN_FLIGHT_PER_VRMS = 10;
/** VMs per batch workflow: one name lookup request per batch, configure requests of 20. */
const DEFAULT_VMS_PER_BATCH = 100;

const discovery = proxyActivities<VrActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

/** Matches per discovery activity: its result stays a few tens of kB. */
const DISCOVERY_PAGE = 2500;
/** A batch failure of these types would hit every batch of its group (wrong datastore, pairing, site...). */
const GROUP_WIDE_FAILURE =
  /NotFound$|Ambiguous$|NotCompliant$|^InvalidInput$|UnknownSite|MissingRemoteCredentials/i;
const PROGRESS_REFRESH = '2 minutes';

export async function replicationCampaignWorkflow(
  input: ReplicationCampaignInput,
): Promise<ReplicationCampaignResult> {
  const parsed = ReplicationCampaignInputSchema.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid campaign input:\n${formatInputIssues(parsed.error, 'campaign')}`,
      'InvalidInput',
    );
  }
  const run = new CampaignRun(parsed.data, input.state as CampaignState | undefined);
  setHandler(campaignProgressQuery, () => run.progress());
  const running = (): string | undefined =>
    run.finished
      ? 'the campaign has finished'
      : run.state.cancelRequested
        ? 'the campaign is being cancelled'
        : undefined;
  setHandler(pauseCampaignUpdate, () => run.steer(() => (run.state.paused = true)), {
    validator: () => rejectIf(running()),
  });
  setHandler(resumeCampaignUpdate, () => run.steer(() => (run.state.paused = false)), {
    validator: () => rejectIf(running()),
  });
  setHandler(
    cancelCampaignUpdate,
    (reason?: string) =>
      run.steer(() => {
        run.state.cancelRequested = true;
        run.state.cancelReason = reason;
      }),
    { validator: (_reason?: string) => rejectIf(run.finished ? 'the campaign has finished' : undefined) },
  );
  setHandler(setInFlightLimitUpdate, (limit: number) => run.steer(() => (run.state.inFlightLimit = limit)), {
    validator: (limit: number) => {
      if (!Number.isInteger(limit) || limit < 1 || limit > 50)
        throw new Error(`the in-flight limit must be an integer from 1 to 50, got ${String(limit)}`);
      rejectIf(running());
    },
  });
  return run.execute();
}

function rejectIf(problem: string | undefined): void {
  if (problem) throw new Error(problem);
}

interface InFlightBatch {
  site: string;
  vms: number;
}

class CampaignRun {
  readonly state: CampaignState;
  finished = false;
  private readonly inFlight = new Map<string, InFlightBatch>();
  private readonly children = new CancellationScope();
  private childrenCancelled = false;
  private draining = false;
  private version = 0;
  private tick?: Promise<void>;

  constructor(
    private readonly input: ReplicationCampaignInput,
    carried: CampaignState | undefined,
  ) {
    const info = workflowInfo();
    this.state = carried
      ? { ...carried, run: carried.run + 1 }
      : initialState(
          info.workflowId,
          Date.now(),
          input.limits?.inFlightPerVrms ?? DEFAULT_IN_FLIGHT_PER_VRMS,
        );
  }

  /** Applies a steering change; the main loop wakes up and acts on it. */
  steer(change: () => unknown): CampaignProgress {
    change();
    this.version += 1;
    return this.progress();
  }

  progress(): CampaignProgress {
    const vms = [...this.inFlight.values()].reduce((sum, batch) => sum + batch.vms, 0);
    return progressOf(
      this.state,
      this.input.name,
      this.phase(),
      { batches: this.inFlight.size, vms },
      this.state.queue.reduce((sum, batch) => sum + this.sizeOf(batch), 0),
      Date.now(),
    );
  }

  private phase(): CampaignProgress['phase'] {
    if (this.finished) return this.state.cancelRequested ? 'cancelled' : 'done';
    if (!this.state.discovered) return 'discovering';
    if (this.state.cancelRequested) return 'cancelling';
    if (this.state.paused) return 'paused';
    return this.draining ? 'draining' : 'running';
  }

  async execute(): Promise<ReplicationCampaignResult> {
    upsertSearchAttributes([
      { key: VR_KIND, value: 'campaign' },
      { key: VR_CAMPAIGN_ID, value: this.state.campaignId },
    ]);
    try {
      if (!this.state.discovered) await this.discover();
      if (!this.state.prepared) await this.prepareGroups();
      await this.loop();
    } catch (error) {
      if (!isCancellation(error)) throw error;
      // Cancelled from Temporal itself: report like a cancel update, waiting for the cancelled batches' results.
      this.state.cancelRequested = true;
      this.state.cancelReason ??= 'the campaign workflow was cancelled';
      this.state.discovered = true;
      this.state.prepared ??= {};
      await CancellationScope.nonCancellable(() => this.loop());
    }
    await this.logout();
    this.finished = true;
    const outcome = outcomeOfTotals(this.state.totals, this.state.cancelRequested);
    upsertSearchAttributes([{ key: VR_OUTCOME, value: outcome }]);
    setCurrentDetails(progressDetails(this.progress()));
    await condition(allHandlersFinished);
    const { state } = this;
    return {
      campaignId: state.campaignId,
      name: this.input.name,
      outcome,
      totals: state.totals,
      totalVms: state.totalVms,
      runs: state.run,
      batchIds: {
        prefixes: state.batchCounters,
        count: Object.values(state.batchCounters).reduce((sum, count) => sum + count, 0),
      },
      failures: state.failures,
      failuresOmitted: state.failuresOmitted,
      unstarted: state.unstarted,
      groupErrors: state.groupErrors,
      startedAt: state.startedAt,
      finishedAt: Date.now(),
    };
  }

  /** Fills the queue: VM lists are cut into index ranges, selectors are resolved by the discovery activity. */
  private async discover(): Promise<void> {
    const { state } = this;
    // Campaigns started before batches of 100 keep their batches of 20 when replayed.
    const vmsPerBatch =
      this.input.limits?.vmsPerBatch ?? (patched('vms-per-batch-100') ? DEFAULT_VMS_PER_BATCH : 20);
    const seenIds = new Set<string>();
    for (const [index, group] of this.input.groups.entries()) {
      if (group.vms) {
        for (let start = 0; start < group.vms.length; start += vmsPerBatch)
          state.queue.push({ group: index, start, end: Math.min(start + vmsPerBatch, group.vms.length) });
        state.totalVms += group.vms.length;
        continue;
      }
      const selector = group.selector!;
      const ids: string[] = [];
      const includeSeen = new Set<string>();
      try {
        let offset: number | undefined = 0;
        do {
          const page = await discovery.discoverVms.executeWithOptions(
            {
              startToCloseTimeout: '10m',
              summary: `discover VMs of group ${index + 1} (${group.site}, ${pairingLabel(group.pairing)}) from offset ${offset}`,
            },
            [{ site: group.site, pairing: group.pairing, selector, offset, maxMatches: DISCOVERY_PAGE }],
          );
          for (const id of expandRefs(page.ids)) {
            // A VM can have one replication: two groups selecting it would only fail the second time.
            if (!seenIds.has(id)) ids.push(id);
            seenIds.add(id);
          }
          for (const name of page.includeSeen) includeSeen.add(name);
          offset = page.nextOffset;
        } while (offset !== undefined);
      } catch (error) {
        if (isCancellation(error)) throw error;
        state.groupErrors.push({ group: index, error: messageOf(error) });
        continue;
      }
      for (let start = 0; start < ids.length; start += vmsPerBatch)
        state.queue.push({ group: index, ids: compactRefs(ids.slice(start, start + vmsPerBatch)) });
      // Included names that discovery did not see go by name: their batch reports why (unsuitable, not found...).
      const missing = (selector.include ?? []).filter((name) => !includeSeen.has(name));
      for (let start = 0; start < missing.length; start += vmsPerBatch)
        state.queue.push({ group: index, names: missing.slice(start, start + vmsPerBatch) });
      state.totalVms += ids.length + missing.length;
    }
    state.discovered = true;
    this.version += 1;
  }

  /**
   * Looks up each group's pairing, datastore, storage policy (with its compliance check) and replication server
   * once, with the campaign's own session, instead of once per batch: batches then only look up their VMs and
   * send one configure request. A group whose lookup fails is not run; each of its VMs gets the reason.
   */
  private async prepareGroups(): Promise<void> {
    const { state } = this;
    const prepared: Record<number, PreparedGroup> = {};
    state.sessions ??= {};
    const wanted = new Set(state.queue.map((batch) => batch.group));
    for (const index of [...wanted].sort((a, b) => a - b)) {
      const group = this.input.groups[index]!;
      const handles = (state.sessions[group.site] ??= Array.from({ length: SESSIONS_PER_SITE }, () =>
        uuid4(),
      ));
      const session = { site: group.site, sessionHandle: handles[0]! };
      try {
        await vr.login(session);
        const pairing = await vr.findPairing({ ...session, ...group.pairing });
        const target = { ...session, pairing };
        await vr.remoteLogin(target);
        const datastore = await vr.findTargetDatastore({ ...target, name: group.targetDatastore });
        // No name, nothing to look up (campaigns started before this skip keep their activities when replayed).
        const skip = patched('skip-unnamed-target-lookups');
        const policy =
          skip && group.storagePolicy === undefined
            ? { storagePolicyId: null }
            : await vr.findStoragePolicy({
                ...target,
                name: group.storagePolicy,
                datastoreId: datastore.datastoreId,
              });
        const server =
          skip && group.replicationServer === undefined
            ? { replicationServerId: null }
            : await vr.findReplicationServer({ ...target, name: group.replicationServer });
        prepared[index] = {
          pairing,
          datastoreId: datastore.datastoreId,
          storagePolicyId: policy.storagePolicyId,
          replicationServerId: server.replicationServerId,
        };
      } catch (error) {
        if (isCancellation(error)) throw error;
        state.brokenGroups[index] ??= `the group's targets could not be looked up: ${messageOf(error)}`;
      }
    }
    state.prepared = prepared;
    this.version += 1;
  }

  /** The campaign's sessions end with it (batches of a prepared group never log out themselves). */
  private async logout(): Promise<void> {
    for (const [site, handles] of Object.entries(this.state.sessions ?? {})) {
      for (const sessionHandle of handles) {
        await CancellationScope.nonCancellable(() => cleanup.logout({ site, sessionHandle })).catch(
          () => undefined,
        );
      }
    }
  }

  private async loop(): Promise<void> {
    const { state } = this;
    upsertSearchAttributes([{ key: VR_VM_COUNT, value: state.totalVms }]);
    for (;;) {
      if (state.cancelRequested) this.cancelQueued();
      this.dropBrokenGroups();
      if (!this.draining && this.historyIsLong()) this.draining = true;
      if (!state.paused && !state.cancelRequested && !this.draining) this.startEligible();
      setCurrentDetails(progressDetails(this.progress()));
      if (this.inFlight.size === 0) {
        if (state.queue.length === 0) return;
        if (this.draining) {
          await condition(allHandlersFinished);
          await continueAsNew<typeof replicationCampaignWorkflow>({ ...this.input, state });
        }
      }
      const seen = this.version;
      const changed = condition(() => this.version !== seen);
      await (this.inFlight.size > 0 ? Promise.race([changed, this.ticker()]) : changed);
    }
  }

  /** A timer that refreshes rate and ETA in the UI while batches run and nothing else happens. */
  private ticker(): Promise<void> {
    this.tick ??= sleep(PROGRESS_REFRESH, { summary: 'refresh the progress rate and ETA' })
      .catch(() => undefined)
      .finally(() => {
        this.tick = undefined;
      });
    return this.tick;
  }

  private historyIsLong(): boolean {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested || info.historyLength >= (this.input.limits?.historyEventsPerRun ?? 2000)
    );
  }

  private startEligible(): void {
    const { state } = this;
    const busy = new Map<string, number>();
    for (const batch of this.inFlight.values()) busy.set(batch.site, (busy.get(batch.site) ?? 0) + 1);
    for (let index = 0; index < state.queue.length;) {
      const batch = state.queue[index]!;
      const site = this.groupOf(batch).site;
      if ((busy.get(site) ?? 0) >= state.inFlightLimit) {
        index += 1;
        continue;
      }
      state.queue.splice(index, 1);
      busy.set(site, (busy.get(site) ?? 0) + 1);
      this.launch(batch);
    }
  }

  private launch(batch: QueuedBatch): void {
    const { state } = this;
    const group = this.groupOf(batch);
    const label = pairingLabel(group.pairing);
    const prefix = `${group.site}/${label}`;
    const number = (state.batchCounters[prefix] ?? 0) + 1;
    state.batchCounters[prefix] = number;
    const batchId = batchIdOf(state.campaignId, prefix, number);
    const vms = this.vmsOf(batch);
    this.inFlight.set(batchId, { site: group.site, vms: vms.length });
    const input: ConfigureReplicationInput = {
      site: group.site,
      pairing: group.pairing,
      vms,
      targetDatastore: group.targetDatastore,
      storagePolicy: group.storagePolicy,
      replicationServer: group.replicationServer,
      settings: group.settings,
      batchSize: this.input.limits?.batchSize,
      ...this.preparedFor(batch.group, number),
      waitFor: this.input.waitFor,
      pollIntervalSeconds: this.input.pollIntervalSeconds,
      pollIntervalCapSeconds: this.input.pollIntervalCapSeconds,
    };
    const names = vms.map((vm) => vm.name ?? vm.id ?? '');
    void this.children.run(async () => {
      try {
        const child = await startChild(campaignBatchWorkflow, {
          workflowId: batchId,
          args: [input],
          parentClosePolicy: ParentClosePolicy.TERMINATE,
          staticSummary: `Batch ${number} of campaign ${this.input.name}: ${vms.length} VMs on ${group.site} → ${label}`,
          staticDetails:
            `Campaign \`${state.campaignId}\`, group ${batch.group + 1}, target datastore \`${group.targetDatastore}\`\n\n` +
            names.map((name) => `- ${name}`).join('\n'),
          typedSearchAttributes: [
            { key: VR_CAMPAIGN_ID, value: state.campaignId },
            { key: VR_KIND, value: 'batch' },
            { key: VR_SITE, value: group.site },
            { key: VR_PAIRING, value: label },
            { key: VR_VM_COUNT, value: vms.length },
          ],
        });
        this.finishBatch(batchId, batch, await child.result());
      } catch (error) {
        const cancelled = isCancellation(error) || this.childrenCancelled;
        const reason = cancelled
          ? `campaign cancelled before the batch finished${state.cancelReason ? `: ${state.cancelReason}` : ''}`
          : `batch ${batchId} failed: ${messageOf(error)}`;
        recordVms(
          state,
          names.map((requested) => ({ requested, outcome: cancelled ? 'cancelled' : 'failed', reason })),
          batchId,
          Date.now(),
        );
        this.inFlight.delete(batchId);
        state.batchesCompleted += 1;
        this.version += 1;
      }
    });
  }

  private finishBatch(batchId: string, batch: QueuedBatch, result: CampaignBatchResult): void {
    const { state } = this;
    recordVms(state, result.vms, batchId, Date.now());
    if (result.batchFailure && GROUP_WIDE_FAILURE.test(result.batchFailureType ?? ''))
      state.brokenGroups[batch.group] ??=
        `an earlier batch of this group failed as a whole: ${result.batchFailure}`;
    this.inFlight.delete(batchId);
    state.batchesCompleted += 1;
    this.version += 1;
  }

  private cancelQueued(): void {
    const { state } = this;
    const reason = `campaign cancelled before the batch started${state.cancelReason ? `: ${state.cancelReason}` : ''}`;
    for (const batch of state.queue.splice(0)) this.unstarted(batch, 'cancelled', reason);
    if (!this.childrenCancelled) {
      this.childrenCancelled = true;
      this.children.cancel();
    }
  }

  private dropBrokenGroups(): void {
    const { state } = this;
    if (Object.keys(state.brokenGroups).length === 0) return;
    state.queue = state.queue.filter((batch) => {
      const reason = state.brokenGroups[batch.group];
      if (reason === undefined) return true;
      this.unstarted(batch, 'failed', `not attempted: ${reason}`);
      return false;
    });
  }

  private unstarted(batch: QueuedBatch, outcome: 'cancelled' | 'failed', reason: string): void {
    const group = this.groupOf(batch);
    const vms = this.vmsOf(batch).map((vm) => vm.name ?? vm.id ?? '');
    recordUnstarted(
      this.state,
      { group: batch.group, site: group.site, pairing: pairingLabel(group.pairing), vms, outcome, reason },
      Date.now(),
    );
  }

  /** The group's prepared targets and one of the campaign's sessions (round robin), when the group was prepared. */
  private preparedFor(group: number, batchNumber: number): Pick<ConfigureReplicationInput, 'prepared'> {
    const prepared = this.state.prepared?.[group];
    const handles = this.state.sessions?.[this.input.groups[group]!.site];
    if (!prepared || !handles?.length) return {};
    return { prepared: { ...prepared, sessionHandle: handles[batchNumber % handles.length]! } };
  }

  private groupOf(batch: QueuedBatch): CampaignGroup {
    return this.input.groups[batch.group]!;
  }

  private vmsOf(batch: QueuedBatch): VmSelector[] {
    if ('ids' in batch) return expandRefs(batch.ids).map((id) => ({ id }));
    if ('names' in batch) return batch.names.map((name) => ({ name }));
    return (this.groupOf(batch).vms ?? []).slice(batch.start, batch.end);
  }

  private sizeOf(batch: QueuedBatch): number {
    if ('ids' in batch) return batch.ids.cores.length;
    if ('names' in batch) return batch.names.length;
    return batch.end - batch.start;
  }
}

function messageOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
