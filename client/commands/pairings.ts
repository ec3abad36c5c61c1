/**
 * `pairings list|create|reconnect|delete`. Each runs a workflow on the worker: the remote site's password is taken
 * there from the site's `remoteCredentials`, never from the command line. Exit codes: 0 done or already as asked,
 * 1 refused / failed / Temporal failed, 2 bad usage.
 */
import type { Command } from 'commander';
import type { ListPairingsResult } from '../../activities/pairing-activities';
import {
  PairingListInputSchema,
  PairingOperationInputSchema,
  type PairingListInput,
  type PairingOperationInput,
  type PairingOperationResult,
} from '../../workflows/pairing-input';
import { EXIT_FAILED, EXIT_OK, withClient, type CommandContext, type Settings } from '../cli-support';
import { renderTable, type Column } from '../format';
import {
  addPairingOptions,
  newWorkflowId,
  pairingSelector,
  parseFormat,
  runWorkflow,
  toCsv,
  validated,
  type PairingOptions,
} from './replications';

type PairingRow = ListPairingsResult['pairings'][number];

const PAIRING_COLUMNS: ReadonlyArray<Column<PairingRow>> = [
  { header: 'pairing id', value: (row) => row.pairingId },
  { header: 'local vCenter', value: (row) => row.localVcenterName ?? row.localVcenterId },
  { header: 'remote vCenter', value: (row) => row.remoteVcenterName ?? row.remoteVcenterId },
  { header: 'remote vCenter id', value: (row) => row.remoteVcenterId },
  { header: 'remote VRMS', value: (row) => row.remoteVrmsName },
  { header: 'status', value: (row) => row.remoteVrmsStatus ?? row.remoteVcenterStatus },
  { header: 'ROBO', value: (row) => (row.robo ? 'yes' : 'no') },
  { header: 'issues', value: (row) => row.issues.join('; ') },
];

async function listCommand(options: { site: string; format?: string }, settings: Settings): Promise<number> {
  const format = parseFormat(options.format);
  const input = validated<PairingListInput>(PairingListInputSchema, { site: options.site }, 'list request');
  return withClient(settings, async (client) => {
    const { pairings } = await runWorkflow<ListPairingsResult>(
      client,
      settings,
      'pairingListWorkflow',
      input,
      newWorkflowId(`pairings-list-${input.site}`),
    );
    if (format === 'json') console.log(JSON.stringify({ pairings }, null, 2));
    else if (format === 'csv') console.log(toCsv(PAIRING_COLUMNS, pairings).trimEnd());
    else console.log(renderTable(PAIRING_COLUMNS, pairings));
    return EXIT_OK;
  });
}

interface OperationOptions extends PairingOptions {
  remoteVcenterId?: string;
  pscUrl?: string;
  pscPort?: string;
  pscThumbprint?: string;
  force?: boolean;
  json?: boolean;
  workflowId?: string;
}

function operationInput(
  operation: PairingOperationInput['operation'],
  options: OperationOptions,
): PairingOperationInput {
  const psc =
    options.pscUrl || options.pscPort || options.pscThumbprint
      ? {
          ...(options.pscUrl ? { url: options.pscUrl } : {}),
          ...(options.pscPort ? { port: Number(options.pscPort) } : {}),
          ...(options.pscThumbprint ? { thumbprint: options.pscThumbprint } : {}),
        }
      : undefined;
  const input =
    operation === 'create'
      ? {
          operation,
          site: options.site,
          remoteVcenterId: options.remoteVcenterId,
          ...(options.remoteVcenter ? { remoteVcenter: options.remoteVcenter } : {}),
          ...(psc ? { psc } : {}),
        }
      : operation === 'reconnect'
        ? { operation, site: options.site, pairing: pairingSelector(options), ...(psc ? { psc } : {}) }
        : {
            operation,
            site: options.site,
            pairing: pairingSelector(options),
            ...(options.force ? { force: true } : {}),
          };
  return validated<PairingOperationInput>(PairingOperationInputSchema, input, `pairing ${operation} request`);
}

async function operationCommand(
  operation: PairingOperationInput['operation'],
  options: OperationOptions,
  settings: Settings,
): Promise<number> {
  const input = operationInput(operation, options);
  return withClient(settings, async (client) => {
    const result = await runWorkflow<PairingOperationResult>(
      client,
      settings,
      'pairingOperationWorkflow',
      input,
      options.workflowId ?? newWorkflowId(`pairings-${operation}-${input.site}`),
    );
    if (options.json) console.log(JSON.stringify(result, null, 2));
    else {
      const pairing = result.pairingId ? ` pairing ${result.pairingId}` : '';
      console.log(`${operation}${pairing}: ${result.outcome}${result.reason ? ` — ${result.reason}` : ''}`);
    }
    return result.outcome === 'done' || result.outcome === 'already-in-state' ? EXIT_OK : EXIT_FAILED;
  });
}

export function registerPairingCommands(program: Command, { settings, run }: CommandContext): void {
  const group = program.command('pairings').description('list, create, reconnect and delete site pairings');
  group
    .command('list')
    .description('the pairings of a site, with their issues')
    .requiredOption('--site <name>', 'site name from the worker sites file')
    .option('--format <format>', 'table, json or csv', 'table')
    .action((options: { site: string; format?: string }) => run(listCommand(options, settings())));

  const psc = (command: Command) =>
    command
      .option('--psc-url <host>', 'remote PSC / vCenter host or URL (default: the remote vCenter name)')
      .option('--psc-port <port>', 'remote PSC port (default 443)')
      .option('--psc-thumbprint <sha1>', 'remote PSC certificate thumbprint');
  const common = (command: Command) =>
    command
      .option('--json', 'print JSON instead of text')
      .option('--workflow-id <id>', 'workflow id; default pairings-<operation>-<site>-<random>');

  common(
    psc(
      group
        .command('create')
        .description('pair with a remote vCenter (password from the site remoteCredentials on the worker)')
        .requiredOption('--site <name>', 'site name from the worker sites file')
        .requiredOption('--remote-vcenter-id <id>', 'id of the remote vCenter')
        .option(
          '--remote-vcenter <name>',
          'name of the remote vCenter (selects the remoteCredentials entry)',
        ),
    ),
  ).action((options: OperationOptions) => run(operationCommand('create', options, settings())));
  common(psc(addPairingOptions(group.command('reconnect').description('reconnect a pairing')))).action(
    (options: OperationOptions) => run(operationCommand('reconnect', options, settings())),
  );
  common(
    addPairingOptions(
      group
        .command('delete')
        .description('delete a pairing (refused while it has replications, unless --force)'),
    ).option('--force', 'single-sided break: also with replications left or the remote site gone'),
  ).action((options: OperationOptions) => run(operationCommand('delete', options, settings())));
}
