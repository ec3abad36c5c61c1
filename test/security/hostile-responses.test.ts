/**
 * Hostile VR answers at the activity layer (the client level is covered in test/vr): for every malformed mode of the
 * simulator, on the login answer (which carries the session id) and on a list call, the activity throws a typed
 * ApplicationFailure (type = the VR client's code) that names the endpoint, is non-retryable unless a retry can
 * help (a 502 HTML page from a proxy), repeats no secret, and leaves the worker able to carry on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createVrActivities, type PairingSummary, type VrActivities } from '../../activities';
import type { MalformedMode, RunningSimulator } from '../../simulator';
import { secretsOf, simSites, startTestSimulator } from '../support/simulator';

interface Expectation {
  type: string;
  retryable: boolean;
}
const EXPECTED: Record<MalformedMode, Expectation> = {
  'wrong-types': { type: 'VR_SCHEMA_MISMATCH', retryable: false },
  'missing-field': { type: 'VR_SCHEMA_MISMATCH', retryable: false },
  'truncated-json': { type: 'VR_SCHEMA_MISMATCH', retryable: false },
  // A proxy's error page in front of VR: a transient gateway fault, worth another attempt.
  html: { type: 'VR_SERVER_ERROR', retryable: true },
  'huge-body': { type: 'VR_SCHEMA_MISMATCH', retryable: false },
  redirect: { type: 'VR_UNEXPECTED_STATUS', retryable: false },
};

const ENDPOINTS = [
  {
    template: 'POST /session',
    path: /POST \/api\/rest\/vr\/v2\/session\b/,
    call: (activities: VrActivities, handle: string) =>
      activities.login({ site: 'protected', sessionHandle: handle }),
  },
  {
    template: 'GET /pairings',
    path: /GET \/api\/rest\/vr\/v2\/pairings\b/,
    call: (activities: VrActivities, handle: string) =>
      activities.findPairing({
        site: 'protected',
        sessionHandle: handle,
        remoteVcenter: 'vc-recovery.sim.local',
      }),
  },
];

let sim: RunningSimulator;
let vr: ReturnType<typeof createVrActivities>;
const environment = new MockActivityEnvironment();
/** Failure message per `<endpoint> <mode>`, for the explanation check at the end. */
const messages = new Map<string, string>();

before(async () => {
  sim = await startTestSimulator({ vms: 30 });
  vr = createVrActivities({ sites: simSites(sim) });
});
after(async () => {
  await vr?.close();
  await sim?.close();
});

describe('hostile VR answers at the activity layer', () => {
  for (const endpoint of ENDPOINTS) {
    for (const [mode, expected] of Object.entries(EXPECTED) as Array<[MalformedMode, Expectation]>) {
      test(`${endpoint.template} answering ${mode}: ${expected.type}, ${expected.retryable ? 'retryable' : 'non-retryable'}`, async () => {
        sim.state.faults.set({
          rules: [
            {
              endpoint: endpoint.template,
              kind: 'malformed',
              mode,
              // Above the client's 32 MiB limit; streamed by the simulator, cut off by the client.
              ...(mode === 'huge-body' ? { bytes: 40 * 1024 * 1024 } : {}),
              ...(mode === 'redirect' ? { location: 'https://attacker.invalid/steal' } : {}),
            },
          ],
        });
        const handle = `${endpoint.template}-${mode}`;
        let failure: unknown;
        try {
          await environment.run(endpoint.call, vr.activities, handle);
        } catch (error) {
          failure = error;
        } finally {
          sim.state.faults.set({});
        }
        assert.ok(failure instanceof ApplicationFailure, `no typed failure: ${String(failure)}`);
        assert.equal(failure.type, expected.type, failure.message);
        assert.equal(failure.nonRetryable, !expected.retryable, failure.message);
        assert.match(failure.message, endpoint.path);
        messages.set(`${endpoint.template} ${mode}`, failure.message);
        const visible = JSON.stringify({
          message: failure.message,
          details: failure.details,
          stack: failure.stack,
        });
        for (const secret of secretsOf(sim)) assert.ok(!visible.includes(secret), `${mode} leaks a secret`);

        // No crash and no poisoned state: the same worker's next call works.
        const pairing: PairingSummary = await environment.run(() =>
          vr.activities.findPairing({
            site: 'protected',
            sessionHandle: `${handle}-after`,
            remoteVcenter: 'vc-recovery.sim.local',
          }),
        );
        assert.ok(pairing.pairingId);
      });
    }
  }

  // The VR client's errors explain each case (which field, HTML page, redirect not followed), but
  // activities/failures.ts describeVrError keeps only `METHOD path → status` when VR sent no error body.
  test('each failure explains what was wrong with the answer', () => {
    assert.equal(messages.size, ENDPOINTS.length * Object.keys(EXPECTED).length);
    for (const [key, message] of messages) {
      if (/wrong-types|missing-field/.test(key))
        assert.match(message, /does not match the API schema.*: \S+: /, key);
      if (/truncated-json/.test(key)) assert.match(message, /truncated or malformed JSON/, key);
      if (/html/.test(key)) assert.match(message, /502 Bad Gateway/, key);
      if (/huge-body/.test(key)) assert.match(message, /larger than \d+ bytes/, key);
      if (/redirect/.test(key)) assert.match(message, /redirect to attacker\.invalid not followed/, key);
    }
  });
});
