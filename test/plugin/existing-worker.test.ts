/**
 * The plugin on an existing worker (examples/existing-worker): a real Temporal dev server and the simulator over
 * HTTP. The worker's own workflow and activity and configureReplicationWorkflow run on the same worker; a client
 * with the plugin shares its payload codec with the worker; stopping the worker logs out its VR sessions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import { createExistingWorker } from '../../examples/existing-worker/worker';
import { greetingWorkflow } from '../../examples/existing-worker/workflows';
import { vsphereReplicationPlugin } from '../../plugin';
import { configureReplicationWorkflow } from '../../plugin/workflow';
import type { RunningSimulator } from '../../simulator';
import { openSessions, simSites, startTestSimulator, suitableVmNames } from '../support/simulator';
import { startTestTemporal, uniqueId, type TestTemporal } from '../support/temporal';

const TEST_ENCODING = 'binary/vr-plugin-test';
const encoder = new TextEncoder();

/** Wraps every payload (a stand-in for the encryption codec of issue 6): its encoding shows in the history. */
const wrappingCodec: PayloadCodec = {
  encode: async (payloads: Payload[]) =>
    payloads.map((payload) => ({
      metadata: { encoding: encoder.encode(TEST_ENCODING) },
      data: proto.api.common.v1.Payload.encode(payload).finish(),
    })),
  decode: async (payloads: Payload[]) =>
    payloads.map((payload) =>
      new TextDecoder().decode(payload.metadata?.encoding) === TEST_ENCODING
        ? (proto.api.common.v1.Payload.decode(payload.data ?? new Uint8Array()) as Payload)
        : payload,
    ),
};

let temporal: TestTemporal;
let sim: RunningSimulator;

before(async () => {
  temporal = await startTestTemporal();
  sim = await startTestSimulator();
});
after(async () => {
  await sim?.close();
  await temporal?.close();
});

describe('vsphereReplicationPlugin on an existing worker', () => {
  test("the worker's own workflow and configureReplicationWorkflow both run; sessions are logged out on stop", async () => {
    const taskQueue = uniqueId('existing');
    const { worker, connection } = await createExistingWorker({
      address: temporal.server.address,
      taskQueue,
      sites: simSites(sim),
      codec: wrappingCodec,
    });
    const running = worker.run();
    // A client of the user's, with the plugin: same data converter (codec) as the worker.
    const client = new Client({
      connection: temporal.connection,
      plugins: [vsphereReplicationPlugin({ sites: [], codec: wrappingCodec })],
    });
    try {
      const greetingId = uniqueId('greeting');
      const greeting = await client.workflow.execute(greetingWorkflow, {
        taskQueue,
        workflowId: greetingId,
        args: ['vSphere'],
      });
      assert.equal(greeting, 'Hello, vSphere!');

      const vms = await suitableVmNames(sim, 3);
      const configureId = uniqueId('configure');
      const result = await client.workflow.execute(configureReplicationWorkflow, {
        taskQueue,
        workflowId: configureId,
        args: [
          {
            site: 'protected',
            pairing: { remoteVcenter: 'vc-recovery.sim.local' },
            vms: vms.map((name) => ({ name })),
            targetDatastore: 'recovery-ds-1',
            pollIntervalSeconds: 1,
            pollIntervalCapSeconds: 2,
          },
        ],
      });
      assert.equal(result.totals.configured, 3, JSON.stringify(result.totals));
      // The simulator really holds the replications.
      const replicated = new Set(
        [...sim.state.replications.values()].map((replication) => replication.vm.name),
      );
      for (const name of vms) assert.ok(replicated.has(name), `${name} has no replication in the simulator`);

      // The codec ran on the client (input) and on the worker (result): the stored payloads carry its encoding.
      const history = await temporal.client.workflow.getHandle(configureId).fetchHistory();
      const encodings = (history.events ?? []).flatMap((event) => [
        ...(event.workflowExecutionStartedEventAttributes?.input?.payloads ?? []),
        ...(event.workflowExecutionCompletedEventAttributes?.result?.payloads ?? []),
      ]);
      assert.equal(encodings.length, 2);
      for (const payload of encodings) {
        assert.equal(new TextDecoder().decode(payload.metadata?.encoding ?? undefined), TEST_ENCODING);
      }
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
    }
    assert.equal(openSessions(sim), 0, 'the plugin logs out every cached VR session when the worker stops');
  });
});
