/**
 * Scale benchmark of replicationCampaignWorkflow (not a test): a campaign of 10,000 VMs against the simulator with a
 * fast task clock and no rate limit, the worker in its own process (`worker/main.ts`) so its memory can be read
 * from /proc. Prints wall time, the worker's peak RSS, the largest history (every campaign run, every batch) and
 * checks that every VM is accounted for exactly once and matches the simulator.
 *
 *   npm run bench:scale -- [--vms 10000] [--in-flight 20] [--clock-speed 20] [--events-per-run 2000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  campaignReport,
  getCampaignResult,
  queryCampaignProgress,
  startCampaign,
} from '../client/campaign-api';
import { progressLine } from '../client/campaign-progress-bar';
import { SIM_SITES, startSimulator } from '../simulator';
import { startEmbeddedTemporal } from '../worker/embedded-temporal';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const VMS = argument('vms', 10_000);
const IN_FLIGHT = argument('in-flight', 20);
const CLOCK_SPEED = argument('clock-speed', 20);
const EVENTS_PER_RUN = argument('events-per-run', 2000);
const repoRoot = path.resolve(__dirname, '..');

const procStatus = (pid: number, field: 'VmRSS' | 'VmHWM'): number => {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
};
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function startWorker(sitesFile: string, address: string, taskQueue: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'worker/main.ts', '--sites', sitesFile, '--task-queue', taskQueue],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        SIM_PROTECTED_PASSWORD: SIM_SITES.protected.password,
        SIM_RECOVERY_PASSWORD: SIM_SITES.recovery.password,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes('worker started')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}:\n${output}`)));
  });
  // Keep draining its log so the pipe never blocks it.
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'vr-bench-scale-'));
  const temporal = await startEmbeddedTemporal({ uiPort: false, searchAttributes: SEARCH_ATTRIBUTES });
  const sim = await startSimulator({
    vms: 100,
    rateLimit: { enabled: false },
    clockSpeed: CLOCK_SPEED,
    sessionPoolSize: 1000,
  });
  const added = await fetch(`${sim.url}/sim/vms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count: VMS, namePrefix: 'scale-' }),
  });
  if (added.status !== 200) throw new Error(`POST /sim/vms answered ${added.status}`);
  const sitesFile = path.join(workDir, 'sites.json');
  writeFileSync(
    sitesFile,
    JSON.stringify({
      sites: {
        protected: {
          url: sim.url,
          username: SIM_SITES.protected.username,
          password: { env: 'SIM_PROTECTED_PASSWORD' },
          remoteCredentials: [
            {
              vcenter: SIM_SITES.recovery.vcenterName,
              username: SIM_SITES.recovery.username,
              password: { env: 'SIM_RECOVERY_PASSWORD' },
            },
          ],
          pacing: { perClientPerMinute: 100_000, perSessionPerMinute: 100_000 },
        },
      },
    }),
  );
  const taskQueue = 'bench-campaign-scale';
  const worker = await startWorker(sitesFile, temporal.address, taskQueue);
  const pid = worker.pid!;
  let peakSampledRss = procStatus(pid, 'VmRSS');
  const rssAtStart = peakSampledRss;
  const sampler = setInterval(() => {
    try {
      peakSampledRss = Math.max(peakSampledRss, procStatus(pid, 'VmRSS'));
    } catch {
      // the worker is gone
    }
  }, 500);

  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const campaignId = `campaign-scale-${Date.now()}`;
  const started = Date.now();
  try {
    await startCampaign(
      client,
      {
        name: 'scale',
        groups: [
          {
            site: 'protected',
            pairing: { remoteVcenter: SIM_SITES.recovery.vcenterName },
            selector: { glob: 'scale-*' },
            targetDatastore: 'recovery-ds-1',
          },
        ],
        limits: { inFlightPerVrms: IN_FLIGHT, vmsPerBatch: 20, historyEventsPerRun: EVENTS_PER_RUN },
        pollIntervalSeconds: 1,
        pollIntervalCapSeconds: 2,
      },
      { campaignId, taskQueue },
    );
    const reporter = setInterval(() => {
      queryCampaignProgress(client, campaignId).then(
        (progress) =>
          console.error(
            `${((Date.now() - started) / 1000).toFixed(0)}s ${progressLine(progress)} | worker RSS ${mib(procStatus(pid, 'VmRSS'))}`,
          ),
        () => undefined,
      );
    }, 15_000);
    const result = await getCampaignResult(client, campaignId).finally(() => clearInterval(reporter));
    const wallMs = Date.now() - started;
    const peakRss = Math.max(procStatus(pid, 'VmHWM'), peakSampledRss);

    // Histories: every run of the campaign and every batch (visibility has historyLength of closed runs).
    const histories = async (query: string) => {
      const lengths: Array<{ id: string; length: number }> = [];
      for await (const execution of client.workflow.list({ query }))
        lengths.push({ id: `${execution.workflowId} ${execution.runId}`, length: execution.historyLength });
      return lengths;
    };
    const campaignRuns = await histories(`WorkflowId = "${campaignId}"`);
    const batchRuns = await histories(`VrCampaignId = "${campaignId}" AND VrKind = "batch"`);
    const largest = [...campaignRuns, ...batchRuns].reduce((max, run) =>
      run.length > max.length ? run : max,
    );

    // Every VM accounted for: one report row per VM, matching the simulator.
    const report = await campaignReport(client, campaignId, { concurrency: 16 });
    const vmIds = new Set(report.rows.map((row) => row.vmId));
    const scaleVms = sim.state.inventory.vcenters
      .get(SIM_SITES.protected.vcenterId)!
      .vms.filter((vm) => vm.name.startsWith('scale-'));
    const replicated = new Set([...sim.state.replications.values()].map((replication) => replication.vm.id));
    const perVm = sim.state.stats.toJSON().replicationsPerVm as Record<string, number>;
    const configuredIds = report.rows.filter((row) => row.outcome === 'configured').map((row) => row.vmId!);
    const checks = {
      everyVmReportedOnce: report.rows.length === VMS && vmIds.size === VMS,
      everyScaleVmInReport: scaleVms.every((vm) => vmIds.has(vm.id)),
      configuredMatchesSimulator:
        configuredIds.length === scaleVms.filter((vm) => replicated.has(vm.id)).length &&
        configuredIds.every((id) => perVm[id] === 1),
      noVmConfiguredTwice: Object.values(perVm).every((count) => count <= 1),
      historiesUnder10000: largest.length <= 10_000,
    };
    const summary = {
      vms: VMS,
      inFlightPerVrms: IN_FLIGHT,
      clockSpeed: CLOCK_SPEED,
      historyEventsPerRun: EVENTS_PER_RUN,
      wallTimeSeconds: Math.round(wallMs / 100) / 10,
      vmsPerMinute: Math.round((VMS * 60_000) / wallMs),
      outcome: result.outcome,
      totals: Object.fromEntries(Object.entries(result.totals).filter(([, count]) => count > 0)),
      campaignRuns: campaignRuns.length,
      campaignRunHistoryLengths: campaignRuns.map((run) => run.length),
      batches: result.batchIds.count,
      batchRunsListed: batchRuns.length,
      largestBatchHistory: Math.max(...batchRuns.map((run) => run.length)),
      largestHistory: largest,
      workerRssAtStart: mib(rssAtStart),
      workerPeakRss: mib(peakRss),
      simulatorRequests: (sim.state.stats.toJSON().requests as { total: number }).total,
      checks,
    };
    console.log(JSON.stringify(summary, null, 2));
    process.exitCode = Object.values(checks).every(Boolean) ? 0 : 1;
  } finally {
    clearInterval(sampler);
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    await connection.close();
    await sim.close();
    await temporal.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
