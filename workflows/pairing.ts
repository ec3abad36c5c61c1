/**
 * pairingOperationWorkflow: create, reconnect or delete a site pairing and wait for VR's task.
 * login → [find the pairing] → start (idempotent: an existing pairing or running task is reported or adopted; a
 * pairing that still has replications is not deleted without force) → wait for the task → logout (always).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  sleep,
  uuid4,
} from '@temporalio/workflow';
import type { StartPairingOperationResult } from '../activities/pairing-activities';
import type { PairingSummary, SessionRef } from '../activities/types';
import { formatInputIssues } from './configure-replication-input';
import { activitiesWithRetry, causeOf } from './lifecycle-support';
import {
  PairingOperationInputSchema,
  type PairingOperationInput,
  type PairingOperationResult,
} from './pairing-input';

const isPairingNotFound = (error: unknown): boolean =>
  error instanceof ActivityFailure &&
  error.cause instanceof ApplicationFailure &&
  (error.cause.type === 'PairingNotFound' || error.cause.type === 'VR_NOT_FOUND');

export async function pairingOperationWorkflow(
  input: PairingOperationInput,
): Promise<PairingOperationResult> {
  const parsed = PairingOperationInputSchema.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid pairing operation input:\n${formatInputIssues(parsed.error)}`,
      'InvalidInput',
    );
  }
  const request = parsed.data;
  const { vr, cleanup } = activitiesWithRetry(request.activityRetry);
  const session: SessionRef = { site: request.site, sessionHandle: uuid4() };
  const result: PairingOperationResult = {
    site: request.site,
    operation: request.operation,
    outcome: 'failed',
  };
  try {
    await vr.login(session);
    let pairing: PairingSummary | undefined;
    let started: StartPairingOperationResult;
    if (request.operation === 'create') {
      started = await vr.startPairingOperation({
        ...session,
        operation: 'create',
        remoteVcenterId: request.remoteVcenterId,
        remoteVcenter: request.remoteVcenter,
        psc: request.psc,
      });
    } else {
      try {
        pairing = await vr.findPairing({ ...session, ...request.pairing });
      } catch (error) {
        // Deleting a pairing that does not exist (any more) leaves the state as asked.
        if (request.operation !== 'delete' || !isPairingNotFound(error)) throw error;
        result.outcome = 'already-in-state';
        result.reason = `no such pairing: ${causeOf(error)}`;
        return result;
      }
      result.pairingId = pairing.pairingId;
      started =
        request.operation === 'reconnect'
          ? await vr.startPairingOperation({ ...session, operation: 'reconnect', pairing, psc: request.psc })
          : await vr.startPairingOperation({
              ...session,
              operation: 'delete',
              pairing,
              force: request.force ?? false,
            });
    }
    if (started.kind !== 'task') {
      result.outcome = started.kind;
      result.reason = started.reason;
      if (started.kind === 'already-in-state' && started.pairingId) result.pairingId = started.pairingId;
    } else {
      result.taskId = started.taskId;
      const task = await waitForTask(request, session, started.taskId);
      result.outcome = task.status === 'SUCCESS' ? 'done' : 'failed';
      if (task.status !== 'SUCCESS') result.reason = task.reason;
      if (task.status === 'SUCCESS' && request.operation === 'create') {
        // VR's task result names the new pairing on some versions; asking for it by vCenter works on all.
        const created = await vr.findPairing({ ...session, remoteVcenter: request.remoteVcenterId });
        result.pairingId = created.pairingId;
      }
    }
  } catch (error) {
    if (isCancellation(error)) throw error;
    throw ApplicationFailure.nonRetryable(
      `pairing ${request.operation} failed: ${causeOf(error)}`,
      'PairingOperationFailed',
    );
  } finally {
    // Logout always runs, also on failure and cancellation: VR keeps a bounded session pool.
    await CancellationScope.nonCancellable(() => cleanup.logout(session)).catch((error: unknown) =>
      log.warn('logout failed; the session will expire on its own', { error: String(error) }),
    );
  }
  return result;

  async function waitForTask(
    options: { pollIntervalSeconds?: number; pollIntervalCapSeconds?: number },
    ref: SessionRef,
    taskId: string,
  ): Promise<{ status: string; reason?: string }> {
    const capMs = (options.pollIntervalCapSeconds ?? 60) * 1000;
    let intervalMs = Math.min((options.pollIntervalSeconds ?? 5) * 1000, capMs);
    for (;;) {
      await sleep(intervalMs);
      intervalMs = Math.min(Math.round(intervalMs * 1.5), capMs);
      const { tasks, missing } = await vr.pollTasks({ ...ref, taskIds: [taskId] });
      if (missing.includes(taskId)) return { status: 'ERROR', reason: `VR no longer knows task ${taskId}` };
      const task = tasks[0];
      if (!task || task.status === 'QUEUED' || task.status === 'RUNNING') continue;
      if (task.status === 'SUCCESS') return { status: 'SUCCESS' };
      return {
        status: task.status,
        reason: `VR task ${taskId} ${task.status === 'CANCELLED' ? 'was cancelled' : 'failed'}: ${task.error ?? 'no reason given'}`,
      };
    }
  }
}
