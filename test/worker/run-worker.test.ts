/**
 * runWorker against a real Temporal dev server and the simulator: it runs the workflow started through the typed
 * client API, answers the progress query, and on shutdown logs out the VR sessions it still holds, all while its
 * JSON log stays free of secrets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import {
  getConfigureResult,
  InvalidConfigureInputError,
  queryConfigureProgress,
  startConfigureReplication,
} from '../../client/api';
import type { RunningSimulator } from '../../simulator';
import { createJsonLogger } from '../../worker/logger';
import { runWorker } from '../../worker/run-worker';
import { openSessions, secretsOf, simSites, startTestSimulator } from '../support/simulator';
import { startTestTemporal, uniqueId, workflowBundle, type TestTemporal } from '../support/temporal';

let temporal: TestTemporal;
let sim: RunningSimulator;
/** Undone after the tests even when one fails midway, before Temporal and the simulator go. */
const undo: Array<() => Promise<unknown>> = [];

before(async () => {
  [temporal, sim] = await Promise.all([startTestTemporal(), startTestSimulator()]);
});
after(async () => {
  for (const step of undo.reverse()) await step().catch(() => undefined);
  await sim?.close();
  await temporal?.close();
});

const waitFor = async (condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

void describe('runWorker', () => {
  void test('runs a configure, answers the progress query, and logs out on shutdown', async () => {
    const lines: string[] = [];
    const running = await runWorker({
      sites: simSites(sim),
      address: temporal.server.address,
      taskQueue: uniqueId('run-worker'),
      logger: createJsonLogger({ level: 'debug', write: (line) => lines.push(line) }),
      workflowBundle: await workflowBundle(),
      shutdownGraceTime: '5s',
    });
    undo.push(() => running.shutdown());
    const client: Client = temporal.client;
    const waiting = await startConfigureReplication(
      client,
      {
        site: 'protected',
        pairing: { remoteVcenter: 'vc-recovery.sim.local' },
        vms: [{ name: 'app-1' }, { name: 'no-such-vm' }],
        targetDatastore: 'recovery-ds-1',
        pollIntervalSeconds: 1,
      },
      { taskQueue: running.taskQueue },
    );
    assert.match(waiting.workflowId, /^configure-protected-[0-9a-f]{8}$/);
    const result = await getConfigureResult(client, waiting.workflowId);
    assert.deepEqual(
      result.vms.map((vm) => [vm.requested, vm.outcome]),
      [
        ['app-1', 'configured'],
        ['no-such-vm', 'not-found'],
      ],
    );
    const progress = await queryConfigureProgress(client, waiting.workflowId);
    assert.equal(progress.vms.length, 2);

    // A run that sleeps between polls holds its session on this worker meanwhile.
    const holding = await startConfigureReplication(
      client,
      {
        site: 'protected',
        pairing: { remoteVcenter: 'vc-recovery.sim.local' },
        vms: [{ name: 'app-10' }],
        targetDatastore: 'recovery-ds-1',
        waitFor: 'initial-sync',
        pollIntervalSeconds: 600,
        pollIntervalCapSeconds: 600,
      },
      { taskQueue: running.taskQueue, workflowId: uniqueId('holding') },
    );
    undo.push(() => holding.terminate('test done'));
    await waitFor(
      async () =>
        openSessions(sim) > 0 &&
        (await queryConfigureProgress(client, holding.workflowId)).phase.startsWith('waiting for'),
    );

    await running.shutdown();
    await running.shutdown(); // idempotent
    assert.equal(running.worker.getState(), 'STOPPED');
    assert.equal(openSessions(sim), 0, 'shutdown logs out the cached VR sessions');

    const entries = lines.map((line) => JSON.parse(line) as { level: string; time: string; msg: string });
    assert.ok(entries.every((entry) => entry.level && entry.time && typeof entry.msg === 'string'));
    assert.ok(entries.some((entry) => entry.msg === 'worker started'));
    assert.equal(entries.at(-1)?.msg, 'worker stopped');
    const log = lines.join('\n');
    for (const secret of secretsOf(sim)) assert.ok(!log.includes(secret), 'a secret reached the worker log');
  });

  void test('startConfigureReplication validates before it calls Temporal', async () => {
    const untouchable = new Proxy({} as Client, {
      get: () => assert.fail('the client must not be used for an invalid input'),
    });
    await assert.rejects(
      startConfigureReplication(untouchable, {
        site: '',
        pairing: {},
        vms: [],
        targetDatastore: 'x',
      } as never),
      (error: unknown) => {
        assert.ok(error instanceof InvalidConfigureInputError);
        assert.ok(error.issues.some((issue) => issue.startsWith('input.site: ')));
        assert.ok(error.issues.some((issue) => issue.startsWith('input.pairing: ')));
        assert.ok(error.issues.some((issue) => issue.startsWith('input.vms: ')));
        return true;
      },
    );
  });
});
