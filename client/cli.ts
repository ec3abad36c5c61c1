/**
 * `npm run cli -- configure --spec vms.yaml --wait`: start, watch and cancel configure-replication runs.
 * Exit codes: 0 every VM configured or already replicated (or the command did what it was asked), 1 some VM did
 * not end well or Temporal failed, 2 bad usage or an invalid spec (then nothing was started, and Temporal was not
 * even contacted).
 */
import { Command, CommanderError } from 'commander';
import type { Client } from '@temporalio/client';
import {
  DEFAULT_NAMESPACE,
  DEFAULT_TASK_QUEUE,
  DEFAULT_TEMPORAL_ADDRESS,
  DEFAULT_TEMPORAL_UI_URL,
} from '../worker/defaults';
import type { ConfigureReplicationInput } from '../workflows/configure-replication-input';
import {
  CliExit,
  describeFailure,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  readValidatedFile,
  settingsOf,
  withClient,
  type CommandContext,
  type GlobalOptions,
  type Settings,
} from './cli-support';
import {
  cancelConfigure,
  queryConfigureProgress,
  startConfigureReplication,
  temporalUiLink,
  validateConfigureInput,
} from './api';
import { formatConfigureProgress, formatConfigureResult, formatTotals, isFullySuccessful } from './format';
import { registerCampaignCommands } from './commands/campaign';
import { registerOnboardingCommands } from './commands/onboarding';
import { registerPairingCommands } from './commands/pairings';
import { registerReplicationCommands } from './commands/replications';

/** Reads and validates a spec file; every problem names the file and the field. */
const readSpecFile = (file: string): ConfigureReplicationInput =>
  readValidatedFile(file, (value) => validateConfigureInput(value, 'spec'), 'spec');

/** While waiting, a line on stderr now and then says where the run is (the query fails until a worker is up). */
function reportProgressWhileWaiting(client: Client, workflowId: string, everyMs = 10_000): () => void {
  const timer = setInterval(() => {
    queryConfigureProgress(client, workflowId).then(
      (progress) => process.stderr.write(`[${progress.phase}] ${formatTotals(progress.totals)}\n`),
      () => undefined,
    );
  }, everyMs);
  return () => clearInterval(timer);
}

interface ConfigureOptions {
  spec: string;
  wait?: boolean;
  json?: boolean;
  workflowId?: string;
}

async function configureCommand(options: ConfigureOptions, settings: Settings): Promise<number> {
  // Validation first: a bad spec must fail fast and never reach Temporal.
  const input = readSpecFile(options.spec);
  return withClient(settings, async (client) => {
    const handle = await startConfigureReplication(client, input, {
      workflowId: options.workflowId,
      taskQueue: settings.taskQueue,
    });
    const runId = handle.firstExecutionRunId;
    const uiLink = temporalUiLink(settings.uiUrl, settings.namespace, handle.workflowId, runId);
    if (!options.wait) {
      if (options.json)
        console.log(JSON.stringify({ workflowId: handle.workflowId, runId, uiLink }, null, 2));
      else {
        console.log(`Started ${handle.workflowId} (run ${runId})`);
        console.log(`Temporal UI: ${uiLink}`);
        console.log(`Progress:    npm run cli -- status ${handle.workflowId}`);
      }
      return EXIT_OK;
    }
    if (!options.json) {
      console.log(`Started ${handle.workflowId} (run ${runId})`);
      console.log(`Temporal UI: ${uiLink}`);
      console.log('Waiting for the result...');
    }
    const stopReporting = reportProgressWhileWaiting(client, handle.workflowId);
    let result;
    try {
      result = await handle.result();
    } catch (error) {
      throw new CliExit(`workflow ${handle.workflowId} failed: ${describeFailure(error)}`, EXIT_FAILED);
    } finally {
      stopReporting();
    }
    if (options.json) {
      console.log(JSON.stringify({ workflowId: handle.workflowId, runId, uiLink, result }, null, 2));
    } else {
      console.log(`\n${formatConfigureResult(result)}`);
    }
    return isFullySuccessful(result) ? EXIT_OK : EXIT_FAILED;
  });
}

async function statusCommand(
  workflowId: string,
  options: { json?: boolean },
  settings: Settings,
): Promise<number> {
  return withClient(settings, async (client) => {
    const description = await client.workflow.getHandle(workflowId).describe();
    const uiLink = temporalUiLink(settings.uiUrl, settings.namespace, workflowId, description.runId);
    const progress = await queryConfigureProgress(client, workflowId);
    if (options.json) {
      console.log(
        JSON.stringify(
          { workflowId, runId: description.runId, status: description.status.name, uiLink, progress },
          null,
          2,
        ),
      );
    } else {
      console.log(`${workflowId}: ${description.status.name}`);
      console.log(`Temporal UI: ${uiLink}\n`);
      console.log(formatConfigureProgress(progress));
    }
    return EXIT_OK;
  });
}

async function cancelCommand(workflowId: string, settings: Settings): Promise<number> {
  return withClient(settings, async (client) => {
    await cancelConfigure(client, workflowId);
    console.log(
      `Cancellation requested for ${workflowId}; the run logs out and completes with cancelled: true.`,
    );
    return EXIT_OK;
  });
}

function buildProgram(run: (exitCode: Promise<number>) => void): Command {
  const program = new Command('cli')
    .description('Start, watch and cancel vSphere Replication runs on Temporal')
    .option(
      '--address <host:port>',
      `Temporal front end; env TEMPORAL_ADDRESS, default ${DEFAULT_TEMPORAL_ADDRESS}`,
    )
    .option('--namespace <name>', `Temporal namespace; env TEMPORAL_NAMESPACE, default ${DEFAULT_NAMESPACE}`)
    .option('--task-queue <name>', `task queue; env TEMPORAL_TASK_QUEUE, default ${DEFAULT_TASK_QUEUE}`)
    .option('--ui-url <url>', `Temporal Web UI; env TEMPORAL_UI_URL, default ${DEFAULT_TEMPORAL_UI_URL}`)
    .exitOverride();
  const settings = () => settingsOf(program.opts<GlobalOptions>());
  const context: CommandContext = { settings, run };
  // Command groups in their own modules register here.
  for (const register of [
    registerConfigureCommands,
    registerCampaignCommands,
    registerOnboardingCommands,
    registerReplicationCommands,
    registerPairingCommands,
  ])
    register(program, context);
  return program;
}

function registerConfigureCommands(program: Command, { settings, run }: CommandContext): void {
  program
    .command('configure')
    .description('configure replication for the VMs of a spec file (the workflow input, YAML or JSON)')
    .requiredOption('--spec <file>', 'spec file')
    .option('--wait', 'wait for the result and print a table of VMs')
    .option('--json', 'print JSON instead of text')
    .option('--workflow-id <id>', 'workflow id; default configure-<site>-<random>')
    .action((options: ConfigureOptions) => run(configureCommand(options, settings())));
  program
    .command('status')
    .description("show a run's progress per VM")
    .argument('<workflowId>')
    .option('--json', 'print JSON instead of text')
    .action((workflowId: string, options: { json?: boolean }) =>
      run(statusCommand(workflowId, options, settings())),
    );
  program
    .command('cancel')
    .description('cancel a run')
    .argument('<workflowId>')
    .action((workflowId: string) => run(cancelCommand(workflowId, settings())));
}

async function main(argv: string[]): Promise<number> {
  let pending: Promise<number> | undefined;
  const program = buildProgram((exitCode) => {
    pending = exitCode;
  });
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the help or the usage error already.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? EXIT_OK
        : EXIT_USAGE;
    }
    throw error;
  }
  try {
    return await (pending ?? Promise.resolve(EXIT_OK));
  } catch (error) {
    if (error instanceof CliExit) {
      console.error(error.message);
      return error.exitCode;
    }
    console.error(describeFailure(error));
    return EXIT_FAILED;
  }
}

main(process.argv).then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = EXIT_FAILED;
  },
);
