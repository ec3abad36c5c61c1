/**
 * Hostile input files (test/fixtures/hostile): each malformed sites file or configure spec gets exactly one clear
 * error naming the file, the field and the rule, before anything starts; no error quotes a secret from the file.
 * The worker (exit 2) and the CLI (exit 2) are run as child processes against a Temporal address nobody listens on,
 * so getting as far as connecting would fail differently.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { freePort } from '../../worker/embedded-temporal';
import { loadSitesFile, SitesFileError } from '../../worker/sites';

const root = path.resolve(__dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/hostile');
const env = { VR_HOSTILE_PASSWORD: 'Env-Secret-1234' };
/** Values planted in the files (and env) that no message may repeat. */
const planted = ['Inline-Secret-4711', 'Url-Secret-0815', 'Env-Secret-1234'];

/** file → [field, rule] that its single problem must name. */
const SITES: Record<string, [string, RegExp]> = {
  'wrong-types.yaml': ['sites.protected.insecureSkipVerify', /expected boolean/],
  'unknown-key.yaml': ['sites.protected.timeoutSeconds', /unknown key/],
  'empty-sites.yaml': ['sites', /no sites: add at least one site/],
  'unknown-api-version.yaml': ['sites.protected.apiVersion', /"v1"\|"v2"|v1.*v2/],
  'inline-password.yaml': [
    'sites.protected.password',
    /inline passwords are not allowed: use \{ env: VARIABLE \}/,
  ],
  'missing-env.yaml': [
    'sites.protected.password.env',
    /environment variable VR_HOSTILE_UNSET_VARIABLE is not set/,
  ],
  'url-with-credentials.yaml': ['sites.protected.url', /must not contain credentials/],
  'bad-url.yaml': ['sites.protected.url', /must start with https:\/\/ or http:\/\/|not a valid URL/],
  'ca-file-missing.yaml': ['sites.protected.caFile', /CA file .*no-such-ca\.pem not found/],
  'not-yaml.yaml': ['', /not valid YAML at line \d+/],
};

/** file → [field, rule] for configure specs (fields are prefixed `spec`). */
const SPECS: Record<string, [string, RegExp]> = {
  'wrong-types.yaml': ['spec.settings.rpoMinutes', /expected number/],
  'rpo-out-of-range.yaml': ['spec.settings.rpoMinutes', /RPO must be at most 1440 minutes/],
  'point-in-time-limits.yaml': [
    'spec.settings.pointInTimeInstancesPerDay',
    /point-in-time instances per day × days must not exceed 24/,
  ],
  'duplicate-vms.yaml': ['spec.vms[2]', /duplicate VM name app-1 \(also at vms\[0\]\)/],
  'empty-vm-list.yaml': ['spec.vms', /list at least one VM/],
  'unknown-key.yaml': ['spec.settings', /rpoMinute/],
};

let closedAddress: string;
before(async () => {
  closedAddress = `127.0.0.1:${await freePort()}`;
});

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}
function run(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ...args],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', TEMPORAL_ADDRESS: closedAddress, ...env, ...extraEnv },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

const problemLines = (text: string, file: string): string[] =>
  text.split('\n').filter((line) => line.startsWith(`${file}: `));

describe('hostile sites files', () => {
  test('the corpus is complete: every file has an expectation', () => {
    assert.deepEqual(readdirSync(path.join(fixtures, 'sites')).sort(), Object.keys(SITES).sort());
  });

  for (const [name, [field, rule]] of Object.entries(SITES)) {
    test(`${name}: one problem naming the file, ${field || 'the position'} and the rule`, () => {
      const file = path.join(fixtures, 'sites', name);
      assert.throws(
        () => loadSitesFile(file, env),
        (error: unknown) => {
          assert.ok(error instanceof SitesFileError, String(error));
          assert.equal(error.problems.length, 1, error.message);
          const [problem] = error.problems;
          assert.ok(problem!.startsWith(`${file}: ${field ? `${field}: ` : ''}`), problem);
          assert.match(problem!, rule);
          for (const secret of planted) assert.ok(!error.message.includes(secret), `leaks ${secret}`);
          return true;
        },
      );
    });
  }

  test('the worker refuses a hostile sites file with exit 2 before connecting to anything', async () => {
    const file = path.join(fixtures, 'sites', 'inline-password.yaml');
    const result = await run(['worker/main.ts', '--sites', file]);
    assert.equal(result.exitCode, 2, result.stderr);
    const lines = problemLines(result.stderr, file);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /sites\.protected\.password: inline passwords are not allowed/);
    assert.doesNotMatch(result.stderr + result.stdout, /worker started|cannot start the worker/);
    for (const secret of planted) assert.ok(!(result.stderr + result.stdout).includes(secret));
  });
});

describe('hostile configure specs', () => {
  test('the corpus is complete: every file has an expectation', () => {
    assert.deepEqual(readdirSync(path.join(fixtures, 'specs')).sort(), Object.keys(SPECS).sort());
  });

  test('each spec: exit 2, one problem naming file, field and rule; nothing started', async () => {
    const names = Object.keys(SPECS);
    // Two at a time: each child is a full tsx start on a 2-core machine.
    const results = new Map<string, Run>();
    for (let index = 0; index < names.length; index += 2) {
      const pair = names.slice(index, index + 2);
      const runs = await Promise.all(
        pair.map((name) => run(['client/cli.ts', 'configure', '--spec', path.join(fixtures, 'specs', name)])),
      );
      pair.forEach((name, offset) => results.set(name, runs[offset]!));
    }
    for (const [name, [field, rule]] of Object.entries(SPECS)) {
      const file = path.join(fixtures, 'specs', name);
      const result = results.get(name)!;
      assert.equal(result.exitCode, 2, `${name}: ${result.stderr}`);
      assert.equal(result.stdout, '', `${name}: nothing is reported as started`);
      assert.match(result.stderr, /invalid spec, nothing started/, name);
      const lines = problemLines(result.stderr, file);
      assert.equal(lines.length, 1, `${name}: ${result.stderr}`);
      assert.ok(lines[0]!.startsWith(`${file}: ${field}: `), `${name}: ${lines[0]}`);
      assert.match(lines[0]!, rule, name);
      assert.doesNotMatch(result.stderr, /cannot connect/, name);
    }
  });
});
