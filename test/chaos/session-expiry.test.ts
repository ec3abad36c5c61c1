/**
 * Found by the chaos run: a worker-side session that VR expired while cached (idle expiry, POST /sim/sessions/expire)
 * made the remote login answer 401 NOT_AUTHENTICATED, and every retry of the activity reused the dead session until
 * the retries ran out (configure batches failed with "VR 401 ... remote-session"). The session manager must log in
 * again and repeat the remote login once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLookupActivities } from '../../activities/lookup-activities';
import { SessionManager } from '../../activities/session-manager';
import { SIM_SITES, type RunningSimulator } from '../../simulator';
import { simSites, startTestSimulator } from '../support/simulator';

let sim: RunningSimulator;
before(async () => {
  sim = await startTestSimulator({ vms: 30 });
});
after(async () => {
  await sim?.close();
});

test('a cached session expired by VR: the remote login logs in again instead of failing every retry', async () => {
  const sessions = new SessionManager({ sites: simSites(sim) });
  try {
    const ref = { site: 'protected', sessionHandle: 'chaos-expired-session' };
    const pairing = await createLookupActivities(sessions).findPairing({
      ...ref,
      remoteVcenter: SIM_SITES.recovery.vcenterName,
    });
    const logins = sim.state.stats.logins;
    assert.equal(sim.state.sessions.expire(), 1, 'the cached session is the only one');

    const cached = await sessions.ensure(ref, pairing);
    assert.ok(cached.remotePairings.has(pairing.pairingId));
    assert.equal(sim.state.stats.logins, logins + 1, 'one new login');
    assert.equal(sim.state.sessions.active().length, 1);
    // What the next activity does with the handle: the session and its remote login are live.
    const remote = await sessions.withSession(
      ref,
      (session) => session.getRemoteSession(pairing.pairingId),
      pairing,
    );
    assert.equal(remote.username?.toLowerCase(), SIM_SITES.recovery.username.toLowerCase());
  } finally {
    await sessions.close();
  }
  assert.equal(sim.state.sessions.active().length, 0, 'close logged the session out');
});
