/**
 * `npm run bench`: our campaign workflow and the two baselines against the simulator with the real gateway's rate
 * limits, latency and task durations (time-compressed), at several campaign sizes on one and two pairings.
 * Writes bench/results/<date>.json, <date>.md, latest.md and latest.svg. Not part of npm test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { startEmbeddedTemporal } from '../worker/embedded-temporal';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { JAVA_SAMPLE_POLL_MS, runJavaSample } from './baselines/java-sample';
import { POWERSHELL_POLL_MS, runPowerShellModule } from './baselines/powershell-module';
import { startBenchSimulator } from './bench-simulator';
import { lowerBound, requestFigures, type ScenarioFigures } from './figures';
import { updateReadme, writeResults } from './report';
import { runUs, type UsContext } from './run-us';
import { parseSettings, REAL_WINDOW_MS, type BenchSettings, type RunnerName } from './settings';

interface Environment {
  client: Client;
  address: string;
  bundlePath: string;
  workDirectory: string;
}

/** `<commit>` or `<commit>+<n uncommitted files>`; the workflow bundle is built from this state at start. */
function codeVersion(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: path.resolve(__dirname, '..'), encoding: 'utf8' });
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const dirty = git('status', '--porcelain').split('\n').filter(Boolean).length;
    return dirty ? `${commit}+${dirty}` : commit;
  } catch {
    return 'unknown';
  }
}

async function runScenario(
  environment: Environment,
  settings: BenchSettings,
  runner: RunnerName,
  size: number,
  pairings: 1 | 2,
  code: string,
): Promise<ScenarioFigures> {
  const sim = await startBenchSimulator(settings, size, pairings);
  const label = `${runner}-${size}-${pairings}p`;
  try {
    let wallMs: number;
    let extra: Partial<ScenarioFigures> = {};
    let configured: number;
    let failed: number;
    if (runner === 'us') {
      const context: UsContext = { settings, ...environment, label };
      const run = await runUs(context, sim);
      wallMs = run.wallMs;
      configured = run.configured;
      failed = run.failed;
      extra = {
        historyEvents: run.historyEvents,
        historyEventsPerVm: run.historyEvents / size,
        maxHistoryEventsPerRun: run.maxHistoryEvents,
        workflowExecutions: run.workflowExecutions,
        workerCpuSeconds: run.workerCpuSeconds,
        workerCpuMsPerVm: (run.workerCpuSeconds * 1000) / size,
        workerPeakRssMb: run.workerPeakRssMb,
        timeline: run.timeline,
        outcomes: run.totals,
        failureSamples: run.failureSamples,
      };
    } else {
      const options = {
        url: sim.simulator.url,
        work: sim.work,
        pollIntervalMs:
          (runner === 'java-sample' ? JAVA_SAMPLE_POLL_MS : POWERSHELL_POLL_MS) / settings.timeScale,
      };
      const started = Date.now();
      const result =
        runner === 'java-sample' ? await runJavaSample(options) : await runPowerShellModule(options);
      wallMs = Date.now() - started;
      configured = result.configured;
      failed = result.failed;
    }
    const stats = await sim.stats();
    const bound = lowerBound(
      sim.work.map((work) => ({ count: work.vmNames.length, robo: work.robo })),
      { perWindow: settings.perClientPerMinute, windowMs: REAL_WINDOW_MS },
      settings.taskQueuedMs + settings.taskRunningMs,
    );
    const wallRealMs = wallMs * settings.timeScale;
    const requests = requestFigures(stats, size);
    return {
      runner,
      size,
      pairings,
      timeScale: settings.timeScale,
      wallMs,
      wallRealMs,
      lowerBound: bound,
      ratioToLowerBound: wallRealMs / bound.lowerBoundMs,
      ...requests,
      pollsPerPairingPerMinute: requests.pollRequests / sim.work.length / (wallRealMs / 60_000),
      configured,
      failed,
      code,
      ...extra,
    };
  } finally {
    await sim.close();
  }
}

function summaryLine(row: ScenarioFigures): string {
  const parts = [
    `${row.runner.padEnd(11)} ${String(row.size).padStart(5)} VMs ${row.pairings}p`,
    `wall ${(row.wallMs / 1000).toFixed(1)} s (real ${(row.wallRealMs / 60_000).toFixed(2)} min, ${row.ratioToLowerBound.toFixed(2)}× bound)`,
    `req/VM ${row.requestsPerVm.toFixed(2)} (w/o polls ${row.requestsPerVmWithoutPolls.toFixed(3)})`,
    `429s ${row.rateLimited}`,
    `configured ${row.configured}/${row.size}`,
  ];
  if (row.historyEventsPerVm !== undefined)
    parts.push(
      `history ${row.historyEventsPerVm.toFixed(1)}/VM`,
      `CPU ${row.workerCpuMsPerVm?.toFixed(1)} ms/VM`,
      `RSS ${row.workerPeakRssMb?.toFixed(0)} MB`,
    );
  if (row.timeline)
    parts.push(
      `first batch ${row.timeline.firstBatchStartS} s, last lookup ${row.timeline.lastLookupS} s, last configure ${row.timeline.lastConfigureS} s, first poll after ${row.timeline.firstPollAfterS ?? '–'} s, last poll ${row.timeline.lastPollS} s, last batch closed ${row.timeline.lastBatchClosedS} s`,
    );
  return parts.join(' | ');
}

async function main(): Promise<void> {
  let settings: BenchSettings;
  try {
    settings = parseSettings(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  const started = new Date();
  if (settings.combine.length > 0) {
    combine(settings, started);
    return;
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'vr-bench-'));
  console.error(
    `bench: time scale ${settings.timeScale}× for the baselines, ${settings.usTimeScale}× for us (durations divided by it; "real" = measured × scale); logs in ${workDirectory}`,
  );
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const code = codeVersion();
  const bundlePath = path.join(workDirectory, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const temporal = await startEmbeddedTemporal({ uiPort: false, searchAttributes: SEARCH_ATTRIBUTES });
  const connection = await Connection.connect({ address: temporal.address });
  const rows: ScenarioFigures[] = [];
  try {
    const environment: Environment = {
      client: new Client({ connection }),
      address: temporal.address,
      bundlePath,
      workDirectory,
    };
    for (const size of settings.sizes) {
      for (const pairings of settings.pairings) {
        for (const runner of settings.runners) {
          try {
            const scenarioSettings =
              runner === 'us' ? { ...settings, timeScale: settings.usTimeScale } : settings;
            const row = await runScenario(environment, scenarioSettings, runner, size, pairings, code);
            rows.push(row);
            console.log(summaryLine(row));
          } catch (error) {
            console.error(
              `bench: ${runner} ${size} VMs ${pairings}p failed: ${(error as Error).stack ?? String(error)}`,
            );
          }
          // Written after every scenario, so a long run that is stopped still leaves its figures.
          writeResults(rows, settings, started);
        }
      }
    }
  } finally {
    await connection.close();
    await temporal.stop();
  }
  for (const file of writeResults(rows, settings, started)) console.error(`bench: wrote ${file}`);
  if (settings.updateReadme) updateReadmeAndSay(settings);
}

/** Merges the scenarios of earlier result files (later files win for the same runner, size and pairings). */
function combine(settings: BenchSettings, started: Date): void {
  const rows = new Map<string, ScenarioFigures>();
  for (const file of settings.combine) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      settings: BenchSettings;
      scenarios: ScenarioFigures[];
    };
    if (saved.settings.timeScale !== settings.timeScale)
      console.error(
        `bench: ${file} ran at time scale ${saved.settings.timeScale}, not ${settings.timeScale}; its real times are still comparable`,
      );
    for (const row of saved.scenarios) rows.set(`${row.runner}|${row.size}|${row.pairings}`, row);
  }
  const sorted = [...rows.values()].sort((a, b) => a.size - b.size || a.pairings - b.pairings);
  for (const file of writeResults(sorted, settings, started)) console.error(`bench: wrote ${file}`);
  if (settings.updateReadme) updateReadmeAndSay(settings);
}

function updateReadmeAndSay(settings: BenchSettings): void {
  const readme = path.resolve(__dirname, '..', 'README.md');
  console.error(
    updateReadme(readme, path.resolve(settings.outDirectory))
      ? `bench: updated ${readme}`
      : `bench: ${readme} has no <!-- bench:start --> / <!-- bench:end --> markers; left as it is`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
