/**
 * The Dockerfile checked without Docker: dockerfile-utils (the VS Code Docker extension's validator) finds no
 * problem, and our rules hold: multi-stage, pinned base images, dependencies installed with npm ci (production
 * only in the runtime stage), a non-root USER before the entry point, a HEALTHCHECK, and every COPY source exists.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { validate } from 'dockerfile-utils';

const root = path.resolve(__dirname, '../..');
const text = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
// Instructions with continuation lines joined, comments dropped.
const instructions = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
const stages = instructions.filter((instruction) => instruction.keyword === 'FROM');
const runtimeStart = instructions.findIndex(
  (instruction) => instruction.keyword === 'FROM' && / AS runtime$/i.test(instruction.args),
);
const runtime = instructions.slice(runtimeStart);

describe('Dockerfile', () => {
  test('dockerfile-utils reports no problem', () => {
    const problems = validate(text);
    assert.deepEqual(
      problems.map((problem) => `${problem.range.start.line + 1}: ${problem.message}`),
      [],
    );
  });

  test('the validator is not vacuous: it flags a broken file', () => {
    assert.ok(validate('FROM node:20\nEXPOSE abc\nCOPY\n').length > 0);
  });

  test('is multi-stage with pinned base images', () => {
    assert.ok(stages.length >= 2);
    assert.ok(runtimeStart > 0, 'the last stage is named runtime');
    for (const stage of stages) {
      const image = stage.args.split(/\s+/)[0] ?? '';
      assert.match(image, /^[\w./-]+:\d[\w.-]*$/, `${image} is not pinned to a version`);
    }
  });

  test('runtime stage: production dependencies only, non-root user, healthcheck, entry point last', () => {
    const runs = runtime.filter((instruction) => instruction.keyword === 'RUN').map((run) => run.args);
    assert.ok(runs.some((run) => /npm ci .*--omit=dev/.test(run)));
    const user = runtime.findIndex((instruction) => instruction.keyword === 'USER');
    assert.ok(user > 0, 'USER is set');
    assert.doesNotMatch(runtime[user]?.args ?? '', /^(root|0)(:|$)/);
    const entry = runtime.findIndex((instruction) => instruction.keyword === 'ENTRYPOINT');
    assert.ok(entry > user, 'ENTRYPOINT comes after USER');
    assert.ok(runtime.some((instruction) => instruction.keyword === 'HEALTHCHECK'));
    assert.ok(!instructions.some((instruction) => instruction.keyword === 'ADD'), 'COPY, not ADD');
    assert.ok(
      !/password|secret/i.test(
        runtime
          .filter((i) => i.keyword === 'ENV')
          .map((i) => i.args)
          .join(' '),
      ),
    );
  });

  test('every COPY source exists and is not excluded by .dockerignore', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    for (const copy of instructions.filter((instruction) => instruction.keyword === 'COPY')) {
      if (copy.args.startsWith('--from=')) continue;
      const parts = copy.args.split(/\s+/);
      for (const source of parts.slice(0, -1)) {
        assert.ok(existsSync(path.join(root, source)), `COPY source ${source} does not exist`);
        assert.ok(!ignored.includes(source.split('/')[0] ?? ''), `COPY source ${source} is in .dockerignore`);
      }
    }
  });
});
