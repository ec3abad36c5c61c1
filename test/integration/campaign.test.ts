/**
 * replicationCampaignWorkflow end to end: a real Temporal dev server (with the plugin's search attributes), an
 * in-process worker and the simulator over HTTP. A campaign of a few hundred VMs over the site pairing (selector)
 * and the ROBO pairing (VM list), paused and resumed, with a worker restart in the middle and continue-as-new:
 * every VM ends with exactly one outcome and the report matches what the simulator holds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  cancelCampaign,
  InvalidCampaignInputError,
  validateCampaignInput,
  campaignReport,
  getCampaignResult,
  listCampaigns,
  pauseCampaign,
  queryCampaignProgress,
  resumeCampaign,
  setCampaignInFlightLimit,
  startCampaign,
} from '../../client/campaign-api';
import { reportToCsv } from '../../client/campaign-report';
import type { ReplicationCampaignInput } from '../../workflows/campaign-input';
import { SIM_SITES } from '../../simulator';
import { startTestTemporal, startTestWorker, uniqueId, type TestTemporal } from '../support/temporal';
import { openSessions, simSites, startTestSimulator, suitableVmNames } from '../support/simulator';

let temporal: TestTemporal;
before(async () => {
  temporal = await startTestTemporal();
});
after(async () => {
  await temporal?.close();
});

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

describe('replicationCampaignWorkflow', () => {
  test('a few hundred VMs over two pairings, paused, resumed, worker restarted: one outcome per VM', async () => {
    const sim = await startTestSimulator({ vms: 420, taskDurations: { queuedMs: 100, runningMs: 300 } });
    let worker = await startTestWorker(temporal, simSites(sim));
    try {
      const initialReplications = new Set([...sim.state.replications.values()].map((r) => r.vm.id));
      // Group 2 (ROBO) lists VMs by name that group 1's selector does not take, plus two that it must report.
      const robo = (await suitableVmNames(sim, 1000, /^(app|web|db)-|^legacy-sata-1$/)).slice(0, 110);
      const input: ReplicationCampaignInput = {
        name: 'estate',
        groups: [
          {
            site: 'protected',
            pairing: { remoteVcenter: SIM_SITES.recovery.vcenterName },
            selector: { regex: '^(app|web|db)-', exclude: ['app-1', 'web-01'], include: ['tmpl-rhel9'] },
            targetDatastore: 'recovery-ds-1',
            settings: { rpoMinutes: 30 },
          },
          {
            site: 'protected',
            pairing: { pairingId: sim.state.roboPairing!.id },
            vms: [...robo, 'no-such-vm', 'replicated-1', 'legacy-sata-1'].map((name) => ({ name })),
            targetDatastore: 'protected-ds-1',
          },
        ],
        limits: { inFlightPerVrms: 3, vmsPerBatch: 20, historyEventsPerRun: 60 },
        pollIntervalSeconds: 1,
        pollIntervalCapSeconds: 1,
      };
      const campaignId = uniqueId('campaign-estate');
      const handle = await startCampaign(temporal.client, input, { campaignId, taskQueue: worker.taskQueue });

      // Pause once the first batches finished: no new batch may start until resumed.
      await waitFor(
        'first batches',
        async () => (await queryCampaignProgress(temporal.client, campaignId)).batchesCompleted >= 2,
      );
      const paused = await pauseCampaign(temporal.client, campaignId);
      assert.equal(paused.paused, true);
      await waitFor('in-flight batches to finish', async () => {
        const progress = await queryCampaignProgress(temporal.client, campaignId);
        return progress.batchesInFlight === 0;
      });
      const whilePaused = await queryCampaignProgress(temporal.client, campaignId);
      assert.equal(whilePaused.phase, 'paused');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const stillPaused = await queryCampaignProgress(temporal.client, campaignId);
      assert.equal(stillPaused.batchesStarted, whilePaused.batchesStarted, 'no batch starts while paused');
      assert.ok(stillPaused.queuedVms > 0);
      await assert.rejects(setCampaignInFlightLimit(temporal.client, campaignId, 0), (error: Error) => {
        assert.match(String((error.cause as Error | undefined)?.message), /integer from 1 to 50/);
        return true;
      });
      await setCampaignInFlightLimit(temporal.client, campaignId, 4);
      await resumeCampaign(temporal.client, campaignId);

      // Worker restart in the middle: stop the worker while batches run, then start another on the same queue.
      await waitFor('batches in flight after resume', async () => {
        const progress = await queryCampaignProgress(temporal.client, campaignId);
        return progress.batchesInFlight > 0 && progress.batchesStarted > stillPaused.batchesStarted;
      });
      await worker.stop();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      worker = await startTestWorker(temporal, simSites(sim), { taskQueue: worker.taskQueue });

      const result = await getCampaignResult(temporal.client, campaignId);
      assert.equal(result.outcome, 'some-failed');
      assert.ok(result.runs >= 2, `continued as new (runs: ${result.runs})`);
      const sum = Object.values(result.totals).reduce((a, b) => a + b, 0);
      assert.equal(sum, result.totalVms);

      const report = await campaignReport(temporal.client, campaignId);
      assert.equal(report.rows.length, result.totalVms);
      assert.deepEqual(
        report.totals,
        Object.fromEntries(Object.entries(result.totals).filter(([, n]) => n > 0)),
      );
      // Exactly one outcome per VM.
      const keys = report.rows.map((row) => `${row.pairing}|${row.vmId ?? row.requested}`);
      assert.equal(new Set(keys).size, keys.length, 'no VM reported twice');
      const byName = new Map(report.rows.map((row) => [row.name ?? row.requested, row]));
      assert.equal(byName.get('no-such-vm')?.outcome, 'not-found');
      assert.equal(byName.get('replicated-1')?.outcome, 'already-replicated');
      assert.equal(byName.get('tmpl-rhel9')?.outcome, 'unsuitable');
      // Its SATA disk cannot be replicated: the VM is configured with that disk left out, not refused whole.
      assert.equal(byName.get('legacy-sata-1')?.outcome, 'configured');
      const sata = [...sim.state.replications.values()].find(
        (replication) => replication.vm.name === 'legacy-sata-1',
      );
      assert.deepEqual(
        sata?.disks.filter((disk) => !disk.enabled).map((disk) => disk.vmDisk.supported_for_replication),
        [false],
      );
      assert.equal(byName.has('app-1'), false, 'excluded by name');
      for (const name of robo) assert.equal(byName.get(name)?.outcome, 'configured', name);

      // The report's counts match the simulator: every configured VM has exactly one new replication, no other VM has.
      const stats = sim.state.stats.toJSON().replicationsPerVm as Record<string, number>;
      assert.deepEqual(
        Object.entries(stats).filter(([, count]) => count > 1),
        [],
        'no VM configured twice',
      );
      const created = [...sim.state.replications.values()]
        .map((replication) => replication.vm.id)
        .filter((id) => !initialReplications.has(id))
        .sort();
      const configured = report.rows
        .filter((row) => row.outcome === 'configured')
        .map((row) => row.vmId!)
        .sort();
      assert.equal(configured.length, result.totals.configured);
      assert.deepEqual(configured, created);
      assert.ok(result.totalVms >= 200, `a few hundred VMs (${result.totalVms})`);

      // Batches carry their search attributes; the campaign is listed; CSV has one line per VM.
      const failedBatches = await temporal.client.workflow.count(
        `VrCampaignId = "${campaignId}" AND VrKind = "batch" AND VrOutcome != "ok"`,
      );
      assert.ok(failedBatches.count >= 1);
      const listed = await listCampaigns(temporal.client);
      assert.ok(listed.some((entry) => entry.campaignId === campaignId && entry.outcome === 'some-failed'));
      assert.equal(reportToCsv(report.rows).trimEnd().split('\r\n').length, report.rows.length + 1);
      const description = await handle.describe();
      assert.ok(description.historyLength < 10_000);
      assert.equal(openSessions(sim), 0, 'every batch logged out');
    } finally {
      await worker.stop();
      await sim.close();
    }
  });

  test('cancel: running batches are cancelled, queued VMs reported cancelled, report matches the simulator', async () => {
    const sim = await startTestSimulator({ vms: 200, taskDurations: { queuedMs: 200, runningMs: 1500 } });
    const worker = await startTestWorker(temporal, simSites(sim));
    try {
      const campaignId = uniqueId('campaign-cancel');
      await startCampaign(
        temporal.client,
        {
          name: 'cancel-me',
          groups: [
            {
              site: 'protected',
              pairing: { remoteVcenter: SIM_SITES.recovery.vcenterName },
              selector: { glob: '*' },
              targetDatastore: 'recovery-ds-1',
            },
          ],
          limits: { inFlightPerVrms: 1, vmsPerBatch: 10 },
          pollIntervalSeconds: 1,
          pollIntervalCapSeconds: 1,
        },
        { campaignId, taskQueue: worker.taskQueue },
      );
      await waitFor('a batch in flight', async () => {
        const progress = await queryCampaignProgress(temporal.client, campaignId);
        return progress.batchesCompleted >= 1 && progress.batchesInFlight === 1;
      });
      const cancelling = await cancelCampaign(temporal.client, campaignId, 'change window closed');
      assert.equal(cancelling.cancelRequested, true);
      await assert.rejects(pauseCampaign(temporal.client, campaignId));
      const result = await getCampaignResult(temporal.client, campaignId);
      assert.equal(result.outcome, 'cancelled');
      assert.ok(result.totals.cancelled > 0);
      const report = await campaignReport(temporal.client, campaignId);
      assert.equal(report.rows.length, result.totalVms);
      assert.ok(
        report.rows.some(
          (row) => row.outcome === 'cancelled' && /change window closed/.test(row.reason ?? ''),
        ),
      );
      const configured = report.rows.filter((row) => row.outcome === 'configured').length;
      const perVm = sim.state.stats.toJSON().replicationsPerVm as Record<string, number>;
      const configuredIds = report.rows.filter((row) => row.outcome === 'configured').map((row) => row.vmId!);
      assert.ok(configuredIds.every((id) => perVm[id] === 1));
      assert.equal(configured, result.totals.configured);
      assert.equal(openSessions(sim), 0);
    } finally {
      await worker.stop();
      await sim.close();
    }
  });

  test('invalid campaign files are rejected with the field named, and the CLI starts nothing', () => {
    const base = {
      name: 'x',
      groups: [{ site: 's', pairing: { pairingId: 'p' }, vms: [{ name: 'a' }], targetDatastore: 'd' }],
    };
    const issues = (input: unknown): string[] => {
      try {
        validateCampaignInput(input);
      } catch (error) {
        assert.ok(error instanceof InvalidCampaignInputError);
        return error.issues;
      }
      return [];
    };
    assert.deepEqual(issues(base), []);
    const group = base.groups[0]!;
    assert.match(
      issues({ ...base, groups: [{ ...group, selector: { glob: '*' } }] }).join(),
      /groups\[0\]: give exactly one of vms or selector/,
    );
    assert.match(
      issues({ ...base, groups: [group, { ...group, vms: [{ name: 'a' }] }] }).join(),
      /campaign\.groups\[1\]\.vms\[0\]: duplicate VM name a/,
    );
    assert.match(
      issues({ ...base, limits: { inFlightPerVrms: 51 } }).join(),
      /campaign\.limits\.inFlightPerVrms/,
    );
    assert.match(issues({ ...base, limits: { batchSize: 25 } }).join(), /campaign\.limits\.batchSize/);
    const { vms: _vms, ...noVms } = group;
    assert.match(
      issues({ ...base, groups: [{ ...noVms, selector: { regex: '(' } }] }).join(),
      /selector\.regex: not a valid regular expression/,
    );
    assert.match(
      issues({ ...base, groups: [{ ...noVms, selector: {} }] }).join(),
      /selector: give glob, regex or include/,
    );
    assert.match(issues({ ...base, name: 'a b' }).join(), /campaign\.name/);
    assert.match(issues({ ...base, state: {} }).join(), /campaign\.state: internal field/);

    const file = path.join(temporal.workDir, 'bad-campaign.yaml');
    writeFileSync(
      file,
      'name: bad\ngroups:\n  - site: protected\n    pairing: { pairingId: p }\n    targetDatastore: d\n',
    );
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'client/cli.ts', '--address', '127.0.0.1:1', 'campaign', 'start', '--file', file],
      { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' },
    );
    assert.equal(cli.status, 2, cli.stderr);
    assert.match(
      cli.stderr,
      /bad-campaign\.yaml: campaign\.groups\[0\]: give exactly one of vms or selector/,
    );
  });
});
