/**
 * Hostile campaign files (test/fixtures/hostile/campaigns): each gets exactly one clear error naming the file, the
 * field and the rule, and `campaign start` exits 2 before anything starts. TEMPORAL_ADDRESS points at a listener
 * of our own that counts connections: nothing may connect to it. An unknown site is caught with the worker's sites
 * file (`--sites`), which the CLI reads for its site names only.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { InvalidCampaignInputError, validateCampaignInput } from '../../client/campaign-api';

const root = path.resolve(__dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/hostile/campaigns');
const planted = 'Inline-Secret-4711';

/** file → [field, rule] that its single problem must name. */
const CAMPAIGNS: Record<string, [string, RegExp]> = {
  'wrong-types.yaml': ['campaign.limits.inFlightPerVrms', /expected number, received string/],
  'unknown-key.yaml': ['campaign.groups[0]', /Unrecognized key: "storagePolcy"/],
  'rpo-out-of-range.yaml': ['campaign.groups[0].settings.rpoMinutes', /RPO must be at least 5 minutes/],
  'point-in-time-limits.yaml': [
    'campaign.groups[0].settings.pointInTimeInstancesPerDay',
    /point-in-time instances per day × days must not exceed 24/,
  ],
  'duplicate-vms.yaml': [
    'campaign.groups[0].vms[2]',
    /duplicate VM name app-1 in the same site and pairing \(also at groups\[0\]\.vms\[0\]\)/,
  ],
  'empty-vm-list.yaml': ['campaign.groups[0].vms', /list at least one VM/],
  'empty-groups.yaml': ['campaign.groups', /give at least one group/],
  'inline-password.yaml': [
    'campaign.groups[0].password',
    /passwords do not belong in a campaign file; they belong in the worker's sites file/,
  ],
  'unknown-site.yaml': [
    'campaign.groups[0].site',
    /unknown site "paris": the worker's sites file .*sites\.yaml has protected, recovery-robo$/,
  ],
};

let directory: string;
let sitesFile: string;
let listener: net.Server;
let address: string;
let connections = 0;

before(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'hostile-campaigns-'));
  // The worker's sites file: the CLI must read only its site names (the password variable is not even set).
  sitesFile = path.join(directory, 'sites.yaml');
  writeFileSync(
    sitesFile,
    [
      'sites:',
      '  protected: { url: https://vrms-a.example.com, username: a, password: { env: VR_NOT_SET_HERE } }',
      '  recovery-robo: { url: https://vrms-b.example.com, username: b, password: { file: /nonexistent } }',
      '',
    ].join('\n'),
  );
  listener = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(listener.address() as net.AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => listener.close(resolve));
  rmSync(directory, { recursive: true, force: true });
});

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}
function startCampaign(file: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'client/cli.ts', 'campaign', 'start', '--file', file, '--sites', sitesFile],
      { cwd: root, env: { PATH: process.env.PATH ?? '', TEMPORAL_ADDRESS: address }, timeout: 90_000 },
      (error, stdout, stderr) =>
        resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('hostile campaign files', () => {
  test('the corpus is complete: every file has an expectation', () => {
    assert.deepEqual(readdirSync(fixtures).sort(), Object.keys(CAMPAIGNS).sort());
  });

  test('validateCampaignInput: one issue per file (except the unknown site, which needs the sites file)', () => {
    for (const [name, [field, rule]] of Object.entries(CAMPAIGNS)) {
      const input: unknown = parse(readFileSync(path.join(fixtures, name), 'utf8'));
      if (name === 'unknown-site.yaml') {
        // Valid on its own: the campaign file cannot know the worker's sites.
        assert.doesNotThrow(() => validateCampaignInput(input));
        continue;
      }
      assert.throws(
        () => validateCampaignInput(input),
        (error: unknown) => {
          assert.ok(error instanceof InvalidCampaignInputError, String(error));
          assert.equal(error.issues.length, 1, `${name}: ${error.message}`);
          assert.ok(error.issues[0]!.startsWith(`${field}: `), `${name}: ${error.issues[0]}`);
          if (name !== 'unknown-site.yaml') assert.match(error.issues[0]!, rule, name);
          assert.ok(!error.message.includes(planted), `${name} quotes the password`);
          return true;
        },
      );
    }
  });

  test('campaign start: exit 2, one problem naming file, field and rule; nothing started or contacted', async () => {
    const names = Object.keys(CAMPAIGNS);
    const results = new Map<string, Run>();
    // Three at a time: each child is a full tsx start on a 2-core machine.
    for (let index = 0; index < names.length; index += 3) {
      const group = names.slice(index, index + 3);
      const runs = await Promise.all(group.map((name) => startCampaign(path.join(fixtures, name))));
      group.forEach((name, offset) => results.set(name, runs[offset]!));
    }
    for (const [name, [field, rule]] of Object.entries(CAMPAIGNS)) {
      const file = path.join(fixtures, name);
      const result = results.get(name)!;
      assert.equal(result.exitCode, 2, `${name}: ${result.stderr}`);
      assert.equal(result.stdout, '', `${name}: nothing is reported as started`);
      assert.match(result.stderr, /invalid campaign file, nothing started/, name);
      const lines = result.stderr.split('\n').filter((line) => line.startsWith(`${file}: `));
      assert.equal(lines.length, 1, `${name}: ${result.stderr}`);
      assert.ok(lines[0]!.startsWith(`${file}: ${field}: `), `${name}: ${lines[0]}`);
      assert.match(lines[0]!, rule, name);
      assert.ok(!(result.stderr + result.stdout).includes(planted), `${name} quotes the password`);
    }
    assert.equal(connections, 0, 'no CLI run may connect to Temporal');
  });

  test('the sites check also refuses a sites file that is not one, naming it', async () => {
    const notSites = path.join(directory, 'not-sites.yaml');
    writeFileSync(notSites, 'groups: []\n');
    const result = await new Promise<Run>((resolve) => {
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          'client/cli.ts',
          'campaign',
          'start',
          '--file',
          path.join(fixtures, 'unknown-site.yaml'),
          '--sites',
          notSites,
        ],
        { cwd: root, env: { PATH: process.env.PATH ?? '', TEMPORAL_ADDRESS: address }, timeout: 90_000 },
        (error, stdout, stderr) =>
          resolve({
            exitCode: error ? (typeof error.code === 'number' ? error.code : -1) : 0,
            stdout,
            stderr,
          }),
      );
    });
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`${notSites.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a sites file`),
    );
    assert.equal(connections, 0);
  });
});
