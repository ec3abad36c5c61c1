/**
 * `npm run chaos -- [--vms 1000] [--seed 7] [--deadline 15m] [--kills 3] [--small] [--quiet]`: the chaos run (chaos/run-chaos.ts), bounded by a
 * hard deadline, only on 127.0.0.1. Prints the figures and the checks; exits 1 if any check fails or the deadline
 * passes, 2 on bad options.
 */
import { FULL_CHAOS, parseChaosArguments, SMALL_CHAOS, type ChaosOptions } from './options';
import { runChaos, type ChaosFigures } from './run-chaos';

function printFigures(figures: ChaosFigures): void {
  const { outcomes, chaos, secrets } = figures;
  const lines = [
    '',
    `CHAOS RUN  seed ${figures.seed}  ${figures.vms} VMs  campaign ${figures.campaignId}`,
    `  wall time ${figures.wallSeconds} s (campaign ${figures.campaignSeconds} s), ${figures.campaignRuns} campaign runs, ${figures.batches} batches, outcome ${figures.campaignOutcome}`,
    `  chaos: ${chaos.workerKills} worker SIGKILLs (${chaos.workerStarts} worker starts), ${chaos.serverRestarts} Temporal restarts, ` +
      `${chaos.sessionExpiries} session expiries (${chaos.sessionsExpired} sessions), ${chaos.rateLimitStorms} 429 storms (${chaos.rateLimited429} x 429), ` +
      `${chaos.remoteUnreachableWindows} remote-unreachable windows`,
    `  faults injected: ${JSON.stringify(chaos.faultsInjected)}; ${chaos.simulatorRequests} VR requests, ${chaos.logins} logins`,
    `  outcomes: ${JSON.stringify(outcomes.outcomes)}  (report rows ${outcomes.reportRows}, distinct VMs ${outcomes.distinctVmsInReport}, campaign VMs ${outcomes.vmsInCampaign})`,
    `  without a definite outcome ${outcomes.vmsWithoutDefiniteOutcome}; reported twice ${outcomes.vmsReportedTwice}; missing ${outcomes.selectedVmsMissingFromReport}`,
    `  configured ${outcomes.configured}; not exactly once in the simulator ${outcomes.configuredNotExactlyOnceInSimulator}; VMs configured more than once ${outcomes.vmsConfiguredMoreThanOnce}; ` +
      `configure attempts on already-replicated VMs ${outcomes.alreadyReplicatedConfigureAttempts}`,
    `  configurable but not configured ${outcomes.configurableButNotConfigured}; failed by injected task failure ${outcomes.failedByInjectedTaskFailure}; failures without a cause ${outcomes.failuresWithoutCause}`,
    `  report vs simulator disagreements ${outcomes.reportDisagreesWithSimulator}; campaign totals match report ${outcomes.campaignTotalsMatchReport}`,
    `  listed VMs: ${Object.entries(outcomes.listedVmOutcomes)
      .map(([name, outcome]) => `${name}=${outcome}`)
      .join(', ')}`,
    `  failure reasons:`,
    ...Object.entries(outcomes.failureReasons).map(([reason, count]) => `    ${count} x ${reason}`),
    `  open sessions after idle expiry ${figures.openSessionsAfterIdleExpiry}`,
    `  CLI: ${JSON.stringify(figures.cliExitCodes)}, report rows ${figures.cliReportRows}`,
    `  secrets scan: ${secrets.secretsSearched} secrets (${secrets.sessionIdsSearched} session ids) in ${secrets.workflowsScanned} workflow histories ` +
      `(${secrets.historyEvents} events, ${(secrets.historyBytes / 1e6).toFixed(1)} MB), worker log ${(secrets.logBytes / 1e6).toFixed(1)} MB, ` +
      `CLI output ${(secrets.cliBytes / 1e3).toFixed(0)} kB: hits ${JSON.stringify(secrets.hits)}; VM names visible ${secrets.sampleVmNameVisible}`,
    ...(outcomes.examples.length > 0
      ? ['  examples:', ...outcomes.examples.map((text) => `    ${text}`)]
      : []),
    '  timeline:',
    ...figures.timeline.map((event) => `    ${event.at.toFixed(1).padStart(6)} s  ${event.what}`),
    '  checks:',
    ...Object.entries(figures.checks).map(([name, ok]) => `    ${ok ? 'PASS' : 'FAIL'}  ${name}`),
  ];
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  let options: ChaosOptions;
  try {
    // `--small`: the settings of the version in `npm test` (120 VMs, one kill), printed like the full run.
    const argv = process.argv.slice(2);
    const small = argv.includes('--small');
    options = parseChaosArguments(
      argv.filter((flag) => flag !== '--small'),
      small ? { ...SMALL_CHAOS, verbose: true } : FULL_CHAOS,
    );
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  const figures = await runChaos(options);
  printFigures(figures);
  console.log(`\nfigures (JSON): ${JSON.stringify(figures)}`);
  const failed = Object.entries(figures.checks).filter(([, ok]) => !ok);
  console.log(
    failed.length === 0
      ? '\nCHAOS RUN PASSED'
      : `\nCHAOS RUN FAILED: ${failed.map(([name]) => name).join(', ')}`,
  );
  process.exitCode = failed.length === 0 ? 0 : 1;
}

main().then(
  // Whatever is left (a dev server that would not die, sockets) must not keep a finished run alive.
  () => setTimeout(() => process.exit(), 2_000).unref(),
  (error: unknown) => {
    console.error(`CHAOS RUN FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    setTimeout(() => process.exit(), 2_000).unref();
  },
);
