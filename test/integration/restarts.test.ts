/**
 * Durability with real processes: the worker runs as its own process (`worker/main.ts`) and is killed with SIGKILL
 * mid-run, and the Temporal dev server is stopped and restarted on its SQLite file mid-run. Each run must complete,
 * with every VM configured exactly once (read from the simulator), and no session left open.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { configureReplicationWorkflow, progressQuery } from '../../workflows';
import { SIM_SITES, type RunningSimulator } from '../../simulator';
import { startTestTemporal, uniqueId, type TestTemporal } from '../support/temporal';
import { openSessions, startTestSimulator, suitableVmNames } from '../support/simulator';

const repoRoot = path.resolve(__dirname, '../..');
let temporal: TestTemporal;

before(async () => {
  temporal = await startTestTemporal({ persistent: true });
});
after(async () => {
  await temporal?.close();
});

function writeSitesFile(sim: RunningSimulator, dir: string): string {
  const file = path.join(dir, `sites-${sim.port}.json`);
  const site = {
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
    pacing: { perClientPerMinute: 100000, perSessionPerMinute: 100000 },
  };
  writeFileSync(file, JSON.stringify({ sites: { protected: site } }, null, 2));
  return file;
}

/** Starts `worker/main.ts` as a child process and resolves once it logs that it started. */
async function startWorkerProcess(sitesFile: string, taskQueue: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'worker/main.ts', '--sites', sitesFile, '--task-queue', taskQueue],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: temporal.server.address,
        SIM_PROTECTED_PASSWORD: SIM_SITES.protected.password,
        SIM_RECOVERY_PASSWORD: SIM_SITES.recovery.password,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start within 120 s:\n${output}`)),
      120_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker started')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before starting:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  return child;
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const configuredExactlyOnce = (sim: RunningSimulator, vmIds: string[]) => {
  const perVm = sim.state.stats.toJSON().replicationsPerVm as Record<string, number>;
  for (const vmId of vmIds) assert.equal(perVm[vmId], 1, `${vmId} configured ${perVm[vmId] ?? 0} times`);
  assert.equal(sim.state.stats.alreadyReplicatedConfigureAttempts, 0);
};

describe('restarts in the middle of a run', () => {
  test('the worker is killed with SIGKILL and restarted: the run completes, each VM configured once', async () => {
    // Idle sessions expire after 5 s so the killed worker's session (its token died with it) leaves the pool.
    const sim = await startTestSimulator({
      sessionIdleMs: 5_000,
      taskDurations: { queuedMs: 500, runningMs: 3_000 },
    });
    const taskQueue = uniqueId('restart-worker');
    const sitesFile = writeSitesFile(sim, temporal.workDir);
    let worker = await startWorkerProcess(sitesFile, taskQueue);
    try {
      const names = await suitableVmNames(sim, 45);
      const handle = await temporal.client.workflow.start(configureReplicationWorkflow, {
        taskQueue,
        workflowId: uniqueId('configure-kill'),
        args: [
          {
            site: 'protected',
            pairing: { remoteVcenter: SIM_SITES.recovery.vcenterName },
            vms: names.map((name) => ({ name })),
            targetDatastore: 'recovery-ds-1',
            pollIntervalSeconds: 1,
            pollIntervalCapSeconds: 2,
          },
        ],
      });
      // Kill it right after the first configure request reached VR, while the other batches are still to go.
      await waitFor(
        async () =>
          (sim.state.stats.requests.get('POST /pairings/{pairing_id}/replications')?.count ?? 0) >= 1,
        'the first configure POST',
      );
      await stopProcess(worker, 'SIGKILL');
      worker = await startWorkerProcess(sitesFile, taskQueue);
      const result = await handle.result();
      assert.equal(
        result.totals.configured,
        45,
        JSON.stringify(result.vms.filter((vm) => vm.outcome !== 'configured')),
      );
      configuredExactlyOnce(
        sim,
        result.vms.map((vm) => vm.vmId!),
      );
      // The live worker logged out at the end; the killed one's session expires after 5 s idle.
      await waitFor(async () => openSessions(sim) === 0, 'every session to close', 30_000);
    } finally {
      await stopProcess(worker, 'SIGTERM');
      await sim.close();
    }
  });

  test('the Temporal server is restarted on its SQLite file mid-run: the run completes', async () => {
    const sim = await startTestSimulator({ taskDurations: { queuedMs: 1_000, runningMs: 4_000 } });
    const taskQueue = uniqueId('restart-server');
    const worker = await startWorkerProcess(writeSitesFile(sim, temporal.workDir), taskQueue);
    try {
      const names = await suitableVmNames(sim, 10);
      const workflowId = uniqueId('configure-server-restart');
      const handle = await temporal.client.workflow.start(configureReplicationWorkflow, {
        taskQueue,
        workflowId,
        args: [
          {
            site: 'protected',
            pairing: { remoteVcenter: SIM_SITES.recovery.vcenterName },
            vms: names.map((name) => ({ name })),
            targetDatastore: 'recovery-ds-1',
            pollIntervalSeconds: 1,
            pollIntervalCapSeconds: 2,
          },
        ],
      });
      await waitFor(
        async () => (await handle.query(progressQuery)).phase === 'waiting for configure tasks',
        'the wait phase',
      );
      await temporal.server.restart();
      const result = await temporal.client.workflow
        .getHandle<typeof configureReplicationWorkflow>(workflowId)
        .result();
      assert.equal(result.totals.configured, 10);
      configuredExactlyOnce(
        sim,
        result.vms.map((vm) => vm.vmId!),
      );
      await waitFor(async () => openSessions(sim) === 0, 'logout', 10_000);
    } finally {
      await stopProcess(worker, 'SIGTERM');
      await sim.close();
    }
  });
});
