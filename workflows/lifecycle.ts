/**
 * replicationOperationWorkflow: pause, resume, sync, reconfigure, unconfigure or delete a selection of replications.
 * login → pairing → remote login → resolve the selection (one paged list, exact names) → [dry run: stop here] →
 * per batch: act (idempotent, re-reads state first) → wait for the batch's tasks (durable timers, one poll per
 * interval) → logout (always). One outcome per replication; a refusal by VR is an outcome, not a run failure.
 */
import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  setHandler,
  sleep,
  uuid4,
} from '@temporalio/workflow';
import type { ApplyOutcome, ReplicationMatch } from '../activities/lifecycle-activities';
import type { PairingSummary, SessionRef } from '../activities/types';
import { formatInputIssues } from './configure-replication-input';
import {
  emptyOutcomeTotals,
  ReplicationOperationInputSchema,
  type ReplicationOperationInput,
  type ReplicationOperationProgress,
  type ReplicationOperationResult,
  type ReplicationOutcome,
  type ReplicationOutcomeRow,
  type ReplicationProgress,
} from './lifecycle-input';
import { activitiesWithRetry, causeOf } from './lifecycle-support';

/** Same name as the configure workflow's query, and entries with the same fields: `cli status` shows both. */
export const replicationOperationProgressQuery = defineQuery<ReplicationOperationProgress>('progress');

const TERMINAL = new Set<string>([
  'done',
  'already-in-state',
  'invalid-transition',
  'not-found',
  'ambiguous-name',
  'failed',
  'skipped-dry-run',
  'cancelled',
]);

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );

export async function replicationOperationWorkflow(
  input: ReplicationOperationInput,
): Promise<ReplicationOperationResult> {
  const parsed = ReplicationOperationInputSchema.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid replication operation input:\n${formatInputIssues(parsed.error)}`,
      'InvalidInput',
    );
  }
  const run = new OperationRun(parsed.data);
  setHandler(replicationOperationProgressQuery, () => run.progress());
  return run.execute();
}

class OperationRun {
  private phase = 'starting';
  private entries: ReplicationProgress[] = [];
  /** Entries that selected a replication already selected by another entry: they share its outcome. */
  private readonly duplicates: Array<{ entry: ReplicationProgress; first: string }> = [];
  private readonly session: SessionRef;
  private pairing?: PairingSummary;
  private cancelled = false;
  private readonly vr: ReturnType<typeof activitiesWithRetry>['vr'];
  private readonly heartbeating: ReturnType<typeof activitiesWithRetry>['heartbeating'];
  private readonly cleanup: ReturnType<typeof activitiesWithRetry>['cleanup'];

  constructor(private readonly input: ReplicationOperationInput) {
    this.session = { site: input.site, sessionHandle: uuid4() };
    ({
      vr: this.vr,
      heartbeating: this.heartbeating,
      cleanup: this.cleanup,
    } = activitiesWithRetry(input.activityRetry));
  }

  progress(): ReplicationOperationProgress {
    const totals: ReplicationOperationProgress['totals'] = {};
    for (const entry of this.entries) totals[entry.state] = (totals[entry.state] ?? 0) + 1;
    return {
      phase: this.phase,
      operation: this.input.operation,
      dryRun: this.input.dryRun ?? false,
      vms: this.entries.map((entry) => ({ ...entry })),
      totals,
    };
  }

  async execute(): Promise<ReplicationOperationResult> {
    try {
      await this.steps();
    } catch (error) {
      if (!isCancellation(error)) throw error;
      this.cancelled = true;
      for (const entry of this.entries) {
        if (TERMINAL.has(entry.state)) continue;
        const inFlight = entry.taskId
          ? ` while VR task ${entry.taskId} was running; VR may still finish it`
          : '';
        this.finish(entry, 'cancelled', `run cancelled${inFlight}`);
      }
    } finally {
      // Logout always runs, also on failure and cancellation: VR keeps a bounded session pool.
      this.phase = 'logging out';
      await CancellationScope.nonCancellable(() => this.cleanup.logout(this.session)).catch(
        (error: unknown) =>
          log.warn('logout failed; the session will expire on its own', { error: String(error) }),
      );
    }
    this.phase = this.cancelled ? 'cancelled' : 'done';
    return this.result();
  }

  private async steps(): Promise<void> {
    const { input, session, vr } = this;
    this.phase = 'login';
    await this.setup('login', () => vr.login(session));
    this.phase = 'pairing';
    const pairing = await this.setup('find pairing', () => vr.findPairing({ ...session, ...input.pairing }));
    this.pairing = pairing;
    const target = { ...session, pairing };
    this.phase = 'remote login';
    await this.setup('remote login', () => vr.remoteLogin(target));
    this.phase = 'resolving selection';
    const { matches } = await this.setup('resolve the selection', () =>
      vr.resolveReplicationSelection({ ...target, selection: input.selection }),
    );
    this.record(matches);

    const selected = this.entries.filter((entry) => entry.state === 'selected');
    if (input.dryRun) {
      for (const entry of selected)
        this.finish(
          entry,
          'skipped-dry-run',
          `dry run: would ${input.operation} (status ${entry.statusBefore ?? '?'})`,
        );
      return;
    }
    for (const batch of chunk(selected, input.batchSize ?? 20)) {
      this.phase = `${input.operation}: acting`;
      for (const entry of batch) entry.state = 'acting';
      try {
        const { outcomes } = await this.heartbeating.applyReplicationOperation({
          ...target,
          operation: input.operation,
          replications: batch.map((entry) => ({ replicationId: entry.replicationId!, name: entry.name })),
          reconfigure: input.reconfigure,
          retainReplicaDisks: input.retainReplicaDisks,
        });
        for (const outcome of outcomes) this.recordApply(batch, outcome);
      } catch (error) {
        if (isCancellation(error)) throw error;
        // One batch failing for good (retries exhausted) fails its replications, not the run.
        for (const entry of batch)
          this.finish(entry, 'failed', `${input.operation} failed: ${causeOf(error)}`);
      }
      this.phase = `${input.operation}: waiting for VR tasks`;
      await this.waitForTasks(batch);
    }
  }

  /** A setup step that fails for good ends the run with a message naming the step and VR's answer. */
  private async setup<T>(step: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isCancellation(error)) throw error;
      throw ApplicationFailure.nonRetryable(
        `${step} failed: ${causeOf(error)}`,
        'ReplicationOperationFailed',
      );
    }
  }

  private record(matches: ReplicationMatch[]): void {
    for (const match of matches) {
      const entry: ReplicationProgress = { requested: match.requested, state: 'pending' };
      this.entries.push(entry);
      if (match.kind === 'found' || match.kind === 'duplicate') {
        entry.replicationId = match.replication.replicationId;
        entry.vmId = match.replication.vmId;
        entry.name = match.replication.name;
        entry.statusBefore = match.replication.status;
        if (match.kind === 'found') entry.state = 'selected';
        else this.duplicates.push({ entry, first: match.firstRequested });
      } else {
        this.finish(entry, match.kind, match.reason);
      }
    }
  }

  private recordApply(batch: ReplicationProgress[], outcome: ApplyOutcome): void {
    const entry = batch.find((candidate) => candidate.replicationId === outcome.replicationId);
    if (!entry) return;
    if (outcome.kind === 'task') {
      entry.state = 'waiting';
      entry.taskId = outcome.taskId;
      entry.progress = 0;
      if (outcome.adopted) entry.reason = 'adopted the VR task of an earlier attempt';
    } else {
      this.finish(entry, outcome.kind, outcome.reason);
    }
  }

  /** One pollTasks per interval for the whole batch; durable timers in between, backing off to the cap. */
  private async waitForTasks(batch: ReplicationProgress[]): Promise<void> {
    const capMs = (this.input.pollIntervalCapSeconds ?? 60) * 1000;
    let intervalMs = Math.min((this.input.pollIntervalSeconds ?? 5) * 1000, capMs);
    for (;;) {
      const pending = batch.filter((entry) => entry.state === 'waiting' && entry.taskId);
      if (pending.length === 0) return;
      await sleep(intervalMs);
      intervalMs = Math.min(Math.round(intervalMs * 1.5), capMs);
      let polled;
      try {
        polled = await this.vr.pollTasks({ ...this.session, taskIds: pending.map((entry) => entry.taskId!) });
      } catch (error) {
        if (isCancellation(error)) throw error;
        for (const entry of pending)
          this.finish(entry, 'failed', `could not read VR task ${entry.taskId}: ${causeOf(error)}`);
        return;
      }
      for (const task of polled.tasks) {
        const entry = pending.find((candidate) => candidate.taskId === task.taskId);
        if (!entry) continue;
        entry.progress = task.progress ?? entry.progress;
        if (task.status === 'SUCCESS') this.finish(entry, 'done', entry.reason, 100);
        else if (task.status === 'ERROR')
          this.finish(entry, 'failed', `VR task ${task.taskId} failed: ${task.error ?? 'no reason given'}`);
        else if (task.status === 'CANCELLED')
          this.finish(entry, 'failed', `VR task ${task.taskId} was cancelled in VR`);
      }
      for (const taskId of polled.missing) {
        const entry = pending.find((candidate) => candidate.taskId === taskId);
        if (entry)
          this.finish(entry, 'failed', `VR no longer knows task ${taskId}; check the replication's state`);
      }
    }
  }

  private finish(
    entry: ReplicationProgress,
    outcome: ReplicationOutcome,
    reason?: string,
    progress?: number,
  ): void {
    entry.state = outcome;
    if (reason !== undefined) entry.reason = reason;
    if (progress !== undefined) entry.progress = progress;
  }

  private result(): ReplicationOperationResult {
    for (const { entry, first } of this.duplicates) {
      const original = this.entries.find((candidate) => candidate.requested === first && candidate !== entry);
      const outcome = original && TERMINAL.has(original.state) ? original.state : 'failed';
      this.finish(entry, outcome as ReplicationOutcome, `same replication as "${first}"; acted on once`);
    }
    const totals = emptyOutcomeTotals();
    const replications: ReplicationOutcomeRow[] = this.entries.map((entry) => {
      const outcome: ReplicationOutcome = TERMINAL.has(entry.state)
        ? (entry.state as ReplicationOutcome)
        : 'failed';
      totals[outcome] += 1;
      return {
        requested: entry.requested,
        name: entry.name,
        vmId: entry.vmId,
        replicationId: entry.replicationId,
        statusBefore: entry.statusBefore,
        outcome,
        reason: entry.reason ?? (TERMINAL.has(entry.state) ? undefined : `run ended while ${entry.state}`),
        taskId: entry.taskId,
      };
    });
    return {
      site: this.input.site,
      pairingId: this.pairing?.pairingId,
      operation: this.input.operation,
      dryRun: this.input.dryRun ?? false,
      cancelled: this.cancelled,
      replications,
      totals,
    };
  }
}
