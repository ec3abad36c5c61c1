import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { startSimulator } from '../../simulator/index';
import { PROTECTED_AUTH } from './sim-client';

void describe('simulator TLS and command line', () => {
  void test('--tls generates a CA that clients can trust, and plain fetch without it fails', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'sim-tls-test-'));
    const caOutFile = path.join(directory, 'ca.pem');
    const simulator = await startSimulator({ tls: true, caOutFile, vms: 10, rateLimit: { enabled: false } });
    try {
      assert.match(simulator.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(simulator.caFile, caOutFile);
      const ca = await readFile(caOutFile, 'utf8');
      assert.match(ca, /BEGIN CERTIFICATE/);
      const trusted = new Agent({ connect: { ca } });
      const answer = await undiciFetch(`${simulator.url}/api/rest/vr/v2/session`, {
        method: 'POST',
        headers: { authorization: PROTECTED_AUTH },
        dispatcher: trusted,
      });
      assert.equal(answer.status, 200);
      const localhost = await undiciFetch(`${simulator.url.replace('127.0.0.1', 'localhost')}/sim/health`, {
        dispatcher: trusted,
      });
      assert.equal(localhost.status, 200);
      await trusted.close();
      await assert.rejects(undiciFetch(`${simulator.url}/sim/health`));
    } finally {
      await simulator.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  void test('npm run sim prints the listening line and exits cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'simulator/main.ts', '--port', '0', '--vms', '10', '--seed', '3'],
      {
        cwd: path.resolve(__dirname, '../..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /^VR simulator listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output);
          if (match?.[1]) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
        setTimeout(() => reject(new Error('no listening line')), 15_000).unref();
      });
      const health = await fetch(`${line}/sim/info`);
      assert.equal(((await health.json()) as { seed: number }).seed, 3);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
