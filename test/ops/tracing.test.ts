/**
 * Optional OpenTelemetry tracing: a worker started with the tracing plugin exports spans for the workflow run and
 * for each activity (each VR call); the environment switch accepts off, console and file:<path> only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { getConfigureResult, startConfigureReplication } from '../../client/api';
import type { RunningSimulator } from '../../simulator';
import { createJsonLogger } from '../../worker/logger';
import { runWorker } from '../../worker/run-worker';
import { tracingPlugin, tracingPluginFromEnvironment } from '../../worker/tracing';
import { simSites, startTestSimulator, suitableVmNames } from '../support/simulator';
import { startTestTemporal, uniqueId, type TestTemporal } from '../support/temporal';

let temporal: TestTemporal;
let sim: RunningSimulator;

before(async () => {
  [temporal, sim] = await Promise.all([startTestTemporal(), startTestSimulator()]);
});
after(async () => {
  await sim?.close();
  await temporal?.close();
});

test('a traced worker exports spans for the workflow and every activity', async () => {
  const exporter = new InMemorySpanExporter();
  const taskQueue = uniqueId('tracing');
  const running = await runWorker({
    sites: simSites(sim),
    address: temporal.server.address,
    taskQueue,
    logger: createJsonLogger({ write: () => undefined }),
    plugins: [tracingPlugin(new SimpleSpanProcessor(exporter))],
    shutdownGraceTime: '5s',
  });
  try {
    const [name] = await suitableVmNames(sim, 1);
    const handle = await startConfigureReplication(
      temporal.client,
      {
        site: 'protected',
        pairing: { remoteVcenter: 'vc-recovery.sim.local' },
        vms: [{ name: name! }],
        targetDatastore: 'recovery-ds-1',
        pollIntervalSeconds: 1,
      },
      { taskQueue },
    );
    const result = await getConfigureResult(temporal.client, handle.workflowId);
    assert.equal(result.totals.configured, 1);
  } finally {
    await running.shutdown();
  }
  const names = new Set(exporter.getFinishedSpans().map((span) => span.name));
  for (const expected of [
    'RunWorkflow:configureReplicationWorkflow',
    'RunActivity:login',
    'RunActivity:configureReplicationBatch',
    'RunActivity:logout',
  ]) {
    assert.ok(names.has(expected), `${expected} in ${[...names].join(', ')}`);
  }
});

test('VR_OTEL_TRACES accepts off, console and file:<path>, and names the variable otherwise', () => {
  assert.equal(tracingPluginFromEnvironment({}), undefined);
  assert.equal(tracingPluginFromEnvironment({ VR_OTEL_TRACES: 'off' }), undefined);
  assert.ok(tracingPluginFromEnvironment({ VR_OTEL_TRACES: 'console' }));
  assert.ok(tracingPluginFromEnvironment({ VR_OTEL_TRACES: 'file:/tmp/vr-spans.jsonl' }));
  assert.throws(
    () => tracingPluginFromEnvironment({ VR_OTEL_TRACES: 'jaeger' }),
    /VR_OTEL_TRACES=jaeger: use off, console or file:<path>/,
  );
});
