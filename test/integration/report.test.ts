/**
 * The read-only report workflows end to end: replication status across pairings (with issues), the "not protected
 * yet" list, the pairing list, and a pairing whose remote site is unreachable (reported, the rest still is).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  pairingListWorkflow,
  replicationOperationWorkflow,
  replicationReportWorkflow,
} from '../../workflows';
import type { ReplicationReportInput } from '../../workflows/pairing-input';
import type { ReplicationOperationInput } from '../../workflows/lifecycle-input';
import type { RunningSimulator } from '../../simulator';
import { startTestTemporal, startTestWorker, uniqueId, type TestTemporal } from '../support/temporal';
import { openSessions, simSites, startTestSimulator, suitableVmNames } from '../support/simulator';

let temporal: TestTemporal;

before(async () => {
  temporal = await startTestTemporal();
});
after(async () => {
  await temporal?.close();
});

async function simReplications(sim: RunningSimulator) {
  const response = await fetch(`${sim.url}/sim/replications`);
  return ((await response.json()) as { list: Array<{ id: string; pairingId: string; name?: string }> }).list;
}

describe('report workflows', () => {
  test('status of every replication across pairings, issues, and the VMs not protected yet', async () => {
    const sim = await startTestSimulator({ vms: 80 });
    const worker = await startTestWorker(temporal, simSites(sim));
    try {
      await temporal.client.workflow.execute(replicationOperationWorkflow, {
        taskQueue: worker.taskQueue,
        workflowId: uniqueId('report-pause'),
        args: [
          {
            site: 'protected',
            pairing: { remoteVcenter: 'vc-recovery.sim.local' },
            operation: 'pause',
            selection: { vms: [{ name: 'replicated-1' }] },
            pollIntervalSeconds: 1,
          } satisfies ReplicationOperationInput,
        ],
      });
      const report = await temporal.client.workflow.execute(replicationReportWorkflow, {
        taskQueue: worker.taskQueue,
        workflowId: uniqueId('report'),
        args: [{ site: 'protected', notProtected: true } satisfies ReplicationReportInput],
      });
      assert.equal(report.pairings.length, 2);
      assert.ok(report.pairings.every((pairing) => pairing.error === undefined));
      const expected = (await simReplications(sim)).map((replication) => replication.id).sort();
      assert.deepEqual(report.replications.map((row) => row.replicationId).sort(), expected);
      const paused = report.replications.find((row) => row.name === 'replicated-1');
      assert.equal(paused?.status, 'PAUSED');
      assert.ok(paused?.issues.some((issue) => /paused/i.test(issue)));
      const healthy = report.replications.find((row) => row.name === 'replicated-2');
      assert.equal(healthy?.status, 'OK');
      assert.equal(healthy?.rpoViolation, false);
      assert.ok((healthy?.lastSyncTime ?? 0) > 0 && (healthy?.lastSyncSizeBytes ?? 0) > 0);

      const suitable = (await suitableVmNames(sim, 1000, /^$/)).sort();
      assert.deepEqual(report.notProtected.map((vm) => vm.name).sort(), suitable);
      assert.ok(!report.notProtected.some((vm) => vm.name === 'replicated-1' || vm.name.startsWith('tmpl-')));

      const { pairings } = await temporal.client.workflow.execute(pairingListWorkflow, {
        taskQueue: worker.taskQueue,
        workflowId: uniqueId('pairings'),
        args: [{ site: 'protected' }],
      });
      assert.equal(pairings.length, 2);
      assert.equal(pairings.filter((pairing) => pairing.robo).length, 1);
      assert.equal(openSessions(sim), 0);
    } finally {
      await worker.stop();
      await sim.close();
    }
  });

  test('remote site unreachable: that pairing carries the error, the ROBO pairing is still reported', async () => {
    const sim = await startTestSimulator({ vms: 60 });
    const worker = await startTestWorker(temporal, simSites(sim));
    try {
      await fetch(`${sim.url}/sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ remoteSiteUnreachable: true }),
      });
      const report = await temporal.client.workflow.execute(replicationReportWorkflow, {
        taskQueue: worker.taskQueue,
        workflowId: uniqueId('report-unreachable'),
        args: [{ site: 'protected', activityRetry: { maximumAttempts: 2, initialIntervalSeconds: 0.2 } }],
      });
      const site = report.pairings.find((pairing) => !pairing.robo);
      const robo = report.pairings.find((pairing) => pairing.robo);
      assert.match(site?.error ?? '', /503 Service Unavailable .*REMOTE_SITE_UNREACHABLE/);
      assert.equal(robo?.error, undefined);
      const roboRows = (await simReplications(sim)).filter((r) => r.pairingId === robo?.pairingId);
      assert.ok(roboRows.length > 0);
      assert.deepEqual(
        report.replications.map((row) => row.replicationId).sort(),
        roboRows.map((row) => row.id).sort(),
      );
      assert.equal(openSessions(sim), 0);
    } finally {
      await worker.stop();
      await sim.close();
    }
  });
});
