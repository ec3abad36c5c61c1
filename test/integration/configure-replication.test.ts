/**
 * configureReplicationWorkflow end to end: a real Temporal dev server, an in-process worker and the simulator over
 * real HTTP. Each test has its own simulator, task queue and workflow id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { configureReplicationWorkflow, progressQuery } from '../../workflows';
import type {
  ConfigureReplicationInput,
  ConfigureReplicationResult,
} from '../../workflows/configure-replication-input';
import { SIM_SITES, type RunningSimulator } from '../../simulator';
import {
  startTestTemporal,
  startTestWorker,
  uniqueId,
  type TestTemporal,
  type TestWorker,
} from '../support/temporal';
import { openSessions, secretsOf, simSites, startTestSimulator, suitableVmNames } from '../support/simulator';

let temporal: TestTemporal;
const workflowIds: string[] = [];
const secrets = new Set<string>();

before(async () => {
  temporal = await startTestTemporal();
});
after(async () => {
  await temporal?.close();
});

interface Lab {
  sim: RunningSimulator;
  worker: TestWorker;
  run(input: Partial<ConfigureReplicationInput>): Promise<ConfigureReplicationResult>;
  close(): Promise<void>;
}

async function lab(simOptions: Parameters<typeof startTestSimulator>[0] = {}): Promise<Lab> {
  const sim = await startTestSimulator(simOptions);
  const worker = await startTestWorker(temporal, simSites(sim));
  return {
    sim,
    worker,
    run: async (input) => {
      const workflowId = uniqueId('configure');
      workflowIds.push(workflowId);
      return temporal.client.workflow.execute(configureReplicationWorkflow, {
        taskQueue: worker.taskQueue,
        workflowId,
        args: [baseInput(input)],
      });
    },
    close: async () => {
      await worker.stop();
      for (const secret of secretsOf(sim)) secrets.add(secret);
      await sim.close();
    },
  };
}

const baseInput = (input: Partial<ConfigureReplicationInput>): ConfigureReplicationInput => ({
  site: 'protected',
  pairing: { remoteVcenter: 'vc-recovery.sim.local' },
  vms: [],
  targetDatastore: 'recovery-ds-1',
  pollIntervalSeconds: 1,
  pollIntervalCapSeconds: 2,
  ...input,
});

const outcomeOf = (result: ConfigureReplicationResult, requested: string) =>
  result.vms.find((vm) => vm.requested === requested);

describe('configureReplicationWorkflow', () => {
  test('configures many VMs over several batches; reports trap names, unsuitable, replicated and unknown VMs', async () => {
    const { sim, run, close } = await lab();
    try {
      const names = await suitableVmNames(sim, 45);
      assert.equal(names.length, 45);
      const specials = ['app-1', 'tmpl-rhel9', 'restricted-1', 'replicated-1', 'no-such-vm'];
      const result = await run({
        vms: [...names, ...specials].map((name) => ({ name })),
        settings: { rpoMinutes: 15, networkCompression: true },
      });

      for (const name of names) assert.equal(outcomeOf(result, name)?.outcome, 'configured', name);
      assert.equal(outcomeOf(result, 'app-1')?.outcome, 'configured');
      assert.equal(outcomeOf(result, 'tmpl-rhel9')?.outcome, 'unsuitable');
      assert.match(outcomeOf(result, 'tmpl-rhel9')?.reason ?? '', /TEMPLATE/);
      assert.equal(outcomeOf(result, 'restricted-1')?.outcome, 'unsuitable');
      assert.match(outcomeOf(result, 'restricted-1')?.reason ?? '', /PERMISSION/);
      assert.equal(outcomeOf(result, 'replicated-1')?.outcome, 'already-replicated');
      assert.ok(outcomeOf(result, 'replicated-1')?.replicationId);
      assert.equal(outcomeOf(result, 'no-such-vm')?.outcome, 'not-found');
      assert.equal(result.totals.configured, 46);
      for (const vm of result.vms.filter((v) => v.outcome === 'configured'))
        assert.ok(vm.replicationId, vm.requested);

      // app-1 must not have dragged app-10 or app-100 along; every configured VM exactly once.
      const replicated = new Map(
        Object.entries(sim.state.stats.toJSON().replicationsPerVm as Record<string, number>),
      );
      const vmIdOf = (name: string) =>
        sim.state.inventory.vcenters.get(SIM_SITES.protected.vcenterId)?.vms.find((vm) => vm.name === name)
          ?.id;
      assert.equal(replicated.get(vmIdOf('app-10')!), undefined);
      assert.equal(replicated.get(vmIdOf('app-100')!), undefined);
      for (const vm of result.vms.filter((v) => v.outcome === 'configured'))
        assert.equal(replicated.get(vm.vmId!), 1, vm.requested);
      assert.equal(sim.state.stats.alreadyReplicatedConfigureAttempts, 0);
      const posts = sim.state.stats.requests.get('POST /pairings/{pairing_id}/replications')?.count ?? 0;
      assert.equal(posts, 3, '46 VMs go out in 3 configure requests of at most 20');
      const replicationsOnVr = [...sim.state.replications.values()].filter((r) => r.vm.name === 'app-1');
      assert.equal(replicationsOnVr[0]?.settings.rpo, 15);
      assert.equal(openSessions(sim), 0, 'logout ran');
    } finally {
      await close();
    }
  });

  test('ROBO pairing needs no remote login', async () => {
    const { sim, run, close } = await lab();
    try {
      const robo = sim.state.roboPairing!;
      const result = await run({
        pairing: { pairingId: robo.id },
        vms: [{ name: 'app-1' }],
        targetDatastore: 'protected-ds-1',
      });
      assert.equal(outcomeOf(result, 'app-1')?.outcome, 'configured');
      assert.equal(sim.state.stats.remoteLogins, 0);
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('a storage policy the datastore does not comply with fails the run with a clear error', async () => {
    const { sim, run, close } = await lab();
    try {
      const replicationsBefore = sim.state.replications.size;
      await assert.rejects(
        run({ vms: [{ name: 'app-1' }], storagePolicy: 'vSAN Default Storage Policy' }),
        (error: unknown) => {
          assert.ok(error instanceof WorkflowFailedError);
          const cause = (error.cause?.cause ?? error.cause) as Error | undefined;
          assert.match(
            String(cause?.message),
            /not compliant with storage policy "vSAN Default Storage Policy"/,
          );
          return true;
        },
      );
      assert.equal(sim.state.replications.size, replicationsBefore, 'nothing was configured');
      assert.equal(openSessions(sim), 0, 'logout ran after the failure');
    } finally {
      await close();
    }
  });

  test('a task ending in ERROR and a CANCELLED task fail only their VMs', async () => {
    const { sim, run, close } = await lab();
    try {
      const [ok1, bad, cancelled, ok2] = await suitableVmNames(sim, 4);
      await fetch(`${sim.url}/sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          taskOutcomes: [
            { vmName: bad, status: 'ERROR', message: 'Simulated datastore full' },
            { vmName: cancelled, status: 'CANCELLED' },
          ],
        }),
      });
      const result = await run({ vms: [ok1!, bad!, cancelled!, ok2!].map((name) => ({ name })) });
      assert.equal(outcomeOf(result, ok1!)?.outcome, 'configured');
      assert.equal(outcomeOf(result, ok2!)?.outcome, 'configured');
      assert.equal(outcomeOf(result, bad!)?.outcome, 'failed');
      assert.match(outcomeOf(result, bad!)?.reason ?? '', /Simulated datastore full/);
      assert.equal(outcomeOf(result, cancelled!)?.outcome, 'failed');
      assert.match(outcomeOf(result, cancelled!)?.reason ?? '', /cancelled/);
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('waits for a multi-hour initial full sync on a fast simulator clock', async () => {
    // Three simulated hours of sync at 3600x: about three real seconds.
    const { sim, run, close } = await lab({ initialSyncMs: 3 * 3600_000, clockSpeed: 3600 });
    try {
      const [name] = await suitableVmNames(sim, 1);
      const result = await run({ vms: [{ name: name! }], waitFor: 'initial-sync' });
      assert.equal(outcomeOf(result, name!)?.outcome, 'configured');
      const replication = [...sim.state.replications.values()].find((r) => r.vm.name === name);
      assert.ok(replication);
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('a long wait continues as new with bounded history and the same session', async () => {
    // 16 simulated hours at 1800x: about 32 s of polls every second, well past 200 events.
    const { sim, run, close } = await lab({ initialSyncMs: 16 * 3600_000, clockSpeed: 1800 });
    try {
      const names = await suitableVmNames(sim, 3);
      const loginsBefore = sim.state.stats.logins;
      const result = await run({
        vms: names.map((name) => ({ name })),
        waitFor: 'initial-sync',
        pollIntervalCapSeconds: 1,
        continueAsNewAfterEvents: 200,
      });
      assert.equal(result.totals.configured, 3);
      const workflowId = workflowIds[workflowIds.length - 1]!;
      const runs = [];
      for await (const execution of temporal.client.workflow.list({
        query: `WorkflowId = '${workflowId}'`,
      })) {
        runs.push(execution);
      }
      assert.ok(runs.length >= 2, `continued as new (${runs.length} runs)`);
      for (const execution of runs)
        assert.ok(execution.historyLength <= 260, `history ${execution.historyLength}`);
      assert.equal(sim.state.stats.logins - loginsBefore, 1, 'the continued runs kept the session');
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('session expiry, 429 bursts and 5xx are absorbed without failing the run', async () => {
    const { sim, run, close } = await lab({
      // A 5 s window (the real one is 60 s) keeps Retry-After waits short while still forcing 429 bursts.
      rateLimit: {
        enabled: true,
        perClientPerMinute: 12,
        perSessionPerMinute: 8,
        banMs: 1_000,
        windowMs: 5_000,
      },
      faults: {
        seed: 7,
        rules: [
          { endpoint: 'GET *', kind: 'error', rate: 0.15 },
          // The first configure POST is carried out, then answered with a 500: the retry must not configure twice.
          {
            endpoint: 'POST /pairings/{pairing_id}/replications',
            kind: 'error',
            afterHandler: true,
            count: 1,
          },
        ],
      },
    });
    try {
      const names = await suitableVmNames(sim, 30);
      const expiry = setInterval(() => sim.state.sessions.expire(), 1_500);
      const result = await run({ vms: names.map((name) => ({ name })) }).finally(() => clearInterval(expiry));
      assert.equal(
        result.totals.configured,
        30,
        JSON.stringify(result.vms.filter((v) => v.outcome !== 'configured')),
      );
      const stats = sim.state.stats.toJSON() as { replicationsPerVm: Record<string, number> };
      for (const vm of result.vms) assert.equal(stats.replicationsPerVm[vm.vmId!], 1, vm.requested);
      assert.equal(sim.state.stats.alreadyReplicatedConfigureAttempts, 0);
      assert.ok((sim.state.faults.injected.error ?? 0) > 0, 'faults were injected');
      assert.ok(sim.state.stats.rateLimited > 0, '429s were sent');
      assert.ok(sim.state.stats.logins > 1, 'the worker logged in again after expiry');
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('cancellation stops cleanly, reports what was done and logs out', async () => {
    const { sim, worker, close } = await lab({ taskDurations: { queuedMs: 60_000, runningMs: 60_000 } });
    try {
      const names = await suitableVmNames(sim, 3);
      const workflowId = uniqueId('configure-cancel');
      workflowIds.push(workflowId);
      const handle = await temporal.client.workflow.start(configureReplicationWorkflow, {
        taskQueue: worker.taskQueue,
        workflowId,
        args: [baseInput({ vms: names.map((name) => ({ name })) })],
      });
      for (let i = 0; i < 100; i++) {
        const progress = await handle.query(progressQuery);
        if (progress.phase === 'waiting for configure tasks') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await handle.cancel();
      const result = await handle.result();
      assert.equal(result.cancelled, true);
      assert.equal(result.totals.cancelled, 3);
      assert.match(result.vms[0]?.reason ?? '', /cancelled while VR task/);
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('invalid input fails at once, before any VR call, naming every bad field', async () => {
    const { sim, run, close } = await lab();
    try {
      await assert.rejects(
        run({ vms: [{ name: 'a' }, { name: 'a' }], settings: { rpoMinutes: 2 }, pairing: {} }),
        (error: unknown) => {
          assert.ok(error instanceof WorkflowFailedError);
          const message = String(error.cause?.message);
          assert.match(message, /input\.vms\[1\]: duplicate VM name a/);
          assert.match(message, /input\.settings\.rpoMinutes: RPO must be at least 5 minutes/);
          assert.match(message, /input\.pairing: give exactly one of/);
          return true;
        },
      );
      assert.equal(sim.state.stats.requests.size, 0);
    } finally {
      await close();
    }
  });

  test('no history holds a password, a Basic header or a session id', async () => {
    assert.ok(workflowIds.length >= 8);
    assert.ok(secrets.size > 4);
    for (const workflowId of workflowIds) {
      const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
      const text = JSON.stringify(history, (_key, value: unknown) =>
        value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
      );
      for (const secret of secrets)
        assert.equal(text.includes(secret), false, `${workflowId} leaks a secret`);
    }
  });
});
