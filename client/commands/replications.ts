/**
 * `replications list|pause|resume|sync|reconfigure|unconfigure|delete`. Every command runs a workflow on the worker
 * (credentials stay there) and waits for it. `--dry-run` prints the exact replications an operation would touch and
 * changes nothing. Exit codes: 0 every replication as asked, 1 some replication not, or Temporal failed, 2 bad usage.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import {
  REPLICATION_OPERATIONS,
  ReplicationOperationInputSchema,
  SUCCESSFUL_REPLICATION_OUTCOMES,
  type ReplicationOperation,
  type ReplicationOperationInput,
  type ReplicationOperationResult,
} from '../../workflows/lifecycle-input';
import { ReplicationReportInputSchema, type ReplicationReportInput } from '../../workflows/pairing-input';
import type { ReplicationReportResult } from '../../workflows/report';
import { formatInputIssues } from '../../workflows/configure-replication-input';
import {
  CliExit,
  describeFailure,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  withClient,
  type CommandContext,
  type Settings,
} from '../cli-support';
import { formatTotals, renderTable, type Column } from '../format';
import { temporalUiLink } from '../api';

export type OutputFormat = 'table' | 'json' | 'csv';

const csvCell = (value: string | number | boolean | undefined): string => {
  const text = value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** RFC 4180 CSV with a header line; empty cells for undefined. */
export function toCsv<Row>(
  columns: ReadonlyArray<{ header: string; value(row: Row): string | number | boolean | undefined }>,
  rows: readonly Row[],
): string {
  const lines = [columns.map((column) => csvCell(column.header)).join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvCell(column.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function parseFormat(value: string | undefined): OutputFormat {
  const format = value ?? 'table';
  if (format !== 'table' && format !== 'json' && format !== 'csv')
    throw new CliExit(`--format must be table, json or csv, got "${format}"`, EXIT_USAGE);
  return format;
}

export interface PairingOptions {
  site: string;
  pairingId?: string;
  remoteVcenter?: string;
  remoteVrmsHost?: string;
}

export const pairingSelector = (options: PairingOptions) =>
  options.pairingId !== undefined
    ? { pairingId: options.pairingId }
    : options.remoteVrmsHost !== undefined
      ? { remoteVrmsHost: options.remoteVrmsHost }
      : { remoteVcenter: options.remoteVcenter ?? '' };

export function addPairingOptions(command: Command): Command {
  return command
    .requiredOption('--site <name>', 'site name from the worker sites file')
    .option('--pairing-id <id>', 'the pairing id')
    .option('--remote-vcenter <name>', 'name or id of the remote vCenter of the pairing')
    .option('--remote-vrms-host <host>', 'host name of the remote VRMS');
}

/** Runs a workflow by type name (the CLI never loads workflow code) and waits for its result. */
export async function runWorkflow<T>(
  client: Client,
  settings: Settings,
  type: string,
  input: unknown,
  workflowId: string,
): Promise<T> {
  const handle = await client.workflow.start(type, {
    args: [input],
    taskQueue: settings.taskQueue,
    workflowId,
  });
  try {
    return (await handle.result()) as T;
  } catch (error) {
    const link = temporalUiLink(settings.uiUrl, settings.namespace, workflowId, handle.firstExecutionRunId);
    throw new CliExit(`workflow ${workflowId} failed: ${describeFailure(error)}\n${link}`, EXIT_FAILED);
  }
}

export const newWorkflowId = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export function validated<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new CliExit(
      `invalid ${what}, nothing started:\n${formatInputIssues(parsed.error, 'options')}`,
      EXIT_USAGE,
    );
  }
  return parsed.data;
}

interface OperationOptions extends PairingOptions {
  vm?: string[];
  vmId?: string[];
  all?: boolean;
  status?: string[];
  nameContains?: string;
  nameGlob?: string;
  dryRun?: boolean;
  retainReplicaDisks?: boolean;
  batchSize?: string;
  format?: string;
  workflowId?: string;
  rpo?: string;
  pointInTime?: string;
  pointInTimeInstances?: string;
  pointInTimeDays?: string;
  quiescing?: string;
  compression?: string;
  encryption?: string;
  autoReplicateNewDisks?: string;
  disk?: string[];
}

const onOff = (value: string | undefined, flag: string): boolean | undefined => {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new CliExit(`${flag} must be on or off, got "${value}"`, EXIT_USAGE);
};
const integer = (value: string | undefined): number | undefined =>
  value === undefined ? undefined : Number(value);

/** `--disk "Hard disk 2=off"` or `--disk 2001=on`. */
function diskChange(text: string): { label?: string; deviceKey?: number; enabled: boolean } {
  const match = /^(.+)=(on|off)$/.exec(text);
  if (!match) throw new CliExit(`--disk takes "<label or device key>=on|off", got "${text}"`, EXIT_USAGE);
  const key = match[1]!.trim();
  const enabled = match[2] === 'on';
  return /^\d+$/.test(key) ? { deviceKey: Number(key), enabled } : { label: key, enabled };
}

export function operationInput(
  operation: ReplicationOperation,
  options: OperationOptions,
): ReplicationOperationInput {
  const byVm = [
    ...(options.vm ?? []).map((name) => ({ name })),
    ...(options.vmId ?? []).map((id) => ({ id })),
  ];
  if (options.all && byVm.length > 0) throw new CliExit('give --vm/--vm-id or --all, not both', EXIT_USAGE);
  if (!options.all && byVm.length === 0) throw new CliExit('give --vm, --vm-id or --all', EXIT_USAGE);
  const reconfigure =
    operation === 'reconfigure'
      ? Object.fromEntries(
          Object.entries({
            rpoMinutes: integer(options.rpo),
            pointInTimeEnabled: onOff(options.pointInTime, '--point-in-time'),
            pointInTimeInstancesPerDay: integer(options.pointInTimeInstances),
            pointInTimeDays: integer(options.pointInTimeDays),
            quiescing: onOff(options.quiescing, '--quiescing'),
            networkCompression: onOff(options.compression, '--compression'),
            encryption: onOff(options.encryption, '--encryption'),
            autoReplicateNewDisks: onOff(options.autoReplicateNewDisks, '--auto-replicate-new-disks'),
            disks: options.disk?.map(diskChange),
          }).filter(([, value]) => value !== undefined),
        )
      : undefined;
  const input = {
    site: options.site,
    pairing: pairingSelector(options),
    operation,
    selection: options.all
      ? {
          all: true,
          ...(options.status ? { status: options.status } : {}),
          ...(options.nameContains ? { nameContains: options.nameContains } : {}),
          ...(options.nameGlob ? { nameGlob: options.nameGlob } : {}),
        }
      : { vms: byVm },
    ...(reconfigure ? { reconfigure } : {}),
    ...(options.retainReplicaDisks ? { retainReplicaDisks: true } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.batchSize ? { batchSize: integer(options.batchSize) } : {}),
  };
  return validated<ReplicationOperationInput>(ReplicationOperationInputSchema, input, `${operation} request`);
}

const OUTCOME_COLUMNS: ReadonlyArray<Column<ReplicationOperationResult['replications'][number]>> = [
  { header: 'VM', value: (row) => row.name ?? row.requested },
  { header: 'replication id', value: (row) => row.replicationId },
  { header: 'status before', value: (row) => row.statusBefore },
  { header: 'outcome', value: (row) => row.outcome },
  { header: 'reason', value: (row) => row.reason },
];

export function formatOperationResult(result: ReplicationOperationResult, format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(result, null, 2);
  if (format === 'csv') return toCsv(OUTCOME_COLUMNS, result.replications).trimEnd();
  const selected = result.replications.filter((row) => row.outcome === 'skipped-dry-run').length;
  const header = result.dryRun
    ? `DRY RUN — nothing was changed. ${result.operation} would touch these ${selected} replication(s) ` +
      `of pairing ${result.pairingId ?? '?'} on site ${result.site}:`
    : `${result.operation} on site ${result.site}, pairing ${result.pairingId ?? '?'}${result.cancelled ? ', CANCELLED' : ''}`;
  const totals = Object.fromEntries(Object.entries(result.totals).filter(([, count]) => count > 0));
  return `${header}\n\n${renderTable(OUTCOME_COLUMNS, result.replications)}\n\nTotals: ${formatTotals(totals)}`;
}

async function operationCommand(
  operation: ReplicationOperation,
  options: OperationOptions,
  settings: Settings,
): Promise<number> {
  const format = parseFormat(options.format);
  const input = operationInput(operation, options);
  return withClient(settings, async (client) => {
    const workflowId = options.workflowId ?? newWorkflowId(`replications-${operation}-${input.site}`);
    const result = await runWorkflow<ReplicationOperationResult>(
      client,
      settings,
      'replicationOperationWorkflow',
      input,
      workflowId,
    );
    console.log(formatOperationResult(result, format));
    return result.replications.every((row) => SUCCESSFUL_REPLICATION_OUTCOMES.has(row.outcome))
      ? EXIT_OK
      : EXIT_FAILED;
  });
}

const STATUS_COLUMNS: ReadonlyArray<Column<ReplicationReportResult['replications'][number]>> = [
  { header: 'VM', value: (row) => row.name },
  { header: 'remote vCenter', value: (row) => row.remoteVcenter },
  { header: 'status', value: (row) => row.status },
  { header: 'RPO min', value: (row) => row.rpoMinutes },
  {
    header: 'RPO violation',
    value: (row) => (row.rpoViolation === undefined ? undefined : String(row.rpoViolation)),
  },
  {
    header: 'last sync',
    value: (row) => (row.lastSyncTime === undefined ? undefined : new Date(row.lastSyncTime).toISOString()),
  },
  { header: 'last sync bytes', value: (row) => row.lastSyncSizeBytes },
  { header: 'sync %', value: (row) => row.syncProgress },
  { header: 'issues', value: (row) => row.issues.join('; ') },
  { header: 'replication id', value: (row) => row.replicationId },
];

export function formatReport(
  report: ReplicationReportResult,
  format: OutputFormat,
  notProtected: boolean,
): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  if (format === 'csv') {
    if (notProtected)
      return toCsv<ReplicationReportResult['notProtected'][number]>(
        [
          { header: 'VM', value: (vm) => vm.name },
          { header: 'VM id', value: (vm) => vm.vmId },
          { header: 'power state', value: (vm) => vm.powerState },
          { header: 'vCenter', value: (vm) => vm.localVcenter },
        ],
        report.notProtected,
      ).trimEnd();
    return toCsv(STATUS_COLUMNS, report.replications).trimEnd();
  }
  const parts = report.pairings.map(
    (pairing) =>
      `pairing ${pairing.pairingId} → ${pairing.remoteVcenter}${pairing.robo ? ' (ROBO)' : ''}` +
      (pairing.error ? `: NOT REPORTED: ${pairing.error}` : ''),
  );
  const sections = [`site ${report.site}\n${parts.join('\n')}`];
  if (!notProtected || report.replications.length > 0)
    sections.push(
      `Replications (${report.replications.length})\n\n${renderTable(STATUS_COLUMNS, report.replications)}`,
    );
  if (notProtected)
    sections.push(
      `Suitable VMs without a replication (${report.notProtected.length})\n\n` +
        renderTable<ReplicationReportResult['notProtected'][number]>(
          [
            { header: 'VM', value: (vm) => vm.name },
            { header: 'VM id', value: (vm) => vm.vmId },
            { header: 'power state', value: (vm) => vm.powerState },
          ],
          report.notProtected,
        ),
    );
  if (report.otherIssues.length > 0) sections.push(`Other issues:\n${report.otherIssues.join('\n')}`);
  return sections.join('\n\n');
}

interface ListOptions {
  site: string;
  pairingId?: string;
  remoteVcenter?: string;
  remoteVrmsHost?: string;
  notProtected?: boolean;
  format?: string;
}

async function listCommand(options: ListOptions, settings: Settings): Promise<number> {
  const format = parseFormat(options.format);
  const selected = options.pairingId ?? options.remoteVcenter ?? options.remoteVrmsHost;
  const input = validated<ReplicationReportInput>(
    ReplicationReportInputSchema,
    {
      site: options.site,
      ...(selected !== undefined ? { pairings: [pairingSelector(options)] } : {}),
      ...(options.notProtected ? { notProtected: true, replications: false } : {}),
    },
    'list request',
  );
  return withClient(settings, async (client) => {
    const report = await runWorkflow<ReplicationReportResult>(
      client,
      settings,
      'replicationReportWorkflow',
      input,
      newWorkflowId(`replications-report-${input.site}`),
    );
    console.log(formatReport(report, format, options.notProtected ?? false));
    return report.pairings.some((pairing) => pairing.error) ? EXIT_FAILED : EXIT_OK;
  });
}

const collectValues = (value: string, previous: string[] = []) => [...previous, value];

export function registerReplicationCommands(program: Command, { settings, run }: CommandContext): void {
  const group = program.command('replications').description('list replications and change their state');
  addPairingOptions(
    group
      .command('list')
      .description('status of every replication (all pairings unless one is given), or --not-protected VMs'),
  )
    .option('--not-protected', 'list suitable VMs that have no replication yet instead')
    .option('--format <format>', 'table, json or csv', 'table')
    .action((options: ListOptions) => run(listCommand(options, settings())));

  for (const operation of REPLICATION_OPERATIONS) {
    const command = addPairingOptions(group.command(operation).description(`${operation} replications`))
      .option('--vm <name>', 'exact VM name (repeatable)', collectValues)
      .option('--vm-id <id>', 'VM id or replication id (repeatable)', collectValues)
      .option('--all', 'every replication of the pairing that matches the filters below')
      .option('--status <status>', 'with --all: only this replication status (repeatable)', collectValues)
      .option('--name-contains <text>', 'with --all: only VM names containing this text')
      .option('--name-glob <glob>', 'with --all: only VM names matching this glob (* and ?)')
      .option('--dry-run', 'print the exact replications it would touch; change nothing')
      .option('--batch-size <n>', 'replications per batch, 1–100 (default 20)')
      .option('--format <format>', 'table, json or csv', 'table')
      .option('--workflow-id <id>', 'workflow id; default replications-<operation>-<site>-<random>');
    if (operation === 'unconfigure' || operation === 'delete')
      command.option('--retain-replica-disks', 'keep the replica disks at the target site');
    if (operation === 'reconfigure') {
      command
        .option('--rpo <minutes>', 'RPO in minutes, 5–1440')
        .option('--point-in-time <on|off>', 'point-in-time instances')
        .option('--point-in-time-instances <n>', 'instances per day, 1–24')
        .option('--point-in-time-days <n>', 'days to keep, 1–24')
        .option('--quiescing <on|off>', 'guest quiescing')
        .option('--compression <on|off>', 'network compression')
        .option('--encryption <on|off>', 'encryption of replication traffic')
        .option('--auto-replicate-new-disks <on|off>', 'replicate disks added later')
        .option(
          '--disk <label=on|off>',
          'replicate a disk or not, e.g. "Hard disk 2=off" (repeatable)',
          collectValues,
        );
    }
    command.action((options: OperationOptions) => run(operationCommand(operation, options, settings())));
  }
}
