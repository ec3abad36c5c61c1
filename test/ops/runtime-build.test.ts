/**
 * The worker image's runtime folder built without Docker, with the Dockerfile's own steps: compile with
 * deploy/tsconfig.build.json, `npm ci --omit=dev` into a fresh folder (npm's cache, no dev dependencies: no tsx),
 * then start `node dist/worker/main.js`: `--help`, and a real start against a Temporal dev server (the workflow
 * bundle is built from the compiled JavaScript) that reaches "worker started" and stops on SIGTERM.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SIM_SITES } from '../../simulator';
import { startTestTemporal, uniqueId, type TestTemporal } from '../support/temporal';

const root = path.resolve(__dirname, '../..');
const folder = mkdtempSync(path.join(os.tmpdir(), 'vr-runtime-'));
let temporal: TestTemporal;

before(async () => {
  temporal = await startTestTemporal();
});
after(async () => {
  await temporal?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('worker runtime folder (the Dockerfile steps, without Docker)', () => {
  test('compiles, installs production dependencies only, and the entry point starts', async () => {
    // Build stage. tsc exits non-zero on a type error anywhere; the emitted files are what matters here and the
    // type check has its own step (npm run typecheck), so only a missing output fails this test.
    try {
      execFileSync(
        process.execPath,
        [
          require.resolve('typescript/bin/tsc'),
          '-p',
          'deploy/tsconfig.build.json',
          '--outDir',
          `${folder}/dist`,
        ],
        { cwd: root, stdio: 'pipe' },
      );
    } catch {
      // reported by the typecheck step
    }
    assert.ok(existsSync(path.join(folder, 'dist/worker/main.js')));
    assert.ok(existsSync(path.join(folder, 'dist/workflows/index.js')));

    // Runtime stage.
    copyFileSync(path.join(root, 'package.json'), path.join(folder, 'package.json'));
    copyFileSync(path.join(root, 'package-lock.json'), path.join(folder, 'package-lock.json'));
    execFileSync(
      'npm',
      ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
      {
        cwd: folder,
        stdio: 'pipe',
        timeout: 240_000,
      },
    );
    assert.ok(existsSync(path.join(folder, 'node_modules/@temporalio/worker')));
    assert.ok(!existsSync(path.join(folder, 'node_modules/tsx')), 'dev dependencies are not installed');

    const help = execFileSync(process.execPath, ['dist/worker/main.js', '--help'], {
      cwd: folder,
    }).toString();
    assert.match(help, /--sites <file>/);
    assert.match(help, /--metrics <host:port>/);

    writeFileSync(
      path.join(folder, 'sites.yaml'),
      `sites:\n  protected:\n    url: http://127.0.0.1:9\n    username: ${SIM_SITES.protected.username}\n` +
        '    password: { env: VR_PROTECTED_PASSWORD }\n',
    );
    const child = spawn(process.execPath, ['dist/worker/main.js', '--sites', 'sites.yaml'], {
      cwd: folder,
      env: {
        PATH: process.env.PATH,
        TEMPORAL_ADDRESS: temporal.server.address,
        TEMPORAL_TASK_QUEUE: uniqueId('runtime'),
        VR_PROTECTED_PASSWORD: 'not-used',
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 120_000;
    try {
      while (!log.includes('"msg":"worker started"')) {
        assert.ok(child.exitCode === null, `the compiled worker exited:\n${log}`);
        assert.ok(Date.now() < deadline, `the compiled worker did not start:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, log);
    assert.match(log, /"msg":"worker stopped"/);
  });
});
