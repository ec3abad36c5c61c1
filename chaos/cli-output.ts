/**
 * The CLI as a user runs it (`npx tsx client/cli.ts campaign status|report`) against the chaos run's Temporal: its
 * exit codes, and its complete output for the secrets scan.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ScanSource } from './secrets-scan';

const repoRoot = path.resolve(__dirname, '..');

interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], temporalAddress: string): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'client/cli.ts', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress },
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

export interface CliOutput {
  exitCodes: Record<string, number>;
  /** VM rows in `campaign report --format json`. */
  reportRows: number;
  outputs: ScanSource[];
}

/** Runs `campaign status`, `campaign report` (JSON) and `campaign report --format csv`; saves each output in workDir. */
export async function runCliCommands(
  campaignId: string,
  temporalAddress: string,
  workDir: string,
): Promise<CliOutput> {
  const commands: Record<string, string[]> = {
    'campaign status': ['campaign', 'status', campaignId],
    'campaign status --json': ['campaign', 'status', campaignId, '--json'],
    'campaign report': ['campaign', 'report', campaignId],
    'campaign report --format csv': ['campaign', 'report', campaignId, '--format', 'csv'],
  };
  const entries = Object.entries(commands);
  const runs = await Promise.all(entries.map(([, args]) => runCli(args, temporalAddress)));
  const exitCodes: Record<string, number> = {};
  const outputs: ScanSource[] = [];
  let reportRows = -1;
  entries.forEach(([name], index) => {
    const run = runs[index]!;
    exitCodes[name] = run.exitCode;
    const text = `$ cli ${name}\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
    outputs.push({ name: `cli ${name}`, text });
    writeFileSync(path.join(workDir, `cli-${name.replace(/[^a-z]+/g, '-')}.txt`), text);
    if (name === 'campaign report' && run.exitCode === 0) {
      try {
        reportRows = (JSON.parse(run.stdout) as { vms: unknown[] }).vms.length;
      } catch {
        reportRows = -1;
      }
    }
  });
  return { exitCodes, reportRows, outputs };
}
