/**
 * "Us": the scenario's VMs as one replicationCampaignWorkflow (one group per pairing, VMs by name, product
 * defaults for limits), run by a worker in its own process. Measures wall time from start to result, the worker's
 * CPU seconds over that time and its peak RSS, and the history events of every run of the campaign and its batches.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { SIM_SITES } from '../simulator';
import { DEFAULT_PACING } from '../vr';
import type { SiteConfig } from '../worker/sites';
import type { ReplicationCampaignInput, ReplicationCampaignResult } from '../workflows/campaign-input';
import type { BenchSimulator } from './bench-simulator';
import { cpuSeconds, peakRssMb } from './process-usage';
import { REAL_WINDOW_MS, type BenchSettings } from './settings';
import { campaignTimeline, type Timeline } from './timeline';
import type { BenchWorkerConfig } from './worker-process';

export interface UsRun {
  wallMs: number;
  configured: number;
  failed: number;
  totals: Record<string, number>;
  /** The first few VMs that did not end configured, with the reason the campaign gives. */
  failureSamples: string[];
  campaignRuns: number;
  workflowExecutions: number;
  historyEvents: number;
  maxHistoryEvents: number;
  workerCpuSeconds: number;
  workerPeakRssMb: number;
  /** Where the wall time went (seconds after start, measured). */
  timeline: Timeline;
}

export interface UsContext {
  settings: BenchSettings;
  client: Client;
  address: string;
  bundlePath: string;
  workDirectory: string;
  label: string;
}

/** The client pacer's defaults (vr/pacer.ts DEFAULT_PACING) with the window compressed like the gateway's. */
function benchSites(url: string, settings: BenchSettings): SiteConfig[] {
  const pacing = {
    perClientPerMinute: DEFAULT_PACING.perClientPerMinute,
    perSessionPerMinute: DEFAULT_PACING.perSessionPerMinute,
    windowMs: Math.round(REAL_WINDOW_MS / settings.timeScale),
  };
  return [
    {
      name: 'protected',
      url,
      apiVersion: 'v2',
      insecureSkipVerify: false,
      username: SIM_SITES.protected.username,
      password: SIM_SITES.protected.password,
      remoteCredentials: [
        {
          vcenter: SIM_SITES.recovery.vcenterName,
          username: SIM_SITES.recovery.username,
          password: SIM_SITES.recovery.password,
        },
      ],
      pacing,
    },
  ];
}

async function startWorker(context: UsContext, url: string): Promise<ChildProcess> {
  const config: BenchWorkerConfig = {
    sites: benchSites(url, context.settings),
    address: context.address,
    taskQueue: `bench-${context.label}`,
    bundlePath: context.bundlePath,
  };
  const configFile = path.join(context.workDirectory, `worker-${context.label}.json`);
  writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      path.join(__dirname, 'worker-process.ts'),
      configFile,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    },
  );
  child.stderr!.pipe(createWriteStream(path.join(context.workDirectory, `worker-${context.label}.log`)));
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      if (buffered.includes('bench-worker-ready')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) =>
      reject(
        new Error(`bench worker exited with ${code} before it was ready (log in ${context.workDirectory})`),
      ),
    );
  });
  // The worker has read its configuration: the file holds the sites' passwords, so it goes now.
  rmSync(configFile, { force: true });
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Every execution (each continue-as-new run counts) of the campaign and its batches: how many, events in all. */
async function historyOf(
  client: Client,
  campaignId: string,
): Promise<{ executions: number; events: number; max: number; campaignRuns: number }> {
  const seen = new Map<string, { length: number; campaign: boolean }>();
  for (const query of [`VrCampaignId = "${campaignId}"`, `WorkflowId = "${campaignId}"`]) {
    for await (const execution of client.workflow.list({ query })) {
      seen.set(execution.runId, {
        length: execution.historyLength,
        campaign: execution.workflowId === campaignId,
      });
    }
  }
  const lengths = [...seen.values()];
  return {
    executions: lengths.length,
    events: lengths.reduce((sum, entry) => sum + entry.length, 0),
    max: Math.max(0, ...lengths.map((entry) => entry.length)),
    campaignRuns: lengths.filter((entry) => entry.campaign).length,
  };
}

export async function runUs(context: UsContext, sim: BenchSimulator): Promise<UsRun> {
  const { settings } = context;
  const worker = await startWorker(context, sim.simulator.url);
  try {
    const pid = worker.pid!;
    const input: ReplicationCampaignInput = {
      name: `bench-${context.label}`,
      groups: sim.work.map((work) => ({
        site: 'protected',
        pairing: { pairingId: work.pairingId },
        vms: work.vmNames.map((name) => ({ name })),
        targetDatastore: work.targetDatastore,
      })),
      ...(settings.inFlightPerVrms ? { limits: { inFlightPerVrms: settings.inFlightPerVrms } } : {}),
      // The schema's smallest interval is 1 s: at high time scales the compressed interval is longer than real.
      pollIntervalSeconds: Math.max(1, settings.pollIntervalSeconds / settings.timeScale),
      pollIntervalCapSeconds: Math.max(1, settings.pollIntervalCapSeconds / settings.timeScale),
    };
    const campaignId = `bench-${context.label}-${Date.now().toString(36)}`;
    const cpuBefore = cpuSeconds(pid);
    const started = Date.now();
    const handle = await context.client.workflow.start('replicationCampaignWorkflow', {
      workflowId: campaignId,
      taskQueue: `bench-${context.label}`,
      args: [input],
    });
    const result = (await handle.result()) as ReplicationCampaignResult;
    const wallMs = Date.now() - started;
    const workerCpuSeconds = cpuSeconds(pid) - cpuBefore;
    const workerPeakRssMb = peakRssMb(pid);
    // Visibility is updated asynchronously: give the last closed batches a moment to show up.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const history = await historyOf(context.client, campaignId);
    const timeline = await campaignTimeline(context.client, campaignId, started);
    return {
      wallMs,
      configured: result.totals.configured ?? 0,
      failed: result.totalVms - (result.totals.configured ?? 0),
      totals: Object.fromEntries(Object.entries(result.totals).filter(([, count]) => count > 0)),
      failureSamples: result.failures
        .slice(0, 5)
        .map((failure) => `${failure.requested}: ${failure.outcome}: ${failure.reason ?? ''}`),
      campaignRuns: result.runs,
      workflowExecutions: history.executions,
      historyEvents: history.events,
      maxHistoryEvents: history.max,
      workerCpuSeconds,
      workerPeakRssMb,
      timeline,
    };
  } finally {
    await stopWorker(worker);
  }
}
