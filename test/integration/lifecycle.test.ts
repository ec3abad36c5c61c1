/**
 * replicationOperationWorkflow end to end: a real Temporal dev server, in-process workers and the simulator over
 * HTTP. Every operation's happy path and idempotent repeat, invalid transitions, dry run (checked through the
 * simulator's control API), a worker replaced mid-operation, and an unreachable remote site.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { replicationOperationProgressQuery, replicationOperationWorkflow } from '../../workflows';
import type { ReplicationOperationInput, ReplicationOperationResult } from '../../workflows/lifecycle-input';
import type { RunningSimulator } from '../../simulator';
import type { ReplicationInfo } from '../../vr';
import {
  startTestTemporal,
  startTestWorker,
  uniqueId,
  type TestTemporal,
  type TestWorker,
} from '../support/temporal';
import { openSessions, simSites, startTestSimulator } from '../support/simulator';

let temporal: TestTemporal;

before(async () => {
  temporal = await startTestTemporal();
});
after(async () => {
  await temporal?.close();
});

type SimReplicationView = ReplicationInfo & { pairingId: string };

/** The simulator's own view of every replication (control API, no VR session). */
async function simReplications(sim: RunningSimulator): Promise<SimReplicationView[]> {
  const response = await fetch(`${sim.url}/sim/replications`);
  return ((await response.json()) as { list: SimReplicationView[] }).list;
}

async function simTasks(sim: RunningSimulator): Promise<Array<{ description_id?: string; entity?: string }>> {
  const response = await fetch(`${sim.url}/sim/tasks`);
  return ((await response.json()) as { list: Array<{ description_id?: string; entity?: string }> }).list;
}

const tasksOf = async (sim: RunningSimulator, word: RegExp) =>
  (await simTasks(sim)).filter((task) => word.test(task.description_id ?? ''));

async function setFaults(sim: RunningSimulator, faults: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sim.url}/sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  assert.equal(response.status, 200);
}

interface Lab {
  sim: RunningSimulator;
  worker: TestWorker;
  sitePairingId: string;
  run(input: Partial<ReplicationOperationInput>): Promise<ReplicationOperationResult>;
  close(): Promise<void>;
}

async function lab(simOptions: Parameters<typeof startTestSimulator>[0] = {}): Promise<Lab> {
  const sim = await startTestSimulator(simOptions);
  const state: { worker: TestWorker } = { worker: await startTestWorker(temporal, simSites(sim)) };
  return {
    sim,
    get worker() {
      return state.worker;
    },
    sitePairingId: sim.state.sitePairing!.id,
    run: (input) =>
      temporal.client.workflow.execute(replicationOperationWorkflow, {
        taskQueue: state.worker.taskQueue,
        workflowId: uniqueId(`lifecycle-${input.operation ?? 'op'}`),
        args: [baseInput(input)],
      }),
    close: async () => {
      await state.worker.stop();
      await sim.close();
    },
  };
}

const baseInput = (input: Partial<ReplicationOperationInput>): ReplicationOperationInput =>
  ({
    site: 'protected',
    pairing: { remoteVcenter: 'vc-recovery.sim.local' },
    operation: 'pause',
    selection: { vms: [{ name: 'replicated-1' }] },
    pollIntervalSeconds: 1,
    pollIntervalCapSeconds: 1,
    ...input,
  }) as ReplicationOperationInput;

const byName = (result: ReplicationOperationResult, name: string) =>
  result.replications.find((row) => row.requested === name);
const statusOn = async (sim: RunningSimulator, name: string) =>
  (await simReplications(sim)).find((replication) => replication.name === name)?.status?.status;

describe('replicationOperationWorkflow', () => {
  test('pause and resume: happy path, idempotent repeat, unknown VM, one outcome each', async () => {
    const { sim, run, close } = await lab();
    try {
      const selection = { vms: [{ name: 'replicated-1' }, { name: 'replicated-2' }, { name: 'no-such-vm' }] };
      const paused = await run({ operation: 'pause', selection });
      assert.equal(byName(paused, 'replicated-1')?.outcome, 'done');
      assert.equal(byName(paused, 'replicated-2')?.outcome, 'done');
      assert.equal(byName(paused, 'no-such-vm')?.outcome, 'not-found');
      assert.equal(paused.replications.length, 3);
      assert.equal(await statusOn(sim, 'replicated-1'), 'PAUSED');
      assert.equal(await statusOn(sim, 'replicated-2'), 'PAUSED');
      assert.equal((await tasksOf(sim, /pause/i)).length, 2);

      const again = await run({ operation: 'pause', selection });
      assert.equal(byName(again, 'replicated-1')?.outcome, 'already-in-state');
      assert.equal(byName(again, 'replicated-2')?.outcome, 'already-in-state');
      assert.equal((await tasksOf(sim, /pause/i)).length, 2, 'no pause sent to a paused replication');

      const resumed = await run({ operation: 'resume', selection });
      assert.equal(byName(resumed, 'replicated-1')?.outcome, 'done');
      assert.equal(await statusOn(sim, 'replicated-1'), 'OK');
      const resumedAgain = await run({ operation: 'resume', selection });
      assert.equal(byName(resumedAgain, 'replicated-1')?.outcome, 'already-in-state');
      assert.equal((await tasksOf(sim, /resume/i)).length, 2);
      assert.equal(openSessions(sim), 0, 'every run logged out');
    } finally {
      await close();
    }
  });

  test('sync: happy path, repeat, and sync of a paused replication is an invalid transition', async () => {
    const { sim, run, close } = await lab();
    try {
      const synced = await run({ operation: 'sync', selection: { vms: [{ name: 'replicated-1' }] } });
      assert.equal(byName(synced, 'replicated-1')?.outcome, 'done');
      const syncedAgain = await run({ operation: 'sync', selection: { vms: [{ name: 'replicated-1' }] } });
      assert.equal(byName(syncedAgain, 'replicated-1')?.outcome, 'done', 'a sync can always be repeated');
      assert.equal((await tasksOf(sim, /sync/i)).length, 2);

      await run({ operation: 'pause', selection: { vms: [{ name: 'replicated-2' }] } });
      const refused = await run({
        operation: 'sync',
        selection: { vms: [{ name: 'replicated-1' }, { name: 'replicated-2' }] },
      });
      assert.equal(byName(refused, 'replicated-1')?.outcome, 'done');
      const row = byName(refused, 'replicated-2');
      assert.equal(row?.outcome, 'invalid-transition');
      assert.match(row?.reason ?? '', /INVALID_STATE/);
      assert.match(row?.reason ?? '', /cannot be synchronized while PAUSED/);
      assert.equal(row?.statusBefore, 'PAUSED');
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('reconfigure: settings and disks change, repeat is already-in-state, a rejected spec fails that VM', async () => {
    const { sim, run, close } = await lab();
    try {
      const selection = { vms: [{ name: 'replicated-1' }] };
      const changes = { rpoMinutes: 30, networkCompression: false, pointInTimeEnabled: true };
      const result = await run({ operation: 'reconfigure', selection, reconfigure: changes });
      assert.equal(byName(result, 'replicated-1')?.outcome, 'done', byName(result, 'replicated-1')?.reason);
      const after = (await simReplications(sim)).find((replication) => replication.name === 'replicated-1');
      assert.equal(after?.rpo, 30);
      assert.equal(after?.network_compression_enabled, false);
      assert.equal(after?.mpit_enabled, true);
      assert.equal(after?.mpit_instances, 3);

      const again = await run({ operation: 'reconfigure', selection, reconfigure: changes });
      assert.equal(byName(again, 'replicated-1')?.outcome, 'already-in-state');
      assert.equal((await tasksOf(sim, /reconfigure/i)).length, 1);

      const missingDisk = await run({
        operation: 'reconfigure',
        selection,
        reconfigure: { disks: [{ label: 'Hard disk 99', enabled: false }] },
      });
      assert.equal(byName(missingDisk, 'replicated-1')?.outcome, 'failed');
      assert.match(byName(missingDisk, 'replicated-1')?.reason ?? '', /no disk labelled "Hard disk 99"/);
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('unconfigure and delete remove the replication; a repeat finds nothing and touches nothing', async () => {
    const { sim, run, close } = await lab();
    try {
      const unconfigured = await run({
        operation: 'unconfigure',
        selection: { vms: [{ name: 'replicated-1' }] },
        retainReplicaDisks: true,
      });
      assert.equal(byName(unconfigured, 'replicated-1')?.outcome, 'done');
      const deleted = await run({ operation: 'delete', selection: { vms: [{ name: 'replicated-2' }] } });
      assert.equal(byName(deleted, 'replicated-2')?.outcome, 'done');
      const names = (await simReplications(sim)).map((replication) => replication.name);
      assert.ok(!names.includes('replicated-1') && !names.includes('replicated-2'));

      const tasksBefore = (await simTasks(sim)).length;
      const repeat = await run({
        operation: 'delete',
        selection: { vms: [{ name: 'replicated-1' }, { name: 'replicated-2' }] },
      });
      assert.deepEqual(
        repeat.replications.map((row) => row.outcome),
        ['not-found', 'not-found'],
      );
      assert.equal((await simTasks(sim)).length, tasksBefore, 'no task started');
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('a pause whose answer is lost is retried without pausing twice (the running task is adopted)', async () => {
    const { sim, run, close } = await lab({ taskDurations: { queuedMs: 200, runningMs: 3_000 } });
    try {
      await setFaults(sim, {
        rules: [
          {
            endpoint: 'POST /pairings/{pairing_id}/replications/{replication_id}/actions/pause',
            kind: 'reset',
            afterHandler: true,
            count: 1,
          },
        ],
      });
      const result = await run({
        operation: 'pause',
        selection: { vms: [{ name: 'replicated-1' }, { name: 'replicated-2' }] },
        activityRetry: { initialIntervalSeconds: 0.2 },
      });
      for (const row of result.replications) assert.equal(row.outcome, 'done', row.reason);
      assert.match(byName(result, 'replicated-1')?.reason ?? '', /adopted/);
      assert.equal((await tasksOf(sim, /pause/i)).length, 2, 'one pause task per replication');
    } finally {
      await close();
    }
  });

  test('dry run returns the exact set a filter selects and changes nothing', async () => {
    const { sim, run, close, sitePairingId } = await lab();
    try {
      const before = await simReplications(sim);
      const expected = before
        .filter(
          (replication) =>
            replication.pairingId === sitePairingId && /^replicated-/.test(replication.name ?? ''),
        )
        .map((replication) => replication.id)
        .sort();
      assert.ok(expected.length >= 2);
      const result = await run({
        operation: 'delete',
        selection: { all: true, nameGlob: 'replicated-*', status: ['OK'] },
        dryRun: true,
      });
      assert.equal(result.dryRun, true);
      assert.deepEqual(result.replications.map((row) => row.replicationId).sort(), expected);
      assert.ok(result.replications.every((row) => row.outcome === 'skipped-dry-run'));
      // Everything but the periodic sync times, which move with the simulated clock.
      const stable = (list: SimReplicationView[]) =>
        list.map(
          ({ last_sync_time: _time, last_sync_duration: _duration, last_sync_size: _size, ...rest }) => rest,
        );
      assert.deepEqual(
        stable(await simReplications(sim)),
        stable(before),
        'the simulator state is unchanged',
      );
      assert.equal((await simTasks(sim)).length, 0, 'no VR task was started');
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('the worker is replaced while VR tasks run: every replication paused exactly once', async () => {
    const lab1 = await lab({ taskDurations: { queuedMs: 200, runningMs: 2_500 } });
    const { sim, sitePairingId } = lab1;
    let replacement: TestWorker | undefined;
    let firstStopped = false;
    try {
      const selected = (await simReplications(sim)).filter(
        (replication) => replication.pairingId === sitePairingId,
      );
      assert.ok(selected.length >= 10, `enough replications (${selected.length})`);
      const handle = await temporal.client.workflow.start(replicationOperationWorkflow, {
        taskQueue: lab1.worker.taskQueue,
        workflowId: uniqueId('lifecycle-restart'),
        args: [baseInput({ operation: 'pause', selection: { all: true }, batchSize: 5 })],
      });
      for (let waited = 0; ; waited += 100) {
        const progress = await handle.query(replicationOperationProgressQuery).catch(() => undefined);
        if (progress?.phase.includes('waiting for VR tasks') && progress.totals.waiting) break;
        assert.ok(waited < 30_000, 'the run reaches its first wait');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await lab1.worker.stop();
      firstStopped = true;
      replacement = await startTestWorker(temporal, simSites(sim), { taskQueue: lab1.worker.taskQueue });
      const result = await handle.result();
      assert.equal(result.replications.length, selected.length);
      for (const row of result.replications)
        assert.equal(row.outcome, 'done', `${row.requested}: ${row.reason}`);
      const pauses = await tasksOf(sim, /pause/i);
      assert.equal(pauses.length, selected.length, 'one pause task per replication');
      assert.equal(new Set(pauses.map((task) => task.entity)).size, selected.length);
      for (const replication of await simReplications(sim)) {
        if (replication.pairingId === sitePairingId) assert.equal(replication.status?.status, 'PAUSED');
      }
      await replacement.stop();
      replacement = undefined;
      assert.equal(openSessions(sim), 0, 'both workers logged out');
    } finally {
      if (!firstStopped) await lab1.worker.stop();
      await replacement?.stop();
      await sim.close();
    }
  });

  test('remote site unreachable: every operation fails clearly at remote login and logs out', async () => {
    const { sim, run, close } = await lab();
    try {
      await setFaults(sim, { remoteSiteUnreachable: true });
      for (const operation of ['pause', 'resume', 'sync', 'reconfigure', 'unconfigure', 'delete'] as const) {
        await assert.rejects(
          run({
            operation,
            ...(operation === 'reconfigure' ? { reconfigure: { rpoMinutes: 30 } } : {}),
            activityRetry: { maximumAttempts: 2, initialIntervalSeconds: 0.2 },
          }),
          (error: unknown) => {
            assert.ok(error instanceof WorkflowFailedError);
            assert.match(
              String(error.cause?.message),
              /remote login failed: .*503 Service Unavailable .*REMOTE_SITE_UNREACHABLE/,
            );
            return true;
          },
          operation,
        );
        assert.equal(openSessions(sim), 0, `${operation}: logged out`);
      }
      assert.equal((await simTasks(sim)).length, 0);
      assert.equal((await simReplications(sim)).filter((r) => r.status?.status === 'PAUSED').length, 0);
    } finally {
      await close();
    }
  });
});
