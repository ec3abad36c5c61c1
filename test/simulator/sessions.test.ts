import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningSimulator } from '../../simulator/index';
import { SIM_SITES } from '../../simulator/index';
import { basic, PROTECTED_AUTH, RECOVERY_AUTH, sleep, startTestSimulator, TestApi } from './sim-client';

void describe('simulator sessions', () => {
  let simulator: RunningSimulator;
  before(async () => {
    simulator = await startTestSimulator({ sessionPoolSize: 3, sessionIdleMs: 300 });
  });
  after(() => simulator.close());

  void test('login returns a session id; GET /session returns the user; logout answers 204', async () => {
    const api = new TestApi(simulator);
    const sessionId = await api.login();
    assert.match(sessionId, /^[0-9a-f-]{36}$/);
    const info = await api.call('GET', '/session');
    assert.equal(info.status, 200);
    assert.deepEqual(info.body, { username: SIM_SITES.protected.username });
    const logout = await api.call('DELETE', '/session');
    assert.equal(logout.status, 204);
    // The document declares only 200/400/500 for GET /session, so a missing session is a 400 there.
    assert.equal((await api.call('GET', '/session')).status, 400);
    assert.equal((await api.call('GET', '/tasks')).status, 401);
  });

  void test('bad credentials, the recovery user at the gateway and no credentials are 400 ResponseError (as documented)', async () => {
    const api = new TestApi(simulator);
    for (const authorization of [basic(SIM_SITES.protected.username, 'wrong'), RECOVERY_AUTH, undefined]) {
      const answer = await api.call('POST', '/session', {
        headers: authorization ? { authorization } : {},
        session: null,
      });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.error_code, 'AUTHENTICATION_FAILED');
      assert.match(answer.body.op_id, /^[0-9a-f-]{36}$/);
      assert.ok(!JSON.stringify(answer.body).includes('wrong'), 'no secret in the error');
    }
  });

  void test('missing or unknown x-dr-session is 401 on every other call', async () => {
    const api = new TestApi(simulator);
    assert.equal((await api.call('GET', '/pairings', { session: null })).status, 401);
    const unknown = await api.call('GET', '/tasks', { session: 'not-a-session' });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error_code, 'NOT_AUTHENTICATED');
  });

  void test('sessions expire after the idle time, and each request refreshes it', async () => {
    const api = new TestApi(simulator);
    await api.login();
    for (let index = 0; index < 4; index += 1) {
      await sleep(150);
      assert.equal((await api.call('GET', '/session')).status, 200, 'refreshed by use');
    }
    await sleep(400);
    assert.equal((await api.call('GET', '/tasks')).status, 401, 'expired after idling');
  });

  void test('a full pool refuses logins with 503 SESSION_POOL_EXHAUSTED until a slot is freed', async () => {
    await simulator.state.sessions.expire();
    const apis = [new TestApi(simulator), new TestApi(simulator), new TestApi(simulator)];
    for (const api of apis) await api.login();
    const refused = await new TestApi(simulator).call('POST', '/session', {
      headers: { authorization: PROTECTED_AUTH },
      session: null,
    });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error_code, 'SESSION_POOL_EXHAUSTED');
    await apis[0]!.call('DELETE', '/session');
    await new TestApi(simulator).login();
    await simulator.state.sessions.expire();
  });

  void test('control API: forced expiry, session listing without ids, issued session ids', async () => {
    const api = new TestApi(simulator);
    const first = await api.login();
    const sessions = await api.call('GET', '/sim/sessions');
    assert.equal(sessions.body.count, 1);
    assert.deepEqual(sessions.body.usernames, [SIM_SITES.protected.username]);
    assert.ok(!JSON.stringify(sessions.body).includes(first));
    const expired = await api.call('POST', '/sim/sessions/expire', { body: { sessionId: first } });
    assert.deepEqual(expired.body, { expired: 1 });
    assert.equal((await api.call('GET', '/session')).status, 400);
    const issued = await api.call('GET', '/sim/issued-session-ids');
    assert.ok(issued.body.sessionIds.includes(first));
    const stats = await api.call('GET', '/sim/stats');
    assert.ok(stats.body.logins >= 1);
    assert.ok(stats.body.requests.byEndpoint['GET /session'].byStatus['400'] >= 1);
  });

  void test('remote session: needs both headers, 401 without it, ROBO needs none', async () => {
    await simulator.state.sessions.expire();
    const api = new TestApi(simulator);
    await api.login();
    const { site, robo } = await api.pairings();
    assert.equal((await api.call('GET', `/pairings/${site.pairing_id}/remote-session`)).status, 401);
    const remoteVc = site.remote_vc_server.id;
    const denied = await api.call('GET', `/pairings/${site.pairing_id}/vcenters/${remoteVc}/datastores`);
    assert.equal(denied.status, 401);
    assert.equal(denied.body.error_code, 'REMOTE_SESSION_REQUIRED');
    const wrong = await api.call('POST', `/pairings/${site.pairing_id}/remote-session`, {
      headers: { authorization: PROTECTED_AUTH },
    });
    assert.equal(wrong.status, 401);
    const noSession = await api.call('POST', `/pairings/${site.pairing_id}/remote-session`, {
      headers: { authorization: RECOVERY_AUTH },
      session: null,
    });
    assert.equal(noSession.status, 401);
    await api.remoteLogin(site.pairing_id);
    const remote = await api.call('GET', `/pairings/${site.pairing_id}/remote-session`);
    assert.deepEqual(remote.body, { username: SIM_SITES.recovery.username });
    assert.equal(
      (await api.call('GET', `/pairings/${site.pairing_id}/vcenters/${remoteVc}/datastores`)).status,
      200,
    );
    const roboVc = robo.remote_vc_server.id;
    const other = new TestApi(simulator);
    await other.login();
    assert.equal(
      (await other.call('GET', `/pairings/${robo.pairing_id}/vcenters/${roboVc}/datastores`)).status,
      200,
    );
    assert.equal((await other.call('GET', `/pairings/${robo.pairing_id}/replications`)).status, 200);
    assert.equal((await other.call('GET', `/pairings/${site.pairing_id}/replications`)).status, 401);
    await simulator.state.sessions.expire();
  });
});
