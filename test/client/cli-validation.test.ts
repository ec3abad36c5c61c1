/**
 * The CLI validates a spec before it talks to Temporal: TEMPORAL_ADDRESS points at a closed port, so a run that got
 * as far as connecting would fail differently (exit 1, "cannot connect"), which the last test shows.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../worker/embedded-temporal';

const root = path.resolve(__dirname, '../..');
let directory: string;
let closedAddress: string;

interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'client/cli.ts', ...args],
      { cwd: root, env: { ...process.env, TEMPORAL_ADDRESS: closedAddress }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ exitCode, stdout, stderr });
      },
    );
  });
}

const write = (name: string, text: string): string => {
  const file = path.join(directory, name);
  writeFileSync(file, text);
  return file;
};

before(async () => {
  directory = mkdtempSync(path.join(tmpdir(), 'cli-test-'));
  // A port nobody listens on: freePort closes its probe server before returning.
  closedAddress = `127.0.0.1:${await freePort()}`;
});
after(() => rmSync(directory, { recursive: true, force: true }));

void describe('cli configure --spec validation', () => {
  void test('a bad spec exits 2, names the file and every field, and starts nothing', async () => {
    const spec = write(
      'bad.yaml',
      `site: protected
pairing: { pairingId: p-1, remoteVcenter: vc-recovery }
vms:
  - name: app-1
  - name: app-1
  - { name: web-1, id: vm-7 }
targetDatastore: ''
settings: { rpoMinutes: 2, colour: blue }
batchSize: 50
surprise: true
`,
    );
    const run = await runCli(['configure', '--spec', spec, '--wait']);
    assert.equal(run.exitCode, 2, run.stderr);
    assert.equal(run.stdout, '', 'nothing is reported as started');
    assert.match(run.stderr, /invalid spec, nothing started/);
    for (const field of [
      'spec.pairing: give exactly one of pairingId, remoteVcenter or remoteVrmsHost',
      'spec.vms[1]: duplicate VM name app-1',
      'spec.vms[2]: give exactly one of name or id',
      'spec.targetDatastore: ',
      'spec.settings.rpoMinutes: RPO must be at least 5 minutes',
      'spec.settings: ',
      'spec.batchSize: ',
      'spec: ',
    ]) {
      assert.ok(run.stderr.includes(`${spec}: ${field}`), `missing "${spec}: ${field}" in:\n${run.stderr}`);
    }
    assert.match(run.stderr, /colour/);
    assert.match(run.stderr, /surprise/);
    assert.doesNotMatch(run.stderr, /cannot connect/);
  });

  void test('unparseable YAML, an empty spec and a missing file exit 2 before connecting', async () => {
    const [broken, empty, missing] = await Promise.all([
      runCli(['configure', '--spec', write('broken.yaml', 'site: [protected\nvms: {\n')]),
      runCli(['configure', '--spec', write('empty.json', '{}')]),
      runCli(['configure', '--spec', path.join(directory, 'absent.yaml')]),
    ]);
    assert.equal(broken.exitCode, 2, broken.stderr);
    assert.match(broken.stderr, /broken\.yaml: not valid YAML at line \d+, column \d+/);
    assert.equal(empty.exitCode, 2, empty.stderr);
    for (const field of ['site', 'pairing', 'vms', 'targetDatastore']) {
      assert.match(empty.stderr, new RegExp(`empty\\.json: spec\\.${field}: `));
    }
    assert.equal(missing.exitCode, 2, missing.stderr);
    assert.match(missing.stderr, /absent\.yaml: cannot read the spec \(ENOENT\)/);
    for (const run of [broken, empty, missing]) assert.doesNotMatch(run.stderr, /cannot connect/);
  });

  void test('a valid spec gets as far as connecting, and fails there with exit 1', async () => {
    const spec = write(
      'good.json',
      JSON.stringify({
        site: 'protected',
        pairing: { remoteVcenter: 'vc-recovery.sim.local' },
        vms: [{ name: 'app-1' }],
        targetDatastore: 'ds-recovery-1',
      }),
    );
    const run = await runCli(['configure', '--spec', spec]);
    assert.equal(run.exitCode, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`cannot connect to Temporal at ${closedAddress.replace(/\./g, '\\.')}`),
    );
  });
});
