/**
 * Scheduled DR onboarding end to end: a Temporal Schedule runs drOnboardingWorkflow; VMs are added to the simulator
 * between runs (POST /sim/vms) and each trigger protects only the new ones. A VM whose configure task keeps failing
 * is tried in maxFailedRuns runs, then reported and left alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listCampaigns } from '../../client/campaign-api';
import {
  createOnboardingSchedule,
  describeOnboardingSchedule,
  InvalidOnboardingInputError,
  listOnboardingSchedules,
} from '../../client/campaign-schedules';
import type { DrOnboardingInput, DrOnboardingResult } from '../../workflows/onboarding-input';
import { SIM_SITES, type RunningSimulator } from '../../simulator';
import { startTestTemporal, startTestWorker, uniqueId, type TestTemporal } from '../support/temporal';
import { openSessions, simSites, startTestSimulator } from '../support/simulator';

let temporal: TestTemporal;
before(async () => {
  temporal = await startTestTemporal();
});
after(async () => {
  await temporal?.close();
});

async function simPost(sim: RunningSimulator, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${sim.url}/sim/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, `POST /sim/${path}`);
  return response.json();
}

describe('drOnboardingWorkflow on a schedule', () => {
  test('new VMs get protected on each trigger, old ones untouched, a VM that keeps failing is given up on', async () => {
    const sim = await startTestSimulator({ vms: 60 });
    const worker = await startTestWorker(temporal, simSites(sim));
    const scheduleId = uniqueId('onboarding-branch');
    const vmId = (name: string) =>
      sim.state.inventory.vcenters.get(SIM_SITES.protected.vcenterId)!.vms.find((vm) => vm.name === name)!.id;
    try {
      await simPost(sim, 'vms', { count: 3, namePrefix: 'onb-' });
      await simPost(sim, 'faults', {
        taskOutcomes: [{ vmName: 'onb-2', status: 'ERROR', message: 'Simulated disk error.', count: 10 }],
      });
      const input: DrOnboardingInput = {
        name: 'branch',
        groups: [
          {
            site: 'protected',
            pairing: { remoteVcenter: SIM_SITES.recovery.vcenterName },
            selector: { glob: 'onb-*' },
            targetDatastore: 'recovery-ds-1',
          },
        ],
        maxFailedRuns: 2,
        pollIntervalSeconds: 1,
        pollIntervalCapSeconds: 1,
      };
      await assert.rejects(
        createOnboardingSchedule(temporal.client, input, {
          scheduleId,
          every: 'soon',
          taskQueue: worker.taskQueue,
        }),
        InvalidOnboardingInputError,
      );
      await createOnboardingSchedule(temporal.client, input, {
        scheduleId,
        every: '1h',
        taskQueue: worker.taskQueue,
      });
      const schedule = temporal.client.schedule.getHandle(scheduleId);

      /** Triggers the schedule and returns the result of the run it started. */
      const triggerAndWait = async (runNumber: number): Promise<DrOnboardingResult> => {
        await schedule.trigger();
        const deadline = Date.now() + 120_000;
        for (;;) {
          const { runs } = await describeOnboardingSchedule(temporal.client, scheduleId);
          const done = runs.filter((run) => run.status !== 'RUNNING');
          if (runs.length === runNumber && done.length === runNumber) {
            const latest = runs[0]!;
            return temporal.client.workflow.getHandle(latest.workflowId, latest.runId).result();
          }
          if (Date.now() > deadline)
            throw new Error(`run ${runNumber} did not finish: ${JSON.stringify(runs)}`);
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      };

      const first = await triggerAndWait(1);
      assert.equal(first.discovered, 3);
      assert.equal(first.campaign?.totals.configured, 2);
      assert.equal(first.campaign?.totals.failed, 1);
      assert.deepEqual(
        first.failureCounts.map((entry) => [entry.vmId, entry.failedRuns]),
        [[vmId('onb-2'), 1]],
      );
      const replicationOf = (name: string) =>
        [...sim.state.replications.values()].find((replication) => replication.vm.name === name)?.id;
      const firstReplications = ['onb-1', 'onb-3'].map(replicationOf);
      assert.ok(firstReplications.every(Boolean));

      // New VMs appear between runs.
      await simPost(sim, 'vms', { count: 2, namePrefix: 'onb-' });
      const second = await triggerAndWait(2);
      assert.equal(second.discovered, 3, 'onb-2 (still unprotected), onb-4, onb-5');
      assert.equal(second.campaign?.totals.configured, 2);
      assert.equal(second.campaign?.totals.failed, 1);
      assert.deepEqual(
        second.gaveUp.map((entry) => [entry.name, entry.failedRuns]),
        [['onb-2', 2]],
      );
      assert.match(second.gaveUp[0]?.lastReason ?? '', /Simulated disk error/);

      const third = await triggerAndWait(3);
      assert.equal(third.discovered, 0, 'nothing new; onb-2 is not tried again');
      assert.equal(third.campaignId, undefined);
      assert.deepEqual(
        third.gaveUp.map((entry) => entry.name),
        ['onb-2'],
      );

      // Old VMs untouched (same replication, configured once), new ones protected, onb-2 tried exactly twice.
      assert.deepEqual(['onb-1', 'onb-3'].map(replicationOf), firstReplications);
      const perVm = sim.state.stats.toJSON().replicationsPerVm as Record<string, number>;
      for (const name of ['onb-1', 'onb-3', 'onb-4', 'onb-5']) assert.equal(perVm[vmId(name)], 1, name);
      assert.equal(replicationOf('onb-2'), undefined);
      assert.equal(sim.state.faults.injected['task-error'], 2);

      // The schedule's runs are listed, and their campaigns appear as ordinary campaigns.
      const { description, runs } = await describeOnboardingSchedule(temporal.client, scheduleId);
      assert.equal(runs.length, 3);
      assert.equal(description.info.recentActions.length, 3);
      assert.equal(description.policies.overlap, 'SKIP');
      assert.ok(
        (await listOnboardingSchedules(temporal.client)).some((entry) => entry.scheduleId === scheduleId),
      );
      const campaigns = (await listCampaigns(temporal.client)).map((entry) => entry.campaignId);
      for (const run of [first, second]) assert.ok(campaigns.includes(run.campaignId!), run.campaignId);
      assert.equal(openSessions(sim), 0);
      await schedule.delete();
    } finally {
      await worker.stop();
      await sim.close();
    }
  });
});
