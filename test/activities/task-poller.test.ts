import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MIN_ROUND_SPACING_MS, TaskPoller, type FetchTasks } from '../../activities/task-poller';
import type { TaskSummary } from '../../activities/types';

function fakeVr(statuses: Map<string, TaskSummary['status']>) {
  const requests: string[][] = [];
  const hints: Array<number | undefined> = [];
  const fetch: FetchTasks = async (ids, hint) => {
    requests.push(ids);
    hints.push(hint.oldestQueuedAt);
    const known = ids.filter((id) => statuses.has(id));
    return {
      tasks: known.map((taskId) => ({ taskId, status: statuses.get(taskId)! })),
      missing: ids.filter((id) => !statuses.has(id)),
    };
  };
  return { requests, hints, fetch };
}

/** A fake clock whose sleep moves time forward and records how long each wait was. */
function fakeClock(start = 1_000) {
  const clock = { now: start, waits: [] as number[] };
  const poller = new TaskPoller({
    now: () => clock.now,
    sleep: async (ms) => {
      clock.waits.push(ms);
      clock.now += ms;
    },
  });
  return { clock, poller };
}

describe('TaskPoller', () => {
  test('runs within the max age share one round that covers all their tasks; rounds of a site are spaced', async () => {
    const { clock, poller } = fakeClock();
    const vr = fakeVr(
      new Map([
        ['a', 'RUNNING'],
        ['b', 'RUNNING'],
        ['c', 'QUEUED'],
      ]),
    );
    // What VR answered to the configure request counts as a fresh answer: no request.
    poller.record('site', [{ taskId: 'a', status: 'QUEUED', queuedAt: 900 }]);
    assert.equal((await poller.poll('site', ['a'], 5_000, vr.fetch)).tasks[0]?.status, 'QUEUED');
    assert.deepEqual(vr.requests, []);
    clock.now += 6_000;
    await poller.poll('site', ['a'], 5_000, vr.fetch);
    assert.deepEqual(vr.requests, [['a']]);
    // New ids right after a round: the caller waits for the spacing instead of sending a second round at once.
    await poller.poll('site', ['b', 'c'], 5_000, vr.fetch);
    assert.deepEqual(clock.waits, [MIN_ROUND_SPACING_MS]);
    assert.deepEqual(vr.requests[1], ['a', 'b', 'c']);
    clock.now += 2_000;
    const answer = await poller.poll('site', ['a', 'c'], 5_000, vr.fetch); // fresh enough: cache
    assert.equal(vr.requests.length, 2);
    assert.deepEqual(
      answer.tasks.map((task) => task.taskId),
      ['a', 'c'],
    );
    clock.now += 4_000;
    await poller.poll('site', ['c'], 5_000, vr.fetch); // stale: one round for every running task
    assert.deepEqual(vr.requests[2], ['a', 'b', 'c']);
    assert.equal(clock.waits.length, 1);
  });

  test('terminal and unknown tasks are not asked again; sites are separate', async () => {
    const { clock, poller } = fakeClock(0);
    const statuses = new Map<string, TaskSummary['status']>([
      ['done', 'SUCCESS'],
      ['run', 'RUNNING'],
    ]);
    const vr = fakeVr(statuses);
    const first = await poller.poll('site', ['done', 'run', 'gone'], 1_000, vr.fetch);
    assert.deepEqual(first.missing, ['gone']);
    clock.now += 10_000;
    statuses.set('run', 'ERROR');
    const second = await poller.poll('site', ['done', 'run', 'gone'], 1_000, vr.fetch);
    assert.deepEqual(vr.requests[1], ['run']);
    assert.equal(second.tasks.find((task) => task.taskId === 'run')?.status, 'ERROR');
    await poller.poll('other-site', ['run'], 1_000, vr.fetch);
    assert.deepEqual(vr.requests[2], ['run']);
    assert.deepEqual(clock.waits, []);
  });

  test('concurrent polls wait for the one round in flight, which gets the oldest queue time when every task has one', async () => {
    const { clock, poller } = fakeClock();
    const ids = Array.from({ length: 150 }, (_, index) => `t${index}`);
    poller.record(
      'site',
      ids.map((taskId, index) => ({ taskId, status: 'QUEUED' as const, queuedAt: 500 + index })),
    );
    const vr = fakeVr(new Map(ids.map((id) => [id, 'RUNNING' as const])));
    clock.now += 1;
    await Promise.all([
      poller.poll('site', ids, 0, vr.fetch),
      poller.poll('site', ids.slice(0, 3), 0, vr.fetch),
    ]);
    assert.deepEqual(
      vr.requests.map((request) => request.length),
      [150],
    );
    assert.deepEqual(vr.hints, [500]);
    // A task known only by id (adopted after a retry) has no queue time: no hint, the fetcher asks by id.
    await poller.poll('site', ['adopted'], 0, vr.fetch);
    assert.deepEqual(vr.hints[1], undefined);
  });

  test('a round waits (up to the gather window) for another task that VR progress says finishes in a moment', async () => {
    const { clock, poller } = fakeClock(1_000);
    const progress = new Map<string, number>([
      ['a', 10],
      ['b', 10],
    ]);
    const rounds: number[] = [];
    const fetch: FetchTasks = async (ids) => {
      rounds.push(clock.now);
      return {
        tasks: ids.map((taskId) => ({ taskId, status: 'RUNNING' as const, progress: progress.get(taskId) })),
        missing: [],
      };
    };
    await poller.poll('site', ['a', 'b'], 0, fetch); // first answers with progress, at 1 s
    clock.now = 6_000;
    progress.set('a', 60); // 10 %/s: done at 10 s
    progress.set('b', 40); // 6 %/s: done at 16 s
    await poller.poll('site', ['a', 'b'], 0, fetch);
    clock.now = 14_500;
    await poller.poll('site', ['a'], 1_000, fetch);
    // b ends within 3 s: the round waits for it (+250 ms) instead of going now.
    assert.deepEqual(rounds, [1_000, 6_000, 16_250]);
    assert.deepEqual(clock.waits, [1_750]);
    // Nothing due soon: the round goes at once.
    clock.now = 30_000;
    await poller.poll('site', ['b'], 1_000, fetch);
    assert.equal(rounds.at(-1), 30_000);
  });
});
