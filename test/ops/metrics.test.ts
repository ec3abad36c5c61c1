/**
 * Metrics end to end: the real worker entry (worker/main.ts, child process) with `--metrics`, a Temporal dev
 * server and the simulator answering one 503. After a configure run, `/metrics` holds the SDK's own metrics and
 * ours: VR requests by endpoint and status, the retried activity, pacer wait time and VMs by outcome. (A 429 is
 * not used here: without Retry-After the activity would wait the default 60 s; test/plugin/metrics.test.ts
 * covers vr_rate_limited_total.)
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { configureReplicationWorkflow } from '../../plugin/workflow';
import { SIM_SITES, type RunningSimulator } from '../../simulator';
import { VR_METRIC_NAMES } from '../../worker/metrics';
import { secretsOf, startTestSimulator, suitableVmNames } from '../support/simulator';
import { startTestTemporal, uniqueId, type TestTemporal } from '../support/temporal';

let temporal: TestTemporal;
let sim: RunningSimulator;
let worker: ChildProcess | undefined;
let workerLog = '';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

before(async () => {
  [temporal, sim] = await Promise.all([startTestTemporal(), startTestSimulator()]);
});
after(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker?.once('exit', resolve));
  }
  await sim?.close();
  await temporal?.close();
});

/** Prometheus text → the sum of every sample of `name` whose labels include `labels`. */
function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let found: number | undefined;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const body = match[2] ?? '';
    if (!Object.entries(labels).every(([key, value]) => body.includes(`${key}="${value}"`))) continue;
    found = (found ?? 0) + Number(match[3]);
  }
  return found;
}

describe('worker metrics endpoint', () => {
  test('`/metrics` has the SDK metrics and ours after a configure run with a 503', async () => {
    const metricsPort = await freePort();
    const taskQueue = uniqueId('metrics');
    const sitesFile = path.join(temporal.workDir, 'sites.yaml');
    writeFileSync(
      sitesFile,
      [
        'sites:',
        '  protected:',
        `    url: ${sim.url}`,
        `    username: ${SIM_SITES.protected.username}`,
        '    password: { env: VR_PROTECTED_PASSWORD }',
        '    remoteCredentials:',
        `      - vcenter: ${SIM_SITES.recovery.vcenterName}`,
        `        username: ${SIM_SITES.recovery.username}`,
        '        password: { env: VR_RECOVERY_PASSWORD }',
        '',
      ].join('\n'),
    );
    worker = spawn(
      process.execPath,
      ['--import', 'tsx', 'worker/main.ts', '--sites', sitesFile, '--task-queue', taskQueue],
      {
        cwd: path.resolve(__dirname, '../..'),
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: temporal.server.address,
          VR_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
          VR_PROTECTED_PASSWORD: SIM_SITES.protected.password,
          VR_RECOVERY_PASSWORD: SIM_SITES.recovery.password,
          LOG_LEVEL: 'debug',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    worker.stderr?.on('data', (chunk: Buffer) => (workerLog += chunk.toString()));
    const deadline = Date.now() + 120_000;
    while (!workerLog.includes('"msg":"worker started"')) {
      assert.ok(worker.exitCode === null, `worker exited early:\n${workerLog}`);
      assert.ok(Date.now() < deadline, `worker did not start:\n${workerLog}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const vms = await suitableVmNames(sim, 2);
    // One 503 on the pairing lookup: the activity fails, Temporal retries it.
    sim.state.faults.set({ rules: [{ endpoint: 'GET /pairings', kind: 'error', status: 503, count: 1 }] });
    const workflowId = uniqueId('configure');
    const result = await temporal.client.workflow.execute(configureReplicationWorkflow, {
      taskQueue,
      workflowId,
      args: [
        {
          site: 'protected',
          pairing: { remoteVcenter: SIM_SITES.recovery.vcenterName },
          vms: vms.map((name) => ({ name })),
          targetDatastore: 'recovery-ds-1',
          pollIntervalSeconds: 1,
          pollIntervalCapSeconds: 2,
        },
      ],
    });
    assert.equal(result.totals.configured, 2);

    // The SDK exports on an interval (default 1 s): poll until the workflow's outcome counter is there.
    let text = '';
    const scrapeDeadline = Date.now() + 20_000;
    for (;;) {
      text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      if (sampleSum(text, VR_METRIC_NAMES.vmOutcomes, { outcome: 'configured' }) !== undefined) break;
      assert.ok(Date.now() < scrapeDeadline, `no ${VR_METRIC_NAMES.vmOutcomes} in:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    assert.equal(sampleSum(text, VR_METRIC_NAMES.vmOutcomes, { outcome: 'configured' }), 2);
    assert.ok(/^temporal_\w+/m.test(text), 'the SDK’s own temporal_* metrics are served too');
    assert.equal(
      sampleSum(text, VR_METRIC_NAMES.requests, { endpoint: '/pairings', method: 'GET', status: '503' }),
      1,
    );
    assert.ok(
      (sampleSum(text, VR_METRIC_NAMES.requests, { endpoint: '/pairings', status: '200' }) ?? 0) >= 1,
    );
    assert.ok(
      (sampleSum(text, VR_METRIC_NAMES.requests, { endpoint: '/session', method: 'POST', status: '200' }) ??
        0) >= 1,
    );
    assert.equal(sampleSum(text, VR_METRIC_NAMES.activityRetries, { activity_type: 'findPairing' }), 1);
    assert.ok((sampleSum(text, `${VR_METRIC_NAMES.requestDuration}_count`) ?? 0) > 5);
    assert.ok((sampleSum(text, `${VR_METRIC_NAMES.pacerWait}_count`) ?? 0) > 5);

    // Logs: JSON lines with the run's context on VR lines written inside activities, and no secret anywhere.
    const lines = workerLog
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const vrLine = lines.find((line) => line.msg === 'vr request' && line.workflowId === workflowId);
    assert.ok(vrLine, 'VR request lines carry the workflow id');
    assert.equal(typeof vrLine.runId, 'string');
    assert.equal(typeof vrLine.activityType, 'string');
    assert.ok(
      lines.some((line) => line.workflowId === workflowId && Array.isArray(line.vms)),
      'lines of VM activities name their VMs',
    );
    for (const secret of secretsOf(sim)) assert.ok(!workerLog.includes(secret), 'a secret reached the log');
  });
});
