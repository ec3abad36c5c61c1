/**
 * One chaos run: a campaign against the simulator while it injects server errors, connection resets, answers slower
 * than the client's timeout, 429 storms, session expiry, task failures and an unreachable remote site; the worker
 * process is SIGKILLed at seeded moments and the Temporal dev server is restarted on its SQLite file. Then the
 * acceptance checks (checks.ts) and the secrets scan (secrets-scan.ts) run against the simulator's own state.
 * Everything listens on and talks to 127.0.0.1 only.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { campaignReport, startCampaign, type CampaignReport } from '../client/campaign-api';
import { createRandom } from '../simulator/random';
import { SIM_SITES, startSimulator, type RunningSimulator } from '../simulator';
import { startEmbeddedTemporal, type EmbeddedTemporal } from '../worker/embedded-temporal';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { outcomeChecks, outcomeFigures, type CampaignVms, type OutcomeFigures } from './checks';
import { runCliCommands } from './cli-output';
import { FaultController, sleep } from './fault-controller';
import type { ChaosOptions } from './options';
import { scanForSecrets, type SecretsScanResult } from './secrets-scan';
import { WorkerProcess } from './worker-process';

/** Special VMs listed by name in a second group: each ends in a definite outcome other than a fresh configure. */
export const LISTED_VMS = [
  'tmpl-rhel9',
  'restricted-1',
  'replicated-1',
  'replicated-2',
  'disconnected-1',
  'legacy-sata-1',
  'no-such-vm-1',
  'off-1',
  'app-1',
  'web-01',
];
const TASK_QUEUE = 'chaos';

export interface ChaosFigures {
  seed: number;
  vms: number;
  wallSeconds: number;
  campaignSeconds: number;
  campaignId: string;
  campaignOutcome: string;
  campaignRuns: number;
  batches: number;
  timeline: Array<{ at: number; what: string }>;
  chaos: {
    workerKills: number;
    workerStarts: number;
    serverRestarts: number;
    sessionExpiries: number;
    sessionsExpired: number;
    rateLimitStorms: number;
    rateLimited429: number;
    remoteUnreachableWindows: number;
    faultsInjected: Record<string, number>;
    simulatorRequests: number;
    logins: number;
  };
  outcomes: OutcomeFigures;
  openSessionsAfterIdleExpiry: number;
  cliExitCodes: Record<string, number>;
  cliReportRows: number;
  secrets: SecretsScanResult;
  checks: Record<string, boolean>;
}

interface Resources {
  faults?: FaultController;
  sim?: RunningSimulator;
  temporal?: EmbeddedTemporal;
  connection?: Connection;
  worker?: WorkerProcess;
}

/** Seeded moments (fractions of the selected VMs configured) at which each disruption fires, ascending. */
function moments(seed: number, count: number, from: number, to: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => from + random.next() * (to - from)).sort((a, b) => a - b);
}

export async function runChaos(options: ChaosOptions): Promise<ChaosFigures> {
  const resources: Resources = {};
  let finished = false;
  const run = execute(options, resources).finally(() => (finished = true));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // What happened so far says where it got stuck.
      const timeline = (resources.faults?.events ?? []).map((event) => `  ${event.at} s  ${event.what}`);
      reject(
        new Error(
          `chaos run exceeded its deadline of ${options.deadlineMs / 1000} s; timeline:\n${timeline.join('\n')}`,
        ),
      );
    }, options.deadlineMs);
  });
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
    if (!finished) run.catch(() => undefined);
    await cleanUp(resources);
  }
}

async function cleanUp(resources: Resources): Promise<void> {
  await resources.worker?.close().catch(() => undefined);
  await resources.connection?.close().catch(() => undefined);
  await resources.temporal?.stop().catch(() => undefined);
  await resources.sim?.close().catch(() => undefined);
}

async function execute(options: ChaosOptions, resources: Resources): Promise<ChaosFigures> {
  const started = Date.now();
  const log = (message: string): void => {
    if (options.verbose) console.error(`[chaos ${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`);
  };
  const workDir = options.workDir ?? mkdtempSync(path.join(os.tmpdir(), 'vr-chaos-'));
  log(`work directory ${workDir}`);

  const sim = await startSimulator({
    seed: options.seed,
    vms: 100,
    clockSpeed: options.clockSpeed,
    sessionIdleMs: options.sessionIdleMs,
    rateLimit: { enabled: false },
  });
  resources.sim = sim;
  const faults = new FaultController(sim.url, options.seed, options.slowResponses, started);
  resources.faults = faults;
  const added = await fetch(`${sim.url}/sim/vms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count: options.vms - LISTED_VMS.length, namePrefix: 'chaos-' }),
  });
  if (added.status !== 200) throw new Error(`POST /sim/vms answered ${added.status}`);
  const { added: chaosVms } = (await added.json()) as { added: Array<{ id: string; name: string }> };
  const vms: CampaignVms = { selectedIds: chaosVms.map((vm) => vm.id), listedNames: LISTED_VMS };

  const temporal = await startEmbeddedTemporal({
    dbFile: path.join(workDir, 'temporal.sqlite'),
    uiPort: false,
    searchAttributes: SEARCH_ATTRIBUTES,
    logFile: path.join(workDir, 'temporal.log'),
  });
  resources.temporal = temporal;
  const connection = await Connection.connect({ address: temporal.address });
  resources.connection = connection;
  const client = new Client({ connection });

  const sitesFile = writeSitesFile(workDir, sim.url);
  const logFile = path.join(workDir, 'worker.log');
  const worker = new WorkerProcess({
    sitesFile,
    taskQueue: TASK_QUEUE,
    temporalAddress: temporal.address,
    env: {
      CHAOS_PROTECTED_PASSWORD: SIM_SITES.protected.password,
      CHAOS_RECOVERY_PASSWORD: SIM_SITES.recovery.password,
    },
    logFile,
  });
  resources.worker = worker;
  await worker.start();
  log(`simulator ${sim.url}, Temporal ${temporal.address}, worker pid ${worker.pid}; ${options.vms} VMs`);

  await faults.apply();
  const campaignId = `chaos-${options.seed}-${Date.now()}`;
  const campaignStarted = Date.now();
  await startCampaign(
    client,
    {
      name: `chaos-${options.seed}`,
      groups: [
        {
          site: 'protected',
          pairing: { remoteVcenter: SIM_SITES.recovery.vcenterName },
          selector: { glob: 'chaos-*' },
          targetDatastore: 'recovery-ds-1',
        },
        {
          site: 'protected',
          pairing: { remoteVcenter: SIM_SITES.recovery.vcenterName },
          vms: LISTED_VMS.map((name) => ({ name })),
          targetDatastore: 'recovery-ds-1',
        },
      ],
      limits: {
        inFlightPerVrms: options.inFlightPerVrms,
        vmsPerBatch: options.batchSize,
        historyEventsPerRun: options.historyEventsPerRun,
      },
      pollIntervalSeconds: 1,
      pollIntervalCapSeconds: 2,
    },
    { campaignId, taskQueue: TASK_QUEUE },
  );
  faults.note(`campaign ${campaignId} started`);
  log(`campaign ${campaignId} started`);

  // Disruptions fire when this fraction of the selected VMs has a replication in the simulator.
  const selected = new Set(vms.selectedIds);
  const progress = (): number => {
    let count = 0;
    for (const replication of sim.state.replications.values())
      if (selected.has(replication.vm.id)) count += 1;
    return count / Math.max(1, selected.size);
  };
  const random = createRandom(options.seed);
  type Disruption = { at: number; name: string; act: () => Promise<void> };
  const background: Array<Promise<void>> = [];
  // A fault switch that failed is part of the timeline (and shows as a missing disruption), never an unhandled rejection.
  const noted = (action: Promise<void>): Promise<void> =>
    action.catch((error: unknown) => faults.note(`fault control failed: ${String(error)}`));
  const disruptions: Disruption[] = [
    ...moments(options.seed + 1, options.workerKills, 0.08, 0.85).map((at, index) => ({
      at,
      name: `SIGKILL worker #${index + 1}`,
      act: async () => {
        await worker.stop('SIGKILL');
        faults.note(`worker SIGKILLed (#${index + 1}) at ${(progress() * 100).toFixed(0)} %`);
        await sleep(random.integer(200, 3_000));
        await worker.start();
        faults.note(`worker incarnation ${worker.starts} started`);
      },
    })),
    ...moments(options.seed + 2, options.serverRestarts, 0.15, 0.75).map((at) => ({
      at,
      name: 'restart Temporal',
      act: async () => {
        faults.note(`Temporal dev server restart at ${(progress() * 100).toFixed(0)} %`);
        await temporal.restart();
        faults.note('Temporal dev server serving again');
      },
    })),
    {
      at: 0.1 + random.next() * 0.3,
      name: '429 storm',
      act: async () => void background.push(noted(faults.rateLimitStorm(options.rateLimitStormMs))),
    },
    {
      at: 0.35 + random.next() * 0.3,
      name: 'remote site unreachable',
      act: async () => void background.push(noted(faults.remoteSiteDown(options.remoteUnreachableMs))),
    },
  ].sort((a, b) => a.at - b.at);
  const expiry = setInterval(
    () => background.push(noted(faults.expireSessions())),
    options.sessionExpiryEveryMs,
  );

  let status = 'RUNNING';
  try {
    while (status === 'RUNNING') {
      while (disruptions.length > 0 && progress() >= disruptions[0]!.at) {
        const next = disruptions.shift()!;
        log(`${next.name} (${(progress() * 100).toFixed(0)} % configured)`);
        await next.act();
      }
      await sleep(250);
      // Describe follows the latest run (continue-as-new); it fails while the server restarts.
      status = await client.workflow
        .getHandle(campaignId)
        .describe()
        .then(
          (description) => description.status.name,
          () => 'RUNNING',
        );
    }
  } finally {
    clearInterval(expiry);
  }
  const campaignSeconds = (Date.now() - campaignStarted) / 1000;
  log(
    `campaign ${status} after ${campaignSeconds.toFixed(0)} s; ${disruptions.length} disruptions did not fire`,
  );
  await Promise.allSettled(background);
  await faults.clear();

  const report: CampaignReport = await campaignReport(client, campaignId, { concurrency: 16 });
  const outcomes = outcomeFigures(report, sim, vms);
  log(`report: ${report.rows.length} rows ${JSON.stringify(outcomes.outcomes)}`);

  const cli = await runCliCommands(campaignId, temporal.address, workDir);
  const cliReportRows = cli.reportRows;

  // Sessions of killed workers expire after sessionIdleMs of silence; the live worker logged out its own.
  const sessionsDeadline = Date.now() + options.sessionIdleMs + 30_000;
  while (sim.state.sessions.active().length > 0 && Date.now() < sessionsDeadline) await sleep(500);
  const openSessions = sim.state.sessions.active().length;
  log(`open sessions after idle expiry: ${openSessions}`);
  await worker.close();

  const issued = await faults.get<{ sessionIds: string[] }>('/issued-session-ids');
  const secrets = await scanForSecrets({
    client,
    secrets: [...siteSecrets(), ...issued.sessionIds],
    sessionIds: issued.sessionIds.length,
    logText: readFileSync(logFile, 'utf8'),
    cliOutputs: cli.outputs,
    sampleVmName: chaosVms[0]!.name,
  });
  log(
    `secrets scan: ${secrets.workflowsScanned} workflows, ${Object.keys(secrets.hits).length} sources with hits`,
  );

  const stats = sim.state.stats.toJSON() as {
    requests: { total: number };
    logins: number;
    rateLimited: number;
  };
  const chaos = {
    workerKills: options.workerKills - disruptions.filter((d) => d.name.startsWith('SIGKILL')).length,
    workerStarts: worker.starts,
    serverRestarts: options.serverRestarts - disruptions.filter((d) => d.name.startsWith('restart')).length,
    sessionExpiries: faults.expiries,
    sessionsExpired: faults.expiredSessions,
    rateLimitStorms: faults.storms,
    rateLimited429: stats.rateLimited,
    remoteUnreachableWindows: faults.unreachableWindows,
    faultsInjected: { ...sim.state.faults.injected },
    simulatorRequests: stats.requests.total,
    logins: stats.logins,
  };
  const injected = chaos.faultsInjected;
  const checks = {
    ...outcomeChecks(outcomes),
    noSessionLeftOpen: openSessions === 0,
    campaignCompleted: status === 'COMPLETED',
    cliCommandsSucceeded:
      Object.values(cli.exitCodes).every((code) => code === 0) && cliReportRows === report.rows.length,
    noSecretInHistoriesLogsOrCli:
      Object.keys(secrets.hits).length === 0 &&
      secrets.workflowsScanned > 0 &&
      secrets.sampleVmNameVisible &&
      secrets.logBytes > 0,
    everyDisruptionHappened:
      disruptions.length === 0 &&
      chaos.sessionExpiries > 0 &&
      chaos.rateLimited429 > 0 &&
      (injected['error'] ?? 0) > 0 &&
      (injected['reset'] ?? 0) > 0 &&
      (injected['slow-headers'] ?? 0) > 0 &&
      (injected['task-failure'] ?? 0) + (injected['task-error'] ?? 0) > 0,
  };
  return {
    seed: options.seed,
    vms: options.vms,
    wallSeconds: Math.round((Date.now() - started) / 1000),
    campaignSeconds: Math.round(campaignSeconds),
    campaignId,
    campaignOutcome: report.campaign.outcome,
    campaignRuns: report.campaign.runs,
    batches: report.campaign.batchIds.count,
    timeline: faults.events,
    chaos,
    outcomes,
    openSessionsAfterIdleExpiry: openSessions,
    cliExitCodes: cli.exitCodes,
    cliReportRows,
    secrets,
    checks,
  };
}

function writeSitesFile(workDir: string, url: string): string {
  const file = path.join(workDir, 'sites.json');
  const site = {
    url,
    username: SIM_SITES.protected.username,
    password: { env: 'CHAOS_PROTECTED_PASSWORD' },
    remoteCredentials: [
      {
        vcenter: SIM_SITES.recovery.vcenterName,
        username: SIM_SITES.recovery.username,
        password: { env: 'CHAOS_RECOVERY_PASSWORD' },
      },
    ],
    pacing: { perClientPerMinute: 100_000, perSessionPerMinute: 100_000 },
  };
  writeFileSync(file, JSON.stringify({ sites: { protected: site } }, null, 2));
  return file;
}

/** Passwords and the Basic headers built from them. */
export function siteSecrets(): string[] {
  const basic = (user: string, password: string): string =>
    Buffer.from(`${user}:${password}`).toString('base64');
  return [
    SIM_SITES.protected.password,
    SIM_SITES.recovery.password,
    basic(SIM_SITES.protected.username, SIM_SITES.protected.password),
    basic(SIM_SITES.recovery.username, SIM_SITES.recovery.password),
  ];
}
