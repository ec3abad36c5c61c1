/**
 * The chaos run in small (chaos/run-chaos.ts with SMALL_CHAOS): 120 VMs, the worker process SIGKILLed once, the
 * Temporal dev server restarted once on its SQLite file, server errors, resets, an answer slower than the client's
 * timeout, a 429 storm, session expiry, task failures and an unreachable remote site. Every acceptance check of
 * `npm run chaos` must hold, including the secrets scan over every history, the worker's log and the CLI's output.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SMALL_CHAOS } from '../../chaos/options';
import { runChaos } from '../../chaos/run-chaos';
import { quietRuntime } from '../support/temporal';

test('chaos (small): nothing lost, configured exactly once, causes named, no session open, no secret leaked', async () => {
  quietRuntime();
  const figures = await runChaos({ ...SMALL_CHAOS, seed: 11 });
  const context = JSON.stringify(
    {
      outcomes: figures.outcomes.outcomes,
      examples: figures.outcomes.examples,
      reasons: figures.outcomes.failureReasons,
      chaos: figures.chaos,
      secrets: figures.secrets.hits,
      timeline: figures.timeline,
    },
    null,
    1,
  );
  for (const [check, ok] of Object.entries(figures.checks)) assert.ok(ok, `${check} failed:\n${context}`);
  // The figures behind the checks, as numbers: a check that passed vacuously would show here.
  assert.equal(figures.outcomes.reportRows, SMALL_CHAOS.vms);
  assert.ok(figures.outcomes.configured >= SMALL_CHAOS.vms - 20, context);
  assert.equal(figures.chaos.workerKills, 1);
  assert.equal(figures.chaos.serverRestarts, 1);
  assert.ok(figures.secrets.sessionIdsSearched > 0 && figures.secrets.workflowsScanned > 5, context);
});
