import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TaskPoller, TASK_IDS_PER_REQUEST } from '../../activities/task-poller';
import type { TaskSummary } from '../../activities/types';

function fakeVr(statuses: Map<string, TaskSummary['status']>) {
  const requests: string[][] = [];
  const fetch = async (ids: string[]) => {
    requests.push(ids);
    const known = ids.filter((id) => statuses.has(id));
    return {
      tasks: known.map((taskId) => ({ taskId, status: statuses.get(taskId)! })),
      missing: ids.filter((id) => !statuses.has(id)),
    };
  };
  return { requests, fetch };
}

describe('TaskPoller', () => {
  test('runs polling within the max age share one request that covers all of their tasks', async () => {
    let now = 1_000;
    const poller = new TaskPoller(() => now);
    const vr = fakeVr(
      new Map([
        ['a', 'RUNNING'],
        ['b', 'RUNNING'],
        ['c', 'QUEUED'],
      ]),
    );
    await poller.poll('site', ['a'], 5_000, vr.fetch);
    await poller.poll('site', ['b', 'c'], 5_000, vr.fetch); // new ids: must ask, and asks for a too
    assert.deepEqual(vr.requests, [['a'], ['a', 'b', 'c']]);
    now += 2_000;
    const answer = await poller.poll('site', ['a', 'c'], 5_000, vr.fetch); // fresh enough: cache
    assert.equal(vr.requests.length, 2);
    assert.deepEqual(
      answer.tasks.map((task) => task.taskId),
      ['a', 'c'],
    );
    now += 4_000;
    await poller.poll('site', ['c'], 5_000, vr.fetch); // stale: one request for every running task
    assert.deepEqual(vr.requests[2], ['a', 'b', 'c']);
  });

  test('terminal and unknown tasks are not asked again; sites are separate', async () => {
    let now = 0;
    const poller = new TaskPoller(() => now);
    const statuses = new Map<string, TaskSummary['status']>([
      ['done', 'SUCCESS'],
      ['run', 'RUNNING'],
    ]);
    const vr = fakeVr(statuses);
    const first = await poller.poll('site', ['done', 'run', 'gone'], 1_000, vr.fetch);
    assert.deepEqual(first.missing, ['gone']);
    now += 10_000;
    statuses.set('run', 'ERROR');
    const second = await poller.poll('site', ['done', 'run', 'gone'], 1_000, vr.fetch);
    assert.deepEqual(vr.requests[1], ['run']);
    assert.equal(second.tasks.find((task) => task.taskId === 'run')?.status, 'ERROR');
    await poller.poll('other-site', ['run'], 1_000, vr.fetch);
    assert.deepEqual(vr.requests[2], ['run']);
  });

  test('concurrent polls wait for the one request in flight; large sets are chunked', async () => {
    const poller = new TaskPoller();
    const ids = Array.from({ length: TASK_IDS_PER_REQUEST + 5 }, (_, index) => `t${index}`);
    const vr = fakeVr(new Map(ids.map((id) => [id, 'RUNNING' as const])));
    await Promise.all([
      poller.poll('site', ids, 60_000, vr.fetch),
      poller.poll('site', ids.slice(0, 3), 60_000, vr.fetch),
    ]);
    assert.deepEqual(
      vr.requests.map((request) => request.length),
      [TASK_IDS_PER_REQUEST, 5],
    );
  });
});
