/**
 * Replication lifecycle activities: resolve a selection of replications (one paged list, exact names), and act on a
 * batch of them (pause, resume, sync, reconfigure, unconfigure, delete). Acting is idempotent: before every attempt
 * the activity re-reads each replication and VR's running tasks, so a retry after a crash adopts the task the dead
 * attempt started instead of sending the operation twice, and an operation whose effect is already there
 * (pausing a paused replication) is reported as such without a call.
 */
import { Context } from '@temporalio/activity';
import {
  collect,
  VrBadRequestError,
  VrForbiddenError,
  VrNotFoundError,
  type ReplicationInfo,
  type Task,
  type VrSession,
} from '../vr';
import { asActivity, describeVrError } from './failures';
import { reconfigureSpecFor } from './lifecycle-reconfigure';
import type { SessionManager } from './session-manager';
import type { PairingRef } from './types';
import type {
  ReconfigureChanges,
  ReplicationOperation,
  ReplicationSelection,
} from '../workflows/lifecycle-input';

/** A replication as the workflow tracks it. */
export interface ReplicationRef {
  replicationId: string;
  vmId?: string;
  name?: string;
  status?: string;
}

export type ReplicationMatch =
  | { requested: string; kind: 'found'; replication: ReplicationRef }
  /** The same replication was already selected by an earlier entry (`firstRequested`). */
  | { requested: string; kind: 'duplicate'; firstRequested: string; replication: ReplicationRef }
  | { requested: string; kind: 'not-found' | 'ambiguous-name'; reason: string };

export interface ResolveReplicationsInput extends PairingRef {
  selection: ReplicationSelection;
}
export interface ResolveReplicationsResult {
  matches: ReplicationMatch[];
}

export interface ApplyOperationInput extends PairingRef {
  operation: ReplicationOperation;
  replications: Array<{ replicationId: string; name?: string }>;
  reconfigure?: ReconfigureChanges;
  retainReplicaDisks?: boolean;
}

export type ApplyOutcome =
  | { replicationId: string; kind: 'task'; taskId: string; adopted: boolean }
  | {
      replicationId: string;
      kind: 'done' | 'already-in-state' | 'invalid-transition' | 'not-found' | 'failed';
      reason: string;
    };

export interface ApplyOperationResult {
  outcomes: ApplyOutcome[];
}

/** Ids per list request (repeated `filter` values keep the URL short). */
const IDS_PER_REQUEST = 20;

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );

/** `*` any text, `?` one character, the rest literal; the whole name must match. */
export const globToRegExp = (glob: string): RegExp =>
  new RegExp(
    `^${glob
      .split('')
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('')}$`,
  );

const refOf = (replication: ReplicationInfo): ReplicationRef => ({
  replicationId: replication.id,
  vmId: replication.vm_id ?? undefined,
  name: replication.name ?? undefined,
  status: replication.status?.status ?? undefined,
});

/** Words VR uses in a task's description / description_id for each operation. */
const TASK_WORDS: Record<ReplicationOperation, RegExp> = {
  pause: /pause/i,
  resume: /resume/i,
  sync: /sync/i,
  reconfigure: /reconfigure/i,
  unconfigure: /unconfigure/i,
  delete: /destroy|delete|remove/i,
};

const isRunningTaskOf = (task: Task, operation: ReplicationOperation): boolean =>
  (task.status === 'QUEUED' || task.status === 'RUNNING') &&
  TASK_WORDS[operation].test(`${task.description_id ?? ''} ${task.description ?? ''}`) &&
  !(operation !== 'unconfigure' && /unconfigure/i.test(`${task.description_id ?? ''}`));

export function matchSelection(list: ReplicationInfo[], selection: ReplicationSelection): ReplicationMatch[] {
  if ('all' in selection) {
    const glob = selection.nameGlob === undefined ? undefined : globToRegExp(selection.nameGlob);
    return list
      .filter((replication) => {
        const name = replication.name ?? '';
        const status = replication.status?.status ?? 'UNKNOWN';
        return (
          (selection.status === undefined || selection.status.includes(status)) &&
          (selection.nameContains === undefined || name.includes(selection.nameContains)) &&
          (glob === undefined || glob.test(name))
        );
      })
      .map((replication) => ({
        requested: replication.name ?? replication.id,
        kind: 'found',
        replication: refOf(replication),
      }));
  }
  const chosen = new Map<string, string>();
  return selection.vms.map((vm): ReplicationMatch => {
    const requested = vm.name ?? vm.id ?? '';
    const candidates =
      vm.name !== undefined
        ? list.filter((replication) => replication.name === vm.name)
        : list.filter((replication) => replication.vm_id === vm.id || replication.id === vm.id);
    if (candidates.length === 0) {
      const what =
        vm.name !== undefined ? `named exactly "${vm.name}"` : `with VM or replication id ${vm.id}`;
      return { requested, kind: 'not-found', reason: `no replicated VM ${what} in this pairing` };
    }
    if (candidates.length > 1) {
      return {
        requested,
        kind: 'ambiguous-name',
        reason: `${candidates.length} replicated VMs are named "${requested}" (${candidates
          .map((replication) => replication.vm_id ?? replication.id)
          .join(', ')}); request them by id`,
      };
    }
    const replication = refOf(candidates[0]!);
    const first = chosen.get(replication.replicationId);
    if (first !== undefined) return { requested, kind: 'duplicate', firstRequested: first, replication };
    chosen.set(replication.replicationId, requested);
    return { requested, kind: 'found', replication };
  });
}

async function currentReplications(
  session: VrSession,
  pairingId: string,
  ids: string[],
): Promise<Map<string, ReplicationInfo>> {
  const found = new Map<string, ReplicationInfo>();
  for (const filter of chunks(ids, IDS_PER_REQUEST)) {
    for await (const replication of session.listReplications(pairingId, { filterProperty: 'id', filter })) {
      if (filter.includes(replication.id)) found.set(replication.id, replication);
    }
  }
  return found;
}

async function runningTasks(
  session: VrSession,
  ids: string[],
  operation: ReplicationOperation,
): Promise<Map<string, string>> {
  const running = new Map<string, string>();
  for (const filter of chunks(ids, IDS_PER_REQUEST)) {
    for await (const task of session.listTasks({ filterProperty: 'entity', filter })) {
      if (task.entity && filter.includes(task.entity) && isRunningTaskOf(task, operation))
        running.set(task.entity, task.id);
    }
  }
  return running;
}

/** The call for one replication; a `reason` instead of a call when its effect is already there. */
async function prepare(
  session: VrSession,
  input: ApplyOperationInput,
  current: ReplicationInfo,
): Promise<{ call: () => Promise<Task> } | { kind: 'already-in-state' | 'failed'; reason: string }> {
  const pairingId = input.pairing.pairingId;
  const id = current.id;
  const status = current.status?.status ?? 'UNKNOWN';
  const retain = { retainReplicaDisks: input.retainReplicaDisks };
  switch (input.operation) {
    case 'pause':
      if (status === 'PAUSED') return { kind: 'already-in-state', reason: 'already paused' };
      return { call: () => session.pauseReplication(pairingId, id) };
    case 'resume':
      if (status !== 'PAUSED') return { kind: 'already-in-state', reason: `not paused (status ${status})` };
      return { call: () => session.resumeReplication(pairingId, id) };
    case 'sync':
      // VR decides whether the state allows a sync (a paused one does not: 400 INVALID_STATE).
      return { call: () => session.syncReplication(pairingId, id) };
    case 'reconfigure': {
      const disks = await collect(session.listReplicationDisks(pairingId, id));
      const planned = reconfigureSpecFor(current, disks, input.reconfigure ?? {});
      if ('problem' in planned) return { kind: 'failed', reason: planned.problem };
      if (!planned.changed)
        return { kind: 'already-in-state', reason: 'the replication already has these settings' };
      return { call: () => session.reconfigureReplication(pairingId, id, planned.spec) };
    }
    case 'unconfigure':
      return { call: () => session.unconfigureReplication(pairingId, id, retain) };
    case 'delete':
      return { call: () => session.deleteReplication(pairingId, id, retain) };
  }
}

/** VR's refusals become outcomes; anything else (5xx, network, 401) is thrown for the retry policy. */
function refusal(
  error: unknown,
): { kind: 'invalid-transition' | 'not-found' | 'failed'; reason: string } | undefined {
  if (error instanceof VrNotFoundError)
    return { kind: 'not-found', reason: `the replication no longer exists: ${describeVrError(error)}` };
  if (error instanceof VrBadRequestError) {
    const invalidState = error.code === 'VR_CONFLICT' || /STATE/i.test(error.vrErrorCode ?? '');
    return {
      kind: invalidState ? 'invalid-transition' : 'failed',
      reason: `${invalidState ? 'VR refused in this state' : 'VR rejected the request'}: ${describeVrError(error)}`,
    };
  }
  if (error instanceof VrForbiddenError)
    return { kind: 'failed', reason: `VR denied the operation: ${describeVrError(error)}` };
  return undefined;
}

async function applyOperation(session: VrSession, input: ApplyOperationInput): Promise<ApplyOperationResult> {
  const context = Context.current();
  const ids = input.replications.map((replication) => replication.replicationId);
  const current = await currentReplications(session, input.pairing.pairingId, ids);
  const running = await runningTasks(session, ids, input.operation);
  // Tasks an earlier attempt of this activity started and reported in its heartbeat.
  const started: Record<string, string> = {
    ...((context.info.heartbeatDetails as { started?: Record<string, string> } | undefined)?.started ?? {}),
  };
  const retried = context.info.attempt > 1;
  context.heartbeat({ started });
  const outcomes: ApplyOutcome[] = [];
  for (const replicationId of ids) {
    const adoptable = started[replicationId] ?? running.get(replicationId);
    if (adoptable !== undefined) {
      outcomes.push({ replicationId, kind: 'task', taskId: adoptable, adopted: true });
      continue;
    }
    const replication = current.get(replicationId);
    if (!replication) {
      const removal = input.operation === 'unconfigure' || input.operation === 'delete';
      if (removal && retried)
        outcomes.push({ replicationId, kind: 'done', reason: 'removed (confirmed on retry)' });
      else if (removal)
        outcomes.push({
          replicationId,
          kind: 'already-in-state',
          reason: 'the replication no longer exists',
        });
      else outcomes.push({ replicationId, kind: 'not-found', reason: 'the replication no longer exists' });
      continue;
    }
    const plan = await prepare(session, input, replication);
    context.heartbeat({ started });
    if (!('call' in plan)) {
      outcomes.push({ replicationId, ...plan });
      continue;
    }
    try {
      const task = await plan.call();
      started[replicationId] = task.id;
      context.heartbeat({ started });
      outcomes.push({ replicationId, kind: 'task', taskId: task.id, adopted: false });
    } catch (error) {
      const refused = refusal(error);
      if (!refused) throw error;
      outcomes.push({ replicationId, ...refused });
    }
  }
  return { outcomes };
}

export function createLifecycleActivities(sessions: SessionManager) {
  return {
    /** One paged list of the pairing's replications, matched exactly against the selection. */
    async resolveReplicationSelection(input: ResolveReplicationsInput): Promise<ResolveReplicationsResult> {
      return asActivity(`list the replications of pairing ${input.pairing.pairingId}`, () =>
        sessions.withSession(
          input,
          async (session) => {
            const list = await collect(session.listReplications(input.pairing.pairingId));
            return { matches: matchSelection(list, input.selection) };
          },
          input.pairing,
        ),
      );
    },

    /** Acts on a batch of replications; heartbeats the tasks it started so that a retry adopts them. */
    async applyReplicationOperation(input: ApplyOperationInput): Promise<ApplyOperationResult> {
      return asActivity(
        `${input.operation} ${input.replications.length} replications`,
        () => sessions.withSession(input, (session) => applyOperation(session, input), input.pairing),
        { heartbeat: false },
      );
    },
  };
}
