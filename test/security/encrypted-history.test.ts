/**
 * With the payload codec on in client and worker, a configure run's raw history (as the server stores it) holds no
 * VM name, datastore or setting — neither in payloads nor in failure messages — while the codec server's /decode
 * (what the Temporal UI calls) shows them to a holder of the key.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createVrActivities } from '../../activities';
import { connectTemporalClient } from '../../client/api';
import {
  createDataConverter,
  DEFAULT_UI_ORIGIN,
  loadCodecFromEnvironment,
  startCodecServer,
  type RunningCodecServer,
} from '../../codec';
import type { RunningSimulator } from '../../simulator';
import type { ConfigureReplicationResult } from '../../workflows/configure-replication-input';
import { secretsOf, simSites, startTestSimulator, suitableVmNames } from '../support/simulator';
import { startTestTemporal, uniqueId, type TestTemporal } from '../support/temporal';

const keyring = JSON.stringify({
  activeKeyId: 'k2',
  keys: { k1: randomBytes(32).toString('base64'), k2: randomBytes(32).toString('base64') },
});
const codec = loadCodecFromEnvironment({ VR_CODEC_KEY: keyring })!;
const dataConverter = createDataConverter(codec);

let temporalServer: TestTemporal;
let client: Client;
let sim: RunningSimulator;
let codecServer: RunningCodecServer;

before(async () => {
  temporalServer = await startTestTemporal();
  client = await connectTemporalClient({ address: temporalServer.server.address, dataConverter });
  sim = await startTestSimulator({ vms: 60 });
  codecServer = await startCodecServer({ codec, port: 0 });
});
after(async () => {
  await codecServer?.close();
  await sim?.close();
  await client?.connection.close();
  await temporalServer?.close();
});

type JsonPayload = { metadata?: Record<string, string>; data?: string };

/** Every Payload message anywhere in the history events (inputs, results, failures' encoded attributes, ...). */
function payloadsIn(value: unknown, found: temporal.api.common.v1.IPayload[] = [], seen = new Set<object>()) {
  if (value === null || typeof value !== 'object' || seen.has(value) || value instanceof Uint8Array)
    return found;
  seen.add(value);
  const candidate = value as { metadata?: unknown; data?: unknown };
  if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') {
    found.push(candidate as temporal.api.common.v1.IPayload);
    return found;
  }
  for (const inner of Object.values(value)) payloadsIn(inner, found, seen);
  return found;
}

async function rawHistory(workflowId: string): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId },
      nextPageToken,
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

describe('payload encryption', () => {
  test('the raw history holds no VM names or settings; the codec server decodes them', async () => {
    const vmNames = await suitableVmNames(sim, 3);
    assert.equal(vmNames.length, 3);
    // One failed attempt puts a failure (naming the VMs) into the history: its message must be encrypted too.
    sim.state.faults.set({
      rules: [{ endpoint: 'POST /pairings/{pairing_id}/replications', kind: 'error', status: 500, count: 1 }],
    });
    const taskQueue = uniqueId('encrypted');
    const connection = await NativeConnection.connect({ address: temporalServer.server.address });
    const vr = createVrActivities({ sites: simSites(sim) });
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('../../workflows'),
      activities: vr.activities,
      dataConverter,
      shutdownGraceTime: '5s',
    });
    const workflowId = uniqueId('configure-encrypted');
    let result: ConfigureReplicationResult;
    try {
      result = await worker.runUntil(
        client.workflow.execute('configureReplicationWorkflow', {
          taskQueue,
          workflowId,
          args: [
            {
              site: 'protected',
              pairing: { remoteVcenter: 'vc-recovery.sim.local' },
              vms: vmNames.map((name) => ({ name })),
              targetDatastore: 'recovery-ds-1',
              settings: { rpoMinutes: 15, networkCompression: true },
              pollIntervalSeconds: 1,
              pollIntervalCapSeconds: 2,
            },
          ],
        }),
      );
    } finally {
      await vr.close();
      await connection.close();
    }
    // The client decrypts transparently.
    assert.deepEqual(
      result.vms.map((vm) => [vm.requested, vm.outcome]),
      vmNames.map((name) => [name, 'configured']),
    );

    const events = await rawHistory(workflowId);
    const raw = Buffer.from(temporal.api.history.v1.History.encode({ events }).finish()).toString('latin1');
    assert.ok(raw.includes('configureReplicationBatch'), 'the scan sees the plain parts of the history');
    const plaintext = [
      ...vmNames,
      'recovery-ds-1',
      'vc-recovery.sim.local',
      'rpoMinutes',
      'networkCompression',
    ];
    for (const word of [...plaintext, 'configure replication of', ...secretsOf(sim)])
      assert.ok(!raw.includes(word), `raw history holds "${word}"`);
    const failures = events.filter((event) => event.activityTaskStartedEventAttributes?.lastFailure);
    assert.ok(failures.length > 0, 'the retried configure attempt left its failure in the history');
    assert.equal(failures[0]?.activityTaskStartedEventAttributes?.lastFailure?.message, 'Encoded failure');

    // Patch markers (workflow versioning) carry the patch id, written by the SDK's core without the codec: our own
    // constant, never user data. Everything else must be encrypted.
    const isPatchMarker = (event: temporal.api.history.v1.IHistoryEvent) =>
      event.markerRecordedEventAttributes?.markerName === 'core_patch';
    for (const marker of payloadsIn(events.filter(isPatchMarker))) {
      const text = Buffer.from(marker.data ?? []).toString();
      assert.match(text, /^\{"id":"[a-z0-9-]+","deprecated":(true|false)\}$/, `patch marker holds ${text}`);
    }
    const changeVersions = events.flatMap((event) => {
      const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
      return fields && Object.keys(fields).join() === 'TemporalChangeVersion'
        ? [fields.TemporalChangeVersion!]
        : [];
    });
    for (const version of changeVersions)
      assert.match(Buffer.from(version.data ?? []).toString(), /^\["[a-z0-9-]+"(,"[a-z0-9-]+")*\]$/);
    // ... and so do the TemporalChangeVersion search attribute upserts that come with them (visibility, never
    // encoded).
    const payloads = payloadsIn(
      events.filter(
        (event) =>
          !isPatchMarker(event) &&
          !changeVersions.some((version) =>
            Object.values(
              event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
            ).includes(version),
          ),
      ),
    );
    assert.ok(payloads.length >= 10, `found ${payloads.length} payloads`);
    for (const payload of payloads)
      assert.equal(Buffer.from(payload.metadata?.encoding ?? []).toString(), 'binary/encrypted');

    // What the Temporal UI does: POST the payloads, as protobuf JSON, to <codec endpoint>/decode.
    const response = await fetch(`${codecServer.url}/default/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: DEFAULT_UI_ORIGIN, 'x-namespace': 'default' },
      body: JSON.stringify({
        payloads: payloads.map((payload): JsonPayload => ({
          metadata: Object.fromEntries(
            Object.entries(payload.metadata ?? {}).map(([key, value]) => [
              key,
              Buffer.from(value).toString('base64'),
            ]),
          ),
          data: Buffer.from(payload.data ?? []).toString('base64'),
        })),
      }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), DEFAULT_UI_ORIGIN);
    const decoded = ((await response.json()) as { payloads: JsonPayload[] }).payloads;
    assert.equal(decoded.length, payloads.length);
    const shown = decoded
      .map((payload) => Buffer.from(payload.data ?? '', 'base64').toString('utf8'))
      .join('\n');
    for (const word of [...plaintext, 'configure replication of']) assert.ok(shown.includes(word), word);
    for (const secret of secretsOf(sim)) assert.ok(!shown.includes(secret), 'a secret is in a payload');
  });
});
