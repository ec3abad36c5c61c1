/**
 * Replays saved histories (test/fixtures/histories, recorded by scripts/record-histories.ts) through the current
 * workflow code: a change that is not replay-safe (non-determinism) fails here, before it reaches running workflows.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { temporal as proto } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { quietRuntime, workflowBundle } from '../support/temporal';

const dir = path.resolve(__dirname, '../fixtures/histories');

// Proto3 JSON back into a History (the SDK's historyFromJSON trips over two protobufjs copies in node_modules).
const readHistory = (file: string) =>
  proto.api.history.v1.History.fromObject(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);

test('saved histories replay through the current workflow code', async () => {
  quietRuntime();
  const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
  assert.ok(files.length >= 5, 'histories are recorded');
  const histories = files.map((file) => ({
    workflowId: file.replace(/\.json$/, ''),
    history: readHistory(path.join(dir, file)),
  }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: await workflowBundle() },
    histories,
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  assert.deepEqual(failures, []);
});

test('the replay check catches a non-deterministic change', async () => {
  // The same history against a workflow that schedules different commands must fail.
  quietRuntime();
  const file = path.join(dir, 'configure-two-batches.json');
  const history = readHistory(file);
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const changed = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/changed-workflow') });
  await assert.rejects(Worker.runReplayHistory({ workflowBundle: changed }, history, 'changed'));
});
