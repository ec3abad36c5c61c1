/**
 * The OpenAPI conformance check end to end: the simulator's answers and the client's request bodies must conform
 * to the official document, and every client API operation must have been exercised in both API versions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatConformanceReport, runConformanceCheck } from '../../conformance/run';

void test('the simulator and the client conform to the OpenAPI document (v2 and v1)', async () => {
  const report = await runConformanceCheck();
  const details = formatConformanceReport(report);
  assert.deepEqual(report.issues, [], details);
  assert.deepEqual(report.missingClientOperations, [], details);
  assert.deepEqual(report.simulatorRoutesNotExercised, [], details);
  assert.ok(report.exchangesChecked > 100, details);
  assert.ok(report.ok, details);
});

void test('the check reports a non-conforming simulator answer with endpoint and field', async () => {
  const report = await runConformanceCheck({
    versions: ['v2'],
    simulator: {
      faults: {
        rules: [{ endpoint: 'GET /pairings/{pairing_id}', kind: 'malformed', mode: 'wrong-types', count: 1 }],
      },
    },
  });
  assert.equal(report.ok, false);
  const issue = report.issues.find((text) =>
    text.includes('GET /pairings/{pairing_id} 200 response (v2): /pairing_id'),
  );
  assert.ok(issue, formatConformanceReport(report));
  assert.match(issue, /must be string/);
});
