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
});
