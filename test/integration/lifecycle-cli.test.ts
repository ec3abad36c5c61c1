/**
 * The `replications` and `pairings` commands as a user runs them (a child process against a real Temporal dev
 * server, an in-process worker and the simulator): `--dry-run` prints exactly the replications it would touch and
 * changes nothing (checked through the simulator's control API); list exports CSV and JSON.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningSimulator } from '../../simulator';
import { startTestTemporal, startTestWorker, type TestTemporal, type TestWorker } from '../support/temporal';
import { openSessions, simSites, startTestSimulator } from '../support/simulator';

const repoRoot = path.resolve(__dirname, '../..');
let temporal: TestTemporal;
let sim: RunningSimulator;
let worker: TestWorker;

before(async () => {
  temporal = await startTestTemporal();
  sim = await startTestSimulator({ vms: 80 });
  worker = await startTestWorker(temporal, simSites(sim));
});
after(async () => {
  await worker?.stop();
  await sim?.close();
  await temporal?.close();
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'client/cli.ts',
      '--address',
      temporal.server.address,
      '--task-queue',
      worker.taskQueue,
      ...args,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

async function simState() {
  const replications = (await (await fetch(`${sim.url}/sim/replications`)).json()) as {
    list: Array<{ id: string; name?: string; pairingId: string; status?: { status?: string } }>;
  };
  const tasks = (await (await fetch(`${sim.url}/sim/tasks`)).json()) as { list: unknown[] };
  return { replications: replications.list, tasks: tasks.list.length };
}

const PAIRING = ['--site', 'protected', '--remote-vcenter', 'vc-recovery.sim.local'];

describe('replications and pairings commands', () => {
  test('--dry-run prints the exact set it would touch and changes nothing', async () => {
    const before = await simState();
    const sitePairingId = sim.state.sitePairing!.id;
    const expected = before.replications.filter(
      (replication) => replication.pairingId === sitePairingId && /^replicated-/.test(replication.name ?? ''),
    );
    assert.ok(expected.length >= 2);
    const { code, stdout, stderr } = await cli([
      'replications',
      'delete',
      ...PAIRING,
      '--all',
      '--name-glob',
      'replicated-*',
      '--dry-run',
    ]);
    assert.equal(code, 0, stderr);
    assert.match(
      stdout,
      new RegExp(`DRY RUN — nothing was changed\\. delete would touch these ${expected.length}`),
    );
    const rows = stdout.split('\n').filter((line) => /^\S+\s+GID-\S+\s+\S+\s+skipped-dry-run/.test(line));
    assert.equal(rows.length, expected.length, stdout);
    for (const replication of expected)
      assert.ok(rows.some((row) => row.includes(replication.id) && row.startsWith(replication.name!)));
    const after = await simState();
    assert.deepEqual(
      after.replications.map((r) => [r.id, r.status?.status]),
      before.replications.map((r) => [r.id, r.status?.status]),
    );
    assert.equal(after.tasks, before.tasks, 'no VR task was started');

    const csv = await cli([
      'replications',
      'delete',
      ...PAIRING,
      '--vm',
      'replicated-1',
      '--dry-run',
      '--format',
      'csv',
    ]);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trim().split(/\r?\n/);
    assert.equal(lines[0], 'VM,replication id,status before,outcome,reason');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /^replicated-1,GID-[^,]+,OK,skipped-dry-run,/);
    assert.equal(openSessions(sim), 0);
  });

  test('pause, list as CSV and JSON, pairings list; a refused sync exits 1', async () => {
    const paused = await cli(['replications', 'pause', ...PAIRING, '--vm', 'replicated-2']);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /replicated-2\s+GID-\S+\s+OK\s+done/);

    const sync = await cli(['replications', 'sync', ...PAIRING, '--vm', 'replicated-2']);
    assert.equal(sync.code, 1);
    assert.match(sync.stdout, /invalid-transition/);

    const csv = await cli(['replications', 'list', ...PAIRING, '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trim().split(/\r?\n/);
    assert.match(lines[0]!, /^VM,remote vCenter,status,RPO min,RPO violation,last sync,/);
    const sitePairingId = sim.state.sitePairing!.id;
    const count = (await simState()).replications.filter((r) => r.pairingId === sitePairingId).length;
    assert.equal(lines.length - 1, count);
    assert.ok(lines.some((line) => line.startsWith('replicated-2,') && line.includes(',PAUSED,')));

    const json = await cli([
      'replications',
      'list',
      '--site',
      'protected',
      '--not-protected',
      '--format',
      'json',
    ]);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as {
      notProtected: Array<{ name: string }>;
      replications: unknown[];
    };
    assert.ok(report.notProtected.length > 0);
    assert.equal(report.replications.length, 0);

    const pairings = await cli(['pairings', 'list', '--site', 'protected', '--format', 'json']);
    assert.equal(pairings.code, 0, pairings.stderr);
    assert.equal((JSON.parse(pairings.stdout) as { pairings: unknown[] }).pairings.length, 2);
  });
});
