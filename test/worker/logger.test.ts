import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createJsonLogger } from '../../worker/logger';

const capture = (level?: 'debug' | 'info' | 'warn' | 'error') => {
  const lines: string[] = [];
  const logger = createJsonLogger({ level, write: (line) => lines.push(line) });
  return { logger, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
};

void describe('createJsonLogger', () => {
  void test('writes one JSON object per event with level, time, msg and the fields', () => {
    const { logger, entries } = capture();
    logger.info('worker started', { taskQueue: 'q', count: 2 });
    logger.child({ site: 'protected' }).warn('slow', { ms: 5 });
    const [first, second] = entries();
    assert.deepEqual(
      { ...first, time: undefined },
      { level: 'info', time: undefined, msg: 'worker started', taskQueue: 'q', count: 2 },
    );
    assert.match(String(first?.time), /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(
      { ...second, time: undefined },
      { level: 'warn', time: undefined, msg: 'slow', site: 'protected', ms: 5 },
    );
  });

  void test('drops events below the level', () => {
    const { logger, entries } = capture('warn');
    logger.debug('a');
    logger.info('b');
    logger.error('c');
    assert.deepEqual(
      entries().map((entry) => entry.msg),
      ['c'],
    );
  });

  void test('redacts secret fields, secrets inside strings and errors', () => {
    const { logger, entries } = capture('debug');
    const error = new Error('login failed: Authorization: Basic YWRtaW46aHVudGVyMg==', {
      cause: new Error('x-dr-session: 0123456789abcdef'),
    });
    logger.error('request failed password=hunter2', {
      password: 'hunter2',
      nested: { sessionId: 'abc-session', headers: { authorization: 'Basic YWRtaW46aHVudGVyMg==' } },
      list: ['password: hunter2'],
      error,
      remoteUsers: [{ username: 'administrator@recovery.local' }],
    });
    const text = JSON.stringify(entries());
    for (const secret of ['hunter2', 'YWRtaW46aHVudGVyMg==', 'abc-session', '0123456789abcdef']) {
      assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    }
    assert.match(text, /administrator@recovery\.local/);
    assert.match(text, /login failed/);
  });
});
