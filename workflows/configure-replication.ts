/**
 * configureReplicationWorkflow: the walkthrough's configure-replication procedure as a durable workflow.
 * login → pairing → remote login → datastore → policy (+compliance) → replication server → VMs (+capability) →
 * configure in batches of ≤20 → wait for the tasks (and optionally the initial full sync) → logout.
 * The workflow only orchestrates; every VR call is an activity (house style point 1).
 */
import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  defineQuery,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  uuid4,
  workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { VrActivities } from '../activities';
import { CompletionEstimate } from './completion-estimate';
import type { ConfigureVmOutcome, PairingSummary, SessionRef, VmLookup } from '../activities/types';
import {
  ConfigureReplicationInputSchema,
  emptyTotals,
  formatInputIssues,
  withDefaults,
  type ConfigureReplicationInput,
  type ConfigureReplicationProgress,
  type ConfigureReplicationResult,
  type VmProgress,
  type VmResult,
  type VmOutcome,
  VM_OUTCOMES,
} from './configure-replication-input';

export const progressQuery = defineQuery<ConfigureReplicationProgress>('progress');

// Retries are driven by the VR client's error classification: activities throw non-retryable ApplicationFailures
// for 400/403/404/schema errors and set nextRetryDelay from a 429's Retry-After, so one policy fits all calls.
const retry: RetryPolicy = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts: 15,
};

// Activities heartbeat every 10 s: a killed worker's activity is retried elsewhere after 30 s, not 3 min.
const vr = proxyActivities<VrActivities>({ startToCloseTimeout: '3m', heartbeatTimeout: '30s', retry });
const cleanup = proxyActivities<VrActivities>({
  startToCloseTimeout: '1m',
  retry: { ...retry, maximumAttempts: 5 },
});

/** Continue as new past this many events (or when the server suggests it), well below Temporal's limits. */
const HISTORY_EVENTS_BEFORE_CONTINUE = 5_000;

/** VMs per lookup activity: keeps each activity's payload small whatever the run's size. */
const LOOKUP_CHUNK = 200;
/** Configure requests of one run in flight at once (each is one activity; the worker's pacer keeps the rate). */
const CONFIGURE_CONCURRENCY = 5;
/** A VM whose state is one of the outcomes is done. */
const TERMINAL_STATES = new Set<string>(VM_OUTCOMES);

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );

export async function configureReplicationWorkflow(
  input: ConfigureReplicationInput,
): Promise<ConfigureReplicationResult> {
  const parsed = ConfigureReplicationInputSchema.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid ConfigureReplication input:\n${formatInputIssues(parsed.error)}`,
      'InvalidInput',
    );
  }
  const request = parsed.data;
  const run = new ConfigureRun(request);
  setHandler(progressQuery, () => run.progress());
  return run.execute();
}

class ConfigureRun {
  private phase = 'starting';
  private readonly vms: VmProgress[];
  private readonly session: SessionRef;
  private pairing?: PairingSummary;
  private cancelled = false;
  /** Set when the run continues as new: the next run takes over the session, so no logout. */
  private continuing = false;

  constructor(private readonly input: ConfigureReplicationInput) {
    const { resume } = input;
    this.vms = resume
      ? (resume.vms as unknown as VmProgress[])
      : input.vms.map((vm) => ({ requested: vm.name ?? vm.id ?? '', state: 'pending' }));
    // The handle is deterministic (workflow uuid4), so a retried login maps to the same worker-side session.
    this.session = {
      site: input.site,
      sessionHandle: resume?.sessionHandle ?? input.prepared?.sessionHandle ?? uuid4(),
    };
    if (resume) this.pairing = resume.pairing as unknown as PairingSummary;
  }

  progress(): ConfigureReplicationProgress {
    const totals: ConfigureReplicationProgress['totals'] = {};
    for (const vm of this.vms) totals[vm.state] = (totals[vm.state] ?? 0) + 1;
    return { phase: this.phase, vms: this.vms.map((vm) => ({ ...vm })), totals };
  }

  async execute(): Promise<ConfigureReplicationResult> {
    try {
      await this.steps();
    } catch (error) {
      if (!isCancellation(error)) throw error;
      this.cancelled = true;
      for (const vm of this.vms) {
        if (TERMINAL_STATES.has(vm.state)) continue;
        const inFlight = vm.taskId
          ? ` while VR task ${vm.taskId} was still running; VR may still finish it`
          : '';
        this.finish(vm, 'cancelled', `run cancelled${inFlight}`);
      }
    } finally {
      // Logout always runs, also on failure and cancellation: VR keeps a bounded session pool.
      // A parent that prepared the run owns the session and logs out itself.
      if (!this.continuing && !this.input.prepared) await this.logout();
    }
    this.phase = this.cancelled ? 'cancelled' : 'done';
    return this.result();
  }

  private async logout(): Promise<void> {
    this.phase = 'logging out';
    await CancellationScope.nonCancellable(() => cleanup.logout(this.session)).catch((error: unknown) =>
      log.warn('logout failed; the session will expire on its own', { error: String(error) }),
    );
  }

  private async steps(): Promise<void> {
    const { input, session } = this;
    if (input.resume) return this.resumeWaiting(input.resume.stage);
    const { pairing, datastore, policy, server } = input.prepared
      ? {
          pairing: input.prepared.pairing,
          datastore: { datastoreId: input.prepared.datastoreId },
          policy: { storagePolicyId: input.prepared.storagePolicyId },
          server: { replicationServerId: input.prepared.replicationServerId },
        }
      : await this.lookUpTargets();
    this.pairing = pairing;
    const target = { ...session, pairing };

    this.phase = 'looking up VMs';
    const found: Array<Extract<VmLookup, { kind: 'found' }> & { index: number }> = [];
    for (const [chunkIndex, vms] of chunk(input.vms, LOOKUP_CHUNK).entries()) {
      const lookups = await this.perVm(
        vms.map((_, offset) => chunkIndex * LOOKUP_CHUNK + offset),
        'VM lookup failed',
        async () => (await vr.findVms({ ...target, vms: vms.map(({ name, id }) => ({ name, id })) })).vms,
      );
      lookups.forEach((lookup, offset) => {
        const index = chunkIndex * LOOKUP_CHUNK + offset;
        this.recordLookup(index, lookup);
        if (lookup.kind === 'found') found.push({ ...lookup, index });
      });
    }

    this.phase = 'configuring';
    const configure = async (batch: typeof found): Promise<void> => {
      const outcomes = await this.perVm(
        batch.map((vm) => vm.index),
        'configure request failed',
        async () =>
          (
            await vr.configureReplicationBatch({
              ...target,
              datastoreId: datastore.datastoreId,
              storagePolicyId: policy.storagePolicyId,
              replicationServerId: server.replicationServerId,
              vms: batch.map((vm) => ({
                vmId: vm.vmId,
                name: vm.name,
                disks: vm.disks,
                settings: withDefaults(input.settings, input.vms[vm.index]?.overrides),
              })),
            })
          ).vms,
      );
      for (const outcome of outcomes) this.recordConfigure(outcome);
    };
    const batches = chunk(found, input.batchSize ?? 20);
    if (patched('concurrent-configure-requests')) {
      // A few requests at once: a run of 100 VMs has sent its last one in about the time of one request.
      let next = 0;
      const sender = async () => {
        while (next < batches.length) await configure(batches[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(CONFIGURE_CONCURRENCY, batches.length) }, sender));
    } else {
      for (const batch of batches) await configure(batch);
    }

    await this.resumeWaiting('tasks');
  }

  /** login → pairing → remote login → datastore → policy (+compliance) → replication server. */
  private async lookUpTargets() {
    const { input, session } = this;
    this.phase = 'login';
    await vr.login(session);
    this.phase = 'pairing';
    const pairing = await vr.findPairing({ ...session, ...input.pairing });
    const target = { ...session, pairing };
    this.phase = 'remote login';
    await vr.remoteLogin(target);
    this.phase = 'datastore';
    const datastore = await vr.findTargetDatastore({ ...target, name: input.targetDatastore });
    this.phase = 'storage policy';
    const policy = await vr.findStoragePolicy({
      ...target,
      name: input.storagePolicy,
      datastoreId: datastore.datastoreId,
    });
    this.phase = 'replication server';
    const server = await vr.findReplicationServer({ ...target, name: input.replicationServer });
    return { pairing, datastore, policy, server };
  }

  /** The waiting part of the run; a run continued as new starts here. */
  private async resumeWaiting(stage: 'tasks' | 'initial-sync'): Promise<void> {
    if (stage === 'tasks') {
      this.phase = 'waiting for configure tasks';
      await this.waitForTasks();
      this.phase = 'reading replication status';
      // VR names the replication in the task result; ask for the others only.
      await this.readReplicationIds(this.vms.filter((vm) => vm.state === 'configured' && !vm.replicationId));
    }
    if ((this.input.waitFor ?? 'configured') === 'initial-sync') {
      this.phase = 'waiting for initial full sync';
      await this.waitForInitialSync(stage === 'initial-sync');
    }
  }

  /**
   * Waiting for an initial full sync can take days; continuing as new keeps every run's history bounded. The new
   * run gets the same session handle, pairing and per-VM state, and goes straight back to waiting.
   */
  private async continueAsNewIfLong(stage: 'tasks' | 'initial-sync'): Promise<void> {
    const info = workflowInfo();
    const limit = this.input.continueAsNewAfterEvents ?? HISTORY_EVENTS_BEFORE_CONTINUE;
    if (!info.continueAsNewSuggested && info.historyLength < limit) return;
    this.continuing = true;
    const { resume: _previous, ...input } = this.input;
    await continueAsNew<typeof configureReplicationWorkflow>({
      ...input,
      resume: {
        stage,
        sessionHandle: this.session.sessionHandle,
        pairing: { ...this.pairing },
        vms: this.vms.map((vm) => ({ ...vm })),
      },
    });
  }

  private recordLookup(index: number, lookup: VmLookup): void {
    const vm = this.vms[index];
    if (!vm) return;
    if ('vmId' in lookup) vm.vmId = lookup.vmId;
    if ('name' in lookup) vm.name = lookup.name;
    switch (lookup.kind) {
      case 'found':
        vm.state = 'resolved';
        return;
      case 'already-replicated':
        vm.replicationId = lookup.replicationId;
        return this.finish(vm, 'already-replicated', 'the VM already has a replication; left as it is');
      default:
        return this.finish(vm, lookup.kind, lookup.reason);
    }
  }

  private recordConfigure(outcome: ConfigureVmOutcome): void {
    const vm = this.vms.find(
      (candidate) => candidate.vmId === outcome.vmId && candidate.state === 'resolved',
    );
    if (!vm) return;
    if (outcome.kind === 'task') {
      vm.state = 'configuring';
      vm.taskId = outcome.taskId;
      vm.progress = 0;
    } else if (outcome.kind === 'configured') {
      vm.replicationId = outcome.replicationId;
      this.finish(
        vm,
        'configured',
        'confirmed on retry: the replication was created by an earlier attempt',
        100,
      );
    } else if (outcome.kind === 'already-replicated') {
      vm.replicationId = outcome.replicationId;
      this.finish(
        vm,
        'already-replicated',
        'the VM already had a replication when the batch was sent; left as it is',
      );
    } else {
      this.finish(vm, 'failed', outcome.reason);
    }
  }

  /** Polls every outstanding configure task with one activity per round, backing off between rounds. */
  private async waitForTasks(): Promise<void> {
    await this.pollUntilDone(
      'tasks',
      () => this.vms.filter((vm) => vm.state === 'configuring' && vm.taskId),
      async (pending, intervalMs) => {
        // Another run's poll a moment ago is as good as our own: the worker shares one cache per site.
        const { tasks, missing } = await vr.pollTasks({
          ...this.session,
          taskIds: pending.map((vm) => vm.taskId!),
          maxAgeMs: intervalMs,
        });
        for (const task of tasks) {
          const vm = pending.find((candidate) => candidate.taskId === task.taskId);
          if (!vm) continue;
          vm.progress = task.progress ?? vm.progress;
          vm.progressAt = task.observedAt;
          if (task.replicationId) vm.replicationId = task.replicationId;
          if (task.status === 'SUCCESS') this.finish(vm, 'configured');
          else if (task.status === 'ERROR')
            this.finish(vm, 'failed', `VR task ${task.taskId} failed: ${task.error ?? 'no reason given'}`);
          else if (task.status === 'CANCELLED')
            this.finish(vm, 'failed', `VR task ${task.taskId} was cancelled in VR`);
        }
        // A task VR no longer knows (VRMS restarted, task expired): the replication itself tells the outcome.
        for (const taskId of missing) {
          const vm = pending.find((candidate) => candidate.taskId === taskId);
          if (vm) vm.state = 'syncing';
        }
      },
    );
    const unknown = this.vms.filter((vm) => vm.state === 'syncing');
    if (unknown.length > 0) {
      await this.readReplicationIds(unknown);
      for (const vm of unknown) {
        if (vm.replicationId) this.finish(vm, 'configured', 'VR forgot the task; the replication exists');
        else
          this.finish(vm, 'failed', `VR no longer knows task ${vm.taskId ?? '?'} and no replication exists`);
      }
    }
  }

  private async readReplicationIds(vms = this.vms.filter((vm) => vm.state === 'configured')): Promise<void> {
    const pairing = this.pairing;
    if (!pairing) return;
    for (const group of chunk(vms, LOOKUP_CHUNK)) {
      const { replications } = await vr.getReplicationStatus({
        ...this.session,
        pairing,
        vmIds: group.map((vm) => vm.vmId!),
      });
      for (const replication of replications) {
        const vm = group.find((candidate) => candidate.vmId === replication.vmId);
        if (vm) vm.replicationId = replication.replicationId;
      }
    }
  }

  private async waitForInitialSync(resumed: boolean): Promise<void> {
    const pairing = this.pairing;
    if (!pairing) return;
    if (!resumed)
      for (const vm of this.vms.filter((candidate) => candidate.state === 'configured')) vm.state = 'syncing';
    await this.pollUntilDone(
      'initial-sync',
      () => this.vms.filter((vm) => vm.state === 'syncing'),
      async (pending) => {
        for (const group of chunk(pending, LOOKUP_CHUNK)) {
          const { replications } = await vr.getReplicationStatus({
            ...this.session,
            pairing,
            vmIds: group.map((vm) => vm.vmId!),
          });
          for (const replication of replications) {
            const vm = group.find((candidate) => candidate.vmId === replication.vmId);
            if (!vm) continue;
            vm.replicationId = replication.replicationId;
            vm.progress = replication.syncProgress ?? vm.progress;
            vm.progressAt = undefined;
            if (replication.status === 'OK') this.finish(vm, 'configured', undefined, 100);
            else if (replication.status?.startsWith('ERROR')) {
              this.finish(
                vm,
                'failed',
                `replication ${replication.replicationId} is in ${replication.status}: ${replication.configurationError ?? 'no details'}`,
              );
            }
          }
        }
      },
    );
  }

  /** Durable timers between short poll activities: no worker slot is held while VR works. */
  private async pollUntilDone(
    stage: 'tasks' | 'initial-sync',
    pending: () => VmProgress[],
    poll: (vms: VmProgress[], intervalMs: number) => Promise<void>,
  ): Promise<void> {
    const capMs = (this.input.pollIntervalCapSeconds ?? 300) * 1000;
    const firstMs = Math.min((this.input.pollIntervalSeconds ?? 5) * 1000, capMs);
    const estimate = patched('poll-at-estimated-completion') ? new CompletionEstimate() : undefined;
    let intervalMs = firstMs;
    let waitMs = firstMs;
    let maxAgeMs = firstMs;
    for (let outstanding = pending(); outstanding.length > 0; outstanding = pending()) {
      await sleep(waitMs);
      await poll(outstanding, maxAgeMs);
      intervalMs = Math.min(Math.round(intervalMs * 1.5), capMs);
      // Back off 1.5× per round, but poll at the time VR's progress says everything will be done when that is
      // sooner (never sooner than the first interval, so a site still gets at most one poll round per interval).
      // That poll wants a fresh answer (at most 1 s old: the worker's poller may wait for its next round); the
      // others take whatever another run's round brought within their wait.
      const remainingMs = estimate?.observe(pending(), Date.now());
      const early = remainingMs !== undefined && remainingMs < intervalMs;
      // An answer that was the same snapshot as before (another run's round) says nothing new: ask again after the
      // first interval, when a newer round is due, rather than backing off on it.
      const repeated = !early && estimate?.sawRepeat === true;
      waitMs = early ? Math.max(firstMs, remainingMs) : repeated ? firstMs : intervalMs;
      maxAgeMs = early ? Math.min(1000, waitMs) : waitMs;
      if (pending().length > 0) await this.continueAsNewIfLong(stage);
    }
  }

  /**
   * Runs an activity on behalf of some VMs. When it fails for good (retries exhausted or a non-retryable error), only
   * those VMs fail, with the cause, and the run goes on: one VM's failure never stops the others.
   */
  private async perVm<T>(indexes: number[], what: string, call: () => Promise<T[]>): Promise<T[]> {
    try {
      return await call();
    } catch (error) {
      if (isCancellation(error)) throw error;
      const cause =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      for (const index of indexes) {
        const vm = this.vms[index];
        if (vm && !TERMINAL_STATES.has(vm.state)) this.finish(vm, 'failed', `${what}: ${cause}`);
      }
      return [];
    }
  }

  private finish(vm: VmProgress, outcome: VmOutcome, reason?: string, progress?: number): void {
    vm.state = outcome;
    if (reason !== undefined) vm.reason = reason;
    if (progress !== undefined) vm.progress = progress;
  }

  private result(): ConfigureReplicationResult {
    const totals = emptyTotals();
    const vms: VmResult[] = this.vms.map((vm) => {
      const outcome: VmOutcome = TERMINAL_STATES.has(vm.state) ? (vm.state as VmOutcome) : 'failed';
      totals[outcome] += 1;
      return {
        requested: vm.requested,
        vmId: vm.vmId,
        name: vm.name,
        outcome,
        reason:
          vm.reason ?? (TERMINAL_STATES.has(vm.state) ? undefined : `run ended while the VM was ${vm.state}`),
        replicationId: vm.replicationId,
        taskId: vm.taskId,
      };
    });
    return {
      site: this.input.site,
      pairingId: this.pairing?.pairingId,
      waitFor: this.input.waitFor ?? 'configured',
      cancelled: this.cancelled,
      vms,
      totals,
    };
  }
}
