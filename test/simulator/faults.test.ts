/* eslint-disable @typescript-eslint/no-explicit-any -- tests read loosely typed JSON answers */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningSimulator } from '../../simulator/index';
import { eventually, PROTECTED_AUTH, specFor, startTestSimulator, TestApi } from './sim-client';

void describe('simulator rate limit and faults', () => {
  let simulator: RunningSimulator;
  let api: TestApi;
  before(async () => {
    simulator = await startTestSimulator({ vms: 30 });
    api = new TestApi(simulator);
    await api.login();
  });
  after(() => simulator.close());

  void test('per-session limit answers 429 with Retry-After and bans; /sim is never limited', async () => {
    await api.call('POST', '/sim/limits', {
      body: { rateLimit: { enabled: true, perClientPerMinute: 100, perSessionPerMinute: 5, banMs: 2000 } },
    });
    const statuses: number[] = [];
    let limited: any;
    for (let index = 0; index < 7; index += 1) {
      const answer = await api.call('GET', '/session');
      statuses.push(answer.status);
      if (answer.status === 429) limited ??= answer;
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    assert.ok(Number(limited.headers.get('retry-after')) >= 2);
    assert.equal(limited.body.error_code, 'TOO_MANY_REQUESTS');
    for (let index = 0; index < 20; index += 1)
      assert.equal((await api.call('GET', '/sim/health')).status, 200);
    const stats = (await api.call('GET', '/sim/stats')).body;
    assert.equal(stats.rateLimited, 2);
    assert.equal(stats.requests.byEndpoint['GET /session'].byStatus['429'], 2);
    await api.call('POST', '/sim/limits', { body: { rateLimit: { enabled: false } } });
  });

  void test('per-client limit applies across sessions and to login', async () => {
    await api.call('POST', '/sim/limits', {
      body: { rateLimit: { enabled: true, perClientPerMinute: 3, perSessionPerMinute: 50, banMs: 0 } },
    });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) {
      statuses.push(
        (await api.call('POST', '/session', { headers: { authorization: PROTECTED_AUTH }, session: null }))
          .status,
      );
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    await api.call('POST', '/sim/limits', { body: { rateLimit: { enabled: false } } });
  });

  void test('windowMs shortens the window (time-compressed benchmarks): same count, room again sooner', async () => {
    await api.call('POST', '/sim/limits', {
      body: {
        rateLimit: { enabled: true, perClientPerMinute: 3, perSessionPerMinute: 50, banMs: 0, windowMs: 300 },
      },
    });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) statuses.push((await api.call('GET', '/session')).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal((await api.call('GET', '/session')).status, 200);
    assert.equal((await api.call('GET', '/sim/limits')).body.rateLimit.windowMs, 300);
    await api.call('POST', '/sim/limits', { body: { rateLimit: { enabled: false, windowMs: 60_000 } } });
  });

  void test('error fault: 500 ResponseError with op_id; count limits it', async () => {
    await api.call('POST', '/sim/faults', {
      body: { rules: [{ endpoint: 'GET /pairings', kind: 'error', count: 2 }] },
    });
    const first = await api.call('GET', '/pairings');
    assert.equal(first.status, 500);
    assert.match(first.body.op_id, /^[0-9a-f]{8}-[0-9a-f]{4}-/);
    assert.equal((await api.call('GET', '/pairings')).status, 500);
    assert.equal((await api.call('GET', '/pairings')).status, 200);
    assert.equal((await api.call('GET', '/session')).status, 200, 'other endpoints untouched');
    assert.equal((await api.call('GET', '/sim/stats')).body.faultsInjected.error, 2);
  });

  void test('reset fault destroys the connection; afterHandler still applies the effect', async () => {
    await api.call('POST', '/sim/faults', {
      body: { rules: [{ endpoint: '* /session', kind: 'reset', count: 1 }] },
    });
    await assert.rejects(api.call('GET', '/session'));
    assert.equal((await api.call('GET', '/session')).status, 200);
    const { site } = await api.pairings();
    await api.remoteLogin(site.pairing_id);
    const vms = (
      await api.call(
        'GET',
        `/pairings/${site.pairing_id}/vcenters/${site.local_vc_server.id}/vms?suitable_for_replication=true&filter_property=name&filter=app-10`,
      )
    ).body.list;
    const vm = vms.find((candidate: any) => candidate.name === 'app-10');
    const datastores = (
      await api.call('GET', `/pairings/${site.pairing_id}/vcenters/${site.remote_vc_server.id}/datastores`)
    ).body.list;
    await api.call('POST', '/sim/faults', {
      body: {
        rules: [
          {
            endpoint: 'POST /pairings/{pairing_id}/replications',
            kind: 'reset',
            afterHandler: true,
            count: 1,
          },
        ],
      },
    });
    const body = [specFor(vm, site.remote_vc_server.id, datastores[0].id)];
    await assert.rejects(api.call('POST', `/pairings/${site.pairing_id}/replications`, { body }));
    const retried = await api.call('POST', `/pairings/${site.pairing_id}/replications`, { body });
    assert.equal(retried.status, 202);
    const task = await eventually(async () => {
      const current = (await api.call('GET', `/tasks/${encodeURIComponent(retried.body.list[0].id)}`)).body;
      return current.status === 'ERROR' || current.status === 'SUCCESS' ? current : undefined;
    });
    assert.equal(task.status, 'ERROR', 'the first, reset POST did configure the VM');
    assert.equal((await api.call('GET', '/sim/stats')).body.alreadyReplicatedConfigureAttempts, 1);
  });

  void test('latency, remote site unreachable and task failure rate', async () => {
    await api.call('POST', '/sim/faults', {
      body: {
        rules: [{ endpoint: 'GET /info', kind: 'latency', ms: 150 }],
        remoteSiteUnreachable: true,
        taskFailureRate: 1,
      },
    });
    const started = Date.now();
    assert.equal((await api.call('GET', '/info')).status, 200);
    assert.ok(Date.now() - started >= 140);
    const { site, robo } = await api.pairings();
    const unreachable = await api.call('GET', `/pairings/${site.pairing_id}/replications`);
    assert.equal(unreachable.status, 503);
    assert.equal(unreachable.body.error_code, 'REMOTE_SITE_UNREACHABLE');
    const list = (await api.call('GET', `/pairings/${robo.pairing_id}/replications`)).body.list;
    const created = await api.call(
      'POST',
      `/pairings/${robo.pairing_id}/replications/${list[0].id}/actions/pause`,
    );
    const task = await eventually(async () => {
      const current = (await api.call('GET', `/tasks/${encodeURIComponent(created.body.id)}`)).body;
      return current.status === 'ERROR' || current.status === 'SUCCESS' ? current : undefined;
    });
    assert.equal(task.status, 'ERROR');
    assert.match(task.error.message, /Simulated task failure/);
    await api.call('POST', '/sim/faults', { body: {} });
  });

  void test('malformed answers: wrong types, missing field, truncated JSON, HTML, redirect', async () => {
    const raw = async (mode: string) => {
      await api.call('POST', '/sim/faults', {
        body: { rules: [{ endpoint: 'GET /session', kind: 'malformed', mode, count: 1 }] },
      });
      const response = await fetch(`${api.base}/session`, {
        headers: { 'x-dr-session': api.sessionId! },
        redirect: 'manual',
      });
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        text: await response.text(),
        location: response.headers.get('location'),
      };
    };
    assert.deepEqual(JSON.parse((await raw('wrong-types')).text), { username: 12345 });
    assert.deepEqual(JSON.parse((await raw('missing-field')).text), {});
    const truncated = await raw('truncated-json');
    assert.throws(() => JSON.parse(truncated.text));
    const html = await raw('html');
    assert.equal(html.status, 502);
    assert.match(html.type ?? '', /text\/html/);
    const redirect = await raw('redirect');
    assert.equal(redirect.status, 302);
    assert.match(redirect.location ?? '', /^http:\/\/redirect\.invalid\//);
    await api.call('POST', '/sim/faults', {
      body: {
        rules: [
          { endpoint: 'GET /session', kind: 'malformed', mode: 'huge-body', bytes: 3_000_000, count: 1 },
        ],
      },
    });
    const huge = await fetch(`${api.base}/session`, { headers: { 'x-dr-session': api.sessionId! } });
    assert.equal((await huge.arrayBuffer()).byteLength, 3_000_000);
    const invalid = await api.call('POST', '/sim/faults', {
      body: { rules: [{ endpoint: '*', kind: 'explode' }] },
    });
    assert.equal(invalid.status, 400);
  });

  void test('slow body trickles the answer', async () => {
    await api.call('POST', '/sim/faults', {
      body: { rules: [{ endpoint: 'GET /pairings', kind: 'slow-body', ms: 200, count: 1 }] },
    });
    const started = Date.now();
    const answer = await api.call('GET', '/pairings');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.list.length, 2);
    assert.ok(Date.now() - started >= 150);
  });
});
