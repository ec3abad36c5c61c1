/**
 * `npm run demo [-- --keep]`: the whole stack on a fresh clone with nothing else running. It starts an embedded
 * Temporal dev server (with UI), the VR simulator and a worker in this process, configures replication for a handful
 * of VMs chosen to show every interesting outcome, prints the result table and the Temporal UI link, and stops
 * everything it started (with --keep, Temporal stays up until Ctrl-C so the run can be inspected in the UI).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startConfigureReplication, temporalUiLink, queryConfigureProgress } from '../client/api';
import { formatConfigureResult, formatTotals } from '../client/format';
import { SIM_SITES, startSimulator, TRAP_VM_NAMES, type RunningSimulator } from '../simulator';
import { freePort, startEmbeddedTemporal } from '../worker/embedded-temporal';
import { createJsonLogger, installTemporalRuntimeLogger } from '../worker/logger';
import { runWorker } from '../worker/run-worker';
import { loadSitesFile } from '../worker/sites';
import type { ConfigureReplicationInput, VmOutcome } from '../workflows/configure-replication-input';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const WORK_DIRECTORY = path.resolve(__dirname, '..', '.work', 'demo');
const TASK_QUEUE_PREFIX = 'vsphere-replication-demo';
// Its own task queue per demo: a run left behind by an earlier, killed demo (the database persists) must never be
// picked up by this worker and sent to this demo's fresh simulator.
const TASK_QUEUE = `${TASK_QUEUE_PREFIX}-${randomBytes(3).toString('hex')}`;
const NAMESPACE = 'default';
/** After Ctrl-C, the cancelled run gets this long to log out and finish before the demo stops regardless. */
const CANCEL_GRACE_MS = 20_000;
/** The run gets this long before the demo cancels it. */
const RUN_TIMEOUT_MS = 150_000;

const keep = process.argv.includes('--keep');
const say = (line = ''): void => void process.stdout.write(`${line}\n`);

/** Terminates demo runs that an earlier demo, killed mid-run, left running in the persistent database. */
async function terminateLeftoverRuns(client: Client): Promise<number> {
  let count = 0;
  const running = client.workflow.list({
    query: `WorkflowType = 'configureReplicationWorkflow' AND ExecutionStatus = 'Running'`,
  });
  for await (const execution of running) {
    if (!execution.taskQueue.startsWith(TASK_QUEUE_PREFIX)) continue;
    await client.workflow
      .getHandle(execution.workflowId, execution.runId)
      .terminate('left over from an earlier demo that was stopped early');
    count += 1;
  }
  return count;
}

/** Cleanup steps, run last-first on success, failure and Ctrl-C. */
const cleanups: Array<{ name: string; run: () => Promise<void> }> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const step = cleanups.pop();
    if (!step) break;
    try {
      await step.run();
    } catch (error) {
      console.error(`demo: could not stop ${step.name}: ${(error as Error).message}`);
    }
  }
}

/** The usual port when it is free (stable links for people following along), else any free port. */
async function preferredPort(port: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  return free ? port : freePort();
}

interface DemoVm {
  name: string;
  expected: VmOutcome;
  why: string;
}

/** Picks the demo VMs from the simulator's inventory, so the demo follows whatever the generator produces. */
function chooseDemoVms(simulator: RunningSimulator): DemoVm[] {
  const { state } = simulator;
  const vms = state.inventory.vcenters.get(SIM_SITES.protected.vcenterId)?.vms ?? [];
  const sitePairingId = state.sitePairing?.id;
  const replicated = (vmId: string) => state.replicationOfVm(vmId) !== undefined;
  const plain = vms.filter(
    (vm) =>
      /^(app|web|db|svc)-\d+$/.test(vm.name) &&
      !vm.template &&
      vm.privilegeGranted &&
      vm.powerState === 'POWERED_ON' &&
      vm.connectionState === 'CONNECTED' &&
      !vm.managedBy &&
      vm.disks.every((disk) => disk.supported_for_replication !== false) &&
      !replicated(vm.id) &&
      !TRAP_VM_NAMES.includes(vm.name),
  );
  const template = vms.find((vm) => vm.template && !replicated(vm.id));
  const restricted = vms.find((vm) => !vm.privilegeGranted && !vm.template && !replicated(vm.id));
  const alreadyReplicated = vms.find((vm) => state.replicationOfVm(vm.id)?.pairingId === sitePairingId);
  if (
    !vms.some((vm) => vm.name === 'app-1') ||
    plain.length < 4 ||
    !template ||
    !restricted ||
    !alreadyReplicated
  ) {
    throw new Error('the simulator inventory lacks the VMs the demo needs');
  }
  return [
    {
      name: 'app-1',
      expected: 'configured',
      why: 'name trap: app-10 and app-100 exist and must stay untouched',
    },
    ...plain
      .slice(0, 4)
      .map((vm) => ({ name: vm.name, expected: 'configured' as const, why: 'an ordinary VM' })),
    { name: alreadyReplicated.name, expected: 'already-replicated', why: 'replicated before the run' },
    { name: template.name, expected: 'unsuitable', why: 'a template' },
    { name: restricted.name, expected: 'unsuitable', why: 'VR lacks the replication privilege on it' },
    { name: 'no-such-vm', expected: 'not-found', why: 'not in the inventory' },
  ];
}

function writeSitesFile(simulator: RunningSimulator): string {
  const file = path.join(WORK_DIRECTORY, 'sites.yaml');
  // Passwords are references to variables of this process, as a real deployment would use.
  process.env.VR_DEMO_PROTECTED_PASSWORD = SIM_SITES.protected.password;
  process.env.VR_DEMO_RECOVERY_PASSWORD = SIM_SITES.recovery.password;
  writeFileSync(
    file,
    `# Written by scripts/demo.ts for the simulator at ${simulator.url}
sites:
  protected:
    url: ${simulator.url}
    apiVersion: v2
    username: ${SIM_SITES.protected.username}
    password: { env: VR_DEMO_PROTECTED_PASSWORD }
    remoteCredentials:
      - vcenter: ${SIM_SITES.recovery.vcenterName}
        username: ${SIM_SITES.recovery.username}
        password: { env: VR_DEMO_RECOVERY_PASSWORD }
`,
  );
  return file;
}

async function main(): Promise<number> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  mkdirSync(WORK_DIRECTORY, { recursive: true });
  const logFile = path.join(WORK_DIRECTORY, 'worker.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  cleanups.push({ name: 'the log file', run: () => new Promise((resolve) => log.end(resolve)) });
  const logger = createJsonLogger({ write: (line) => log.write(`${line}\n`) });
  // The demo handles Ctrl-C itself: the worker must keep running while a cancelled run logs out of VR.
  installTemporalRuntimeLogger(logger, { shutdownSignals: [] });

  say('Starting the Temporal dev server (SQLite in .work/demo/temporal.sqlite)...');
  const temporal = await startEmbeddedTemporal({
    dbFile: path.join(WORK_DIRECTORY, 'temporal.sqlite'),
    port: await preferredPort(7233),
    uiPort: await preferredPort(8233),
    logFile: path.join(WORK_DIRECTORY, 'temporal.log'),
    searchAttributes: SEARCH_ATTRIBUTES,
  });
  cleanups.push({ name: 'Temporal', run: () => temporal.stop() });
  const uiUrl = temporal.uiUrl ?? '';
  say(`  Temporal at ${temporal.address}, UI at ${uiUrl} (${elapsed()})`);

  say('Starting the VR simulator (300 VMs, rate limits on)...');
  const simulator = await startSimulator({
    port: 0,
    vms: 300,
    taskDurations: { queuedMs: 300, runningMs: 1500 },
    rateLimit: { enabled: true },
  });
  cleanups.push({ name: 'the simulator', run: () => simulator.close() });
  say(`  simulator at ${simulator.url} (${elapsed()})`);

  const connection = await Connection.connect({ address: temporal.address });
  cleanups.push({
    name: 'the client connection',
    // After Ctrl-C a result() long-poll may still be retrying; closing the channel under it makes the SDK throw
    // from a timer. The process exits right after, which closes the connection anyway.
    run: () => (interrupted ? Promise.resolve() : connection.close()),
  });
  const client = new Client({ connection, namespace: NAMESPACE });

  const leftovers = await terminateLeftoverRuns(client);
  if (leftovers > 0)
    say(`  terminated ${leftovers} run(s) left over from an earlier demo that was stopped early`);

  const sitesFile = writeSitesFile(simulator);
  say(
    `Starting the worker (sites file ${path.relative(process.cwd(), sitesFile)}, log ${path.relative(process.cwd(), logFile)})...`,
  );
  const worker = await runWorker({
    sites: loadSitesFile(sitesFile),
    address: temporal.address,
    namespace: NAMESPACE,
    taskQueue: TASK_QUEUE,
    logger,
    shutdownGraceTime: '5s',
  });
  cleanups.push({ name: 'the worker', run: () => worker.shutdown() });
  say(`  worker polling task queue ${TASK_QUEUE} (${elapsed()})`);

  const demoVms = chooseDemoVms(simulator);
  const datastore = simulator.state.inventory.vcenters
    .get(SIM_SITES.recovery.vcenterId)
    ?.datastores.find(
      (candidate) =>
        candidate.type === 'DATASTORE' && candidate.accessible && candidate.file_system_type === 'VMFS',
    );
  const input: ConfigureReplicationInput = {
    site: 'protected',
    pairing: { remoteVcenter: SIM_SITES.recovery.vcenterName },
    vms: demoVms.map((vm) => ({ name: vm.name })),
    targetDatastore: datastore?.name ?? 'recovery-ds-1',
    settings: { rpoMinutes: 15, networkCompression: true },
    waitFor: 'configured',
    pollIntervalSeconds: 1,
    pollIntervalCapSeconds: 5,
  };
  say(`\nConfiguring replication to ${input.targetDatastore} on ${SIM_SITES.recovery.vcenterName} for:`);
  for (const vm of demoVms) say(`  ${vm.name.padEnd(18)} expect ${vm.expected.padEnd(18)} ${vm.why}`);

  const handle = await startConfigureReplication(client, input, { taskQueue: TASK_QUEUE });
  // Ctrl-C now cancels the run, which logs out of VR and completes with cancelled: true.
  cancelRun = () => {
    void handle.cancel().catch(() => undefined);
    // In a terminal, Ctrl-C reaches the Temporal server too; if the run cannot finish cancelling, stop anyway.
    setTimeout(hardStop, CANCEL_GRACE_MS).unref();
  };
  const link = temporalUiLink(uiUrl, NAMESPACE, handle.workflowId, handle.firstExecutionRunId);
  say(`\nWorkflow ${handle.workflowId} started; follow it at\n  ${link}\n`);

  const progressTimer = setInterval(() => {
    queryConfigureProgress(client, handle.workflowId).then(
      (progress) => say(`  [${progress.phase}] ${formatTotals(progress.totals)}`),
      () => undefined,
    );
  }, 3_000);
  const timeout = setTimeout(() => {
    say(`The run took longer than ${RUN_TIMEOUT_MS / 1000} s; cancelling it.`);
    void handle.cancel();
  }, RUN_TIMEOUT_MS);
  let result;
  try {
    result = await handle.result();
  } finally {
    cancelRun = undefined;
    clearInterval(progressTimer);
    clearTimeout(timeout);
  }

  say(`\n${formatConfigureResult(result)}\n`);
  if (result.cancelled) {
    say(`The run was cancelled.\n\nTemporal UI: ${uiUrl}\nThis run:    ${link}`);
    return 130;
  }
  const mismatches = demoVms.filter((vm) => {
    const actual = result.vms.find((entry) => entry.requested === vm.name)?.outcome;
    if (actual !== vm.expected)
      say(`  UNEXPECTED: ${vm.name} ended ${actual ?? 'missing'}, expected ${vm.expected}`);
    return actual !== vm.expected;
  });
  // VR's name filter is "contains": a careless lookup of app-1 would have configured these too.
  const vcenter = simulator.state.inventory.vcenters.get(SIM_SITES.protected.vcenterId);
  for (const name of ['app-10', 'app-100']) {
    const vm = vcenter?.vms.find((candidate) => candidate.name === name);
    if (vm && simulator.state.replicationOfVm(vm.id)) {
      say(`  UNEXPECTED: ${name} was configured although only app-1 was asked for`);
      mismatches.push({ name, expected: 'not-found', why: 'name trap' });
    }
  }
  say(
    mismatches.length === 0
      ? `Every VM ended as expected (${elapsed()}).`
      : `${mismatches.length} VM(s) did not end as expected.`,
  );
  say(`\nTemporal UI: ${uiUrl}\nThis run:    ${link}`);
  return mismatches.length === 0 ? 0 : 1;
}

let keeping = false;
let interrupted = false;
/** Set while a run is in flight: the first Ctrl-C cancels it and lets the demo finish normally. */
let cancelRun: (() => void) | undefined;

/** With --keep, stop the worker and the simulator, leave Temporal up and wait for Ctrl-C. */
async function keepTemporal(): Promise<void> {
  const temporalIndex = cleanups.findIndex((step) => step.name === 'Temporal');
  const untilTemporal = cleanups.splice(0, temporalIndex + 1);
  await cleanUp();
  cleanups.push(...untilTemporal);
  say('\nTemporal keeps running for you to look around (the worker and the simulator are stopped).');
  say('Press Ctrl-C to stop it; its data stays in .work/demo/temporal.sqlite for the next demo.');
  keeping = true;
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
}

/** Stops everything the demo started and exits 130; a second call exits at once. */
function hardStop(): void {
  if (interrupted) process.exit(130);
  interrupted = true;
  say('\nStopping everything the demo started...');
  void cleanUp().then(() => process.exit(130));
}

process.on('SIGINT', () => {
  if (keeping) return; // keepTemporal's own listener ends the wait; the normal path then cleans up.
  if (cancelRun) {
    say('\nInterrupted; cancelling the run (Ctrl-C again to stop at once)...');
    cancelRun();
    cancelRun = undefined;
    return;
  }
  hardStop();
});

main()
  .then(async (exitCode) => {
    if (interrupted) return; // the SIGINT handler is cleaning up and exits
    if (keep) await keepTemporal();
    await cleanUp();
    process.exit(exitCode);
  })
  .catch(async (error: unknown) => {
    if (interrupted) return;
    console.error(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanUp();
    process.exit(1);
  });
