import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RequestPacer, type VrLogger } from '../../vr';

const recordingLogger = (): VrLogger & {
  lines: Array<{ message: string; fields?: Record<string, unknown> }>;
} => {
  const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const log = (message: string, fields?: Record<string, unknown>): void => {
    lines.push({ message, ...(fields ? { fields } : {}) });
  };
  return { lines, debug: log, info: log, warn: log, error: log };
};

/** Resolves with the order in which acquisitions completed, and when (ms after start). */
const race = async (
  pacer: RequestPacer,
  keys: Array<string | undefined>,
): Promise<Array<{ index: number; at: number }>> => {
  const started = Date.now();
  const done: Array<{ index: number; at: number }> = [];
  await Promise.all(
    keys.map(async (key, index) => {
      await pacer.acquire(key);
      done.push({ index, at: Date.now() - started });
    }),
  );
  return done;
};

void describe('RequestPacer', () => {
  void test('lets the first N through at once, then waits for the window to slide', async () => {
    const logger = recordingLogger();
    const pacer = new RequestPacer({
      perClientPerMinute: 3,
      perSessionPerMinute: Infinity,
      windowMs: 150,
      logger,
    });
    const done = await race(pacer, [undefined, undefined, undefined, undefined, undefined]);
    const times = done.map((entry) => entry.at);
    assert.ok(
      times.slice(0, 3).every((at) => at < 50),
      `first three immediate: ${times}`,
    );
    assert.ok(
      times.slice(3).every((at) => at >= 140),
      `last two after the window: ${times}`,
    );
    assert.equal(pacer.stats().waits, 2);
    assert.ok(pacer.stats().totalWaitMs >= 280);
    const waits = logger.lines.filter((line) => line.message.startsWith('pacer: waiting'));
    assert.equal(waits.length, 2);
    assert.match(waits[0]?.message ?? '', /^pacer: waiting \d+ ms for a request slot$/);
    assert.equal(waits[0]?.fields?.scope, 'client');
    assert.match(String(waits[0]?.fields?.reason), /client limit of 3/);
  });

  void test('FIFO: waiters complete in arrival order', async () => {
    const pacer = new RequestPacer({ perClientPerMinute: 2, perSessionPerMinute: Infinity, windowMs: 60 });
    const done = await race(pacer, ['a', 'b', 'c', 'd', 'e', 'f']);
    assert.deepEqual(
      done.map((entry) => entry.index),
      [0, 1, 2, 3, 4, 5],
    );
  });

  void test('a session at its limit does not block other sessions, and never logs its key', async () => {
    const logger = recordingLogger();
    const pacer = new RequestPacer({
      perClientPerMinute: 100,
      perSessionPerMinute: 2,
      windowMs: 150,
      logger,
    });
    const done = await race(pacer, [
      'secret-session-a',
      'secret-session-a',
      'secret-session-a',
      'other-b',
      'other-b',
    ]);
    const at = new Map(done.map((entry) => [entry.index, entry.at]));
    assert.ok((at.get(3) ?? Infinity) < 50, 'session b is not held behind session a');
    assert.ok((at.get(4) ?? Infinity) < 50);
    assert.ok((at.get(2) ?? 0) >= 140, 'third request of session a waits for its window');
    const wait = logger.lines.find((line) => line.message.startsWith('pacer: waiting'));
    assert.equal(wait?.fields?.scope, 'session');
    assert.ok(!JSON.stringify(logger.lines).includes('secret-session'));
  });

  void test('login (no session key) counts against the client budget only', async () => {
    const pacer = new RequestPacer({ perClientPerMinute: 10, perSessionPerMinute: 1, windowMs: 1000 });
    const started = Date.now();
    await Promise.all([pacer.acquire(), pacer.acquire(), pacer.acquire(), pacer.acquire('s')]);
    assert.ok(Date.now() - started < 50);
    assert.equal(pacer.stats().waits, 0);
  });

  void test('a waiter blocked on its session is not starved by a stream of other sessions', async () => {
    const pacer = new RequestPacer({ perClientPerMinute: 3, perSessionPerMinute: 1, windowMs: 100 });
    await pacer.acquire('a'); // session a now at its limit for 100 ms
    const blocked = pacer.acquire('a').then(() => Date.now());
    // Keep other sessions busy so the client budget is always contended.
    const others: Array<Promise<number>> = [];
    for (let index = 0; index < 8; index += 1) others.push(pacer.acquire(`s${index}`).then(() => Date.now()));
    const blockedAt = await blocked;
    const sorted = (await Promise.all(others)).sort((x, y) => x - y);
    // The blocked waiter was queued before most of the others: it must get in no later than the 5th of them.
    assert.ok(blockedAt <= (sorted[4] ?? Infinity), 'session a was starved');
  });

  void test('rejects nonsense limits', () => {
    assert.throws(() => new RequestPacer({ perClientPerMinute: 0 }), RangeError);
    assert.throws(() => new RequestPacer({ perSessionPerMinute: 1.5 }), RangeError);
    assert.throws(() => new RequestPacer({ windowMs: 0 }), RangeError);
  });
});
