/**
 * VrMetrics against the real VR client and the simulator, with a recording meter: requests by endpoint and
 * status, 429s, pacer waits (a fast pacer window makes requests wait), activity retries.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MetricMeter, MetricTags } from '@temporalio/common';
import { SIM_SITES, type RunningSimulator } from '../../simulator';
import { collect, VrClient, VrRateLimitedError } from '../../vr';
import { VR_METRIC_NAMES, VrMetrics } from '../../worker/metrics';
import { startTestSimulator } from '../support/simulator';

type Sample = { name: string; value: number; tags: MetricTags };

function recordingMeter(samples: Sample[]): MetricMeter {
  const instrument = (name: string) => ({
    name,
    unit: undefined,
    description: undefined,
    kind: 'counter' as const,
    valueType: 'int' as const,
    add: (value: number, tags: MetricTags = {}) => samples.push({ name, value, tags }),
    record: (value: number, tags: MetricTags = {}) => samples.push({ name, value, tags }),
    set: (value: number, tags: MetricTags = {}) => samples.push({ name, value, tags }),
    withTags: () => instrument(name),
  });
  const meter = {
    createCounter: instrument,
    createHistogram: instrument,
    createGauge: instrument,
    withTags: () => meter,
  };
  return meter as unknown as MetricMeter;
}

const sum = (samples: Sample[], name: string, tags: MetricTags = {}): number =>
  samples
    .filter((sample) => sample.name === name && Object.entries(tags).every(([k, v]) => sample.tags[k] === v))
    .reduce((total, sample) => total + sample.value, 0);

let sim: RunningSimulator;
before(async () => {
  sim = await startTestSimulator({ vms: 20 });
});
after(async () => {
  await sim?.close();
});

test('records requests by endpoint and status, 429s, pacer waits and retries', async () => {
  const samples: Sample[] = [];
  const metrics = new VrMetrics(recordingMeter(samples));
  // Two requests per 300 ms window: the third and fourth wait for the pacer.
  const client: VrClient = new VrClient({
    baseUrl: sim.url,
    pacing: { perClientPerMinute: 2, perSessionPerMinute: 100, windowMs: 300 },
    onExchange: (exchange) => metrics.observeExchange('protected', exchange, client.pacerStats()),
  });
  try {
    const credentials = { username: SIM_SITES.protected.username, password: SIM_SITES.protected.password };
    const session = client.session(await client.login(credentials));
    sim.state.faults.set({ rules: [{ endpoint: 'GET /pairings', kind: 'error', status: 429, count: 1 }] });
    await assert.rejects(collect(session.listPairings()), VrRateLimitedError);
    await collect(session.listPairings());
    await session.logout();
  } finally {
    await client.close();
  }
  metrics.observeActivityAttempt('findPairing', 1);
  metrics.observeActivityAttempt('findPairing', 2);

  assert.equal(sum(samples, VR_METRIC_NAMES.requests), 4);
  assert.equal(
    sum(samples, VR_METRIC_NAMES.requests, { endpoint: '/session', method: 'POST', status: '200' }),
    1,
  );
  assert.equal(sum(samples, VR_METRIC_NAMES.requests, { endpoint: '/pairings', status: '429' }), 1);
  assert.equal(sum(samples, VR_METRIC_NAMES.requests, { endpoint: '/pairings', status: '200' }), 1);
  assert.equal(sum(samples, VR_METRIC_NAMES.rateLimited, { endpoint: '/pairings', site: 'protected' }), 1);
  assert.equal(sum(samples, VR_METRIC_NAMES.pacerWaits), client.pacerStats()?.waits);
  assert.ok(sum(samples, VR_METRIC_NAMES.pacerWaits) >= 1, 'requests waited for the pacer');
  assert.equal(sum(samples, VR_METRIC_NAMES.pacerWait), client.pacerStats()?.totalWaitMs);
  assert.ok(sum(samples, VR_METRIC_NAMES.pacerWait) > 100);
  assert.equal(sum(samples, VR_METRIC_NAMES.activityRetries, { activity_type: 'findPairing' }), 1);
});
