import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VmProgress } from '../../workflows/configure-replication-input';
import { CompletionEstimate } from '../../workflows/completion-estimate';

const vm = (progress?: number): VmProgress => ({ requested: 'vm', state: 'configuring', progress });

describe('CompletionEstimate', () => {
  test('predicts from each VM rate since its first progress and waits for the slowest', () => {
    const estimate = new CompletionEstimate();
    const fast = vm(0);
    const slow = vm(0);
    assert.equal(estimate.observe([fast, slow], 0), undefined, 'nothing has moved yet');
    fast.progress = 20;
    slow.progress = 10;
    assert.equal(estimate.observe([fast, slow], 5_000), undefined, 'one answer is not a rate');
    fast.progress = 60; // 40 % in 10 s: 10 s left
    slow.progress = 30; // 20 % in 10 s: 35 s left
    const remaining = estimate.observe([fast, slow], 15_000);
    assert.equal(remaining, Math.round(35_000 * 1.03 + 300));
  });

  test('a VM that has not moved since its first answer (a cached answer) leaves the estimate unknown', () => {
    const estimate = new CompletionEstimate();
    const a = vm(50);
    estimate.observe([a], 0);
    assert.equal(estimate.observe([a], 5_000), undefined);
    a.progress = 75;
    assert.ok((estimate.observe([a], 10_000) ?? 0) > 0);
  });

  test('answers are dated when VR gave them: a repeated snapshot is flagged, an older answer counts its age', () => {
    const estimate = new CompletionEstimate();
    const a: VmProgress = { requested: 'a', state: 'configuring', progress: 20, progressAt: 4_000 };
    estimate.observe([a], 5_000);
    // The same snapshot again (another run's poll round, from the worker's cache): nothing new, flagged.
    assert.equal(estimate.observe([a], 9_000), undefined);
    assert.equal(estimate.sawRepeat, true);
    // A newer answer, given 2 s before the poll: 40 % in 10 s, 40 % left = 10 s after it, so 8 s from now.
    Object.assign(a, { progress: 60, progressAt: 14_000 });
    assert.equal(estimate.observe([a], 16_000), Math.round(8_000 * 1.03 + 300));
    assert.equal(estimate.sawRepeat, false);
  });
});
