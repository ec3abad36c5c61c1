/**
 * pairingOperationWorkflow end to end (real Temporal dev server, in-process worker, simulator over HTTP): delete is
 * refused while replications remain, forced delete is single-sided (works with the remote site gone), create and
 * reconnect wait for VR's task, repeats are idempotent, and the remote password never reaches the history.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { pairingOperationWorkflow } from '../../workflows';
import type { PairingOperationInput, PairingOperationResult } from '../../workflows/pairing-input';
import { SIM_SITES, type RunningSimulator } from '../../simulator';
import { startTestTemporal, startTestWorker, uniqueId, type TestTemporal } from '../support/temporal';
import { openSessions, secretsOf, simSites, startTestSimulator } from '../support/simulator';

let temporal: TestTemporal;

before(async () => {
  temporal = await startTestTemporal();
});
after(async () => {
  await temporal?.close();
});

const RECOVERY = { remoteVcenter: SIM_SITES.recovery.vcenterName };

async function setFaults(sim: RunningSimulator, faults: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sim.url}/sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  assert.equal(response.status, 200);
}

async function lab(sites?: (sim: RunningSimulator) => ReturnType<typeof simSites>) {
  const sim = await startTestSimulator({ vms: 60 });
  const worker = await startTestWorker(temporal, sites ? sites(sim) : simSites(sim));
  const workflowIds: string[] = [];
  const run = (input: Record<string, unknown>): Promise<PairingOperationResult> => {
    const workflowId = uniqueId(`pairing-${String(input.operation)}`);
    workflowIds.push(workflowId);
    return temporal.client.workflow.execute(pairingOperationWorkflow, {
      taskQueue: worker.taskQueue,
      workflowId,
      args: [
        {
          site: 'protected',
          pollIntervalSeconds: 1,
          pollIntervalCapSeconds: 1,
          activityRetry: { maximumAttempts: 2, initialIntervalSeconds: 0.2 },
          ...input,
        } as PairingOperationInput,
      ],
    });
  };
  /** Every history of this lab, as JSON text (to look for secrets). */
  const histories = async () => {
    const texts: string[] = [];
    for (const id of workflowIds)
      texts.push(JSON.stringify(await temporal.client.workflow.getHandle(id).fetchHistory()));
    return texts.join('\n');
  };
  return {
    sim,
    run,
    histories,
    close: async () => {
      await worker.stop();
      await sim.close();
    },
  };
}

const sitePairing = (sim: RunningSimulator) =>
  sim.state.pairings.find((pairing) => pairing.remoteVcId === SIM_SITES.recovery.vcenterId);

describe('pairingOperationWorkflow', () => {
  test('delete is refused while replications remain; force deletes; a repeat is already-in-state', async () => {
    const { sim, run, close } = await lab();
    try {
      const refused = await run({ operation: 'delete', pairing: RECOVERY });
      assert.equal(refused.outcome, 'refused');
      assert.match(refused.reason ?? '', /still has replications \(.*replicated-1/);
      assert.ok(sitePairing(sim), 'the pairing is still there');

      const forced = await run({ operation: 'delete', pairing: RECOVERY, force: true });
      assert.equal(forced.outcome, 'done', forced.reason);
      assert.equal(sitePairing(sim), undefined);
      assert.equal(
        [...sim.state.replications.values()].filter((r) => r.pairingId === forced.pairingId).length,
        0,
      );
      const again = await run({ operation: 'delete', pairing: RECOVERY, force: true });
      assert.equal(again.outcome, 'already-in-state');
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('create waits for the task, repeats idempotently, never puts the password in the history', async () => {
    const { sim, run, histories, close } = await lab();
    try {
      await run({ operation: 'delete', pairing: RECOVERY, force: true });
      const input = {
        operation: 'create',
        remoteVcenterId: SIM_SITES.recovery.vcenterId,
        remoteVcenter: SIM_SITES.recovery.vcenterName,
      };
      const created = await run(input);
      assert.equal(created.outcome, 'done', created.reason);
      assert.equal(created.pairingId, sitePairing(sim)?.id);
      const again = await run(input);
      assert.equal(again.outcome, 'already-in-state');
      assert.equal(again.pairingId, created.pairingId);
      assert.equal(sim.state.pairings.length, 2);

      const reconnected = await run({ operation: 'reconnect', pairing: { pairingId: created.pairingId } });
      assert.equal(reconnected.outcome, 'done', reconnected.reason);
      assert.ok(reconnected.taskId);

      const text = await histories();
      for (const secret of secretsOf(sim)) assert.ok(!text.includes(secret), 'a secret is in a history');
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });

  test('wrong remote credentials: create and reconnect fail with VR task error', async () => {
    const { sim, run, close } = await lab((simulator) =>
      simSites(simulator, {
        remoteCredentials: [
          {
            vcenter: SIM_SITES.recovery.vcenterName,
            username: SIM_SITES.recovery.username,
            password: 'wrong',
          },
        ],
      }),
    );
    try {
      const reconnect = await run({ operation: 'reconnect', pairing: RECOVERY });
      assert.equal(reconnect.outcome, 'failed');
      assert.match(reconnect.reason ?? '', /invalid credentials/);
      await run({ operation: 'delete', pairing: RECOVERY, force: true });
      const created = await run({
        operation: 'create',
        remoteVcenterId: SIM_SITES.recovery.vcenterId,
        remoteVcenter: SIM_SITES.recovery.vcenterName,
      });
      assert.equal(created.outcome, 'failed');
      assert.match(created.reason ?? '', /invalid credentials/);
      assert.equal(sitePairing(sim), undefined);
    } finally {
      await close();
    }
  });

  test('remote site unreachable: a plain delete fails clearly, a forced (single-sided) delete works', async () => {
    const { sim, run, close } = await lab();
    try {
      await setFaults(sim, { remoteSiteUnreachable: true });
      await assert.rejects(run({ operation: 'delete', pairing: RECOVERY }), (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError);
        assert.match(String(error.cause?.message), /503 Service Unavailable .*REMOTE_SITE_UNREACHABLE/);
        return true;
      });
      assert.ok(sitePairing(sim));
      const forced = await run({ operation: 'delete', pairing: RECOVERY, force: true });
      assert.equal(forced.outcome, 'done', forced.reason);
      assert.equal(sitePairing(sim), undefined);
      assert.equal(openSessions(sim), 0);
    } finally {
      await close();
    }
  });
});
