/**
 * `campaign start|watch|status|pause|resume|cancel|report|list` and `setup` (registers the search attributes).
 * Exit codes as everywhere: 0 done / every VM fine, 1 some VM not fine or Temporal failed, 2 bad usage or file.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { parseYamlOrJson } from '../../worker/structured-file';
import type { CampaignProgress, ReplicationCampaignInput } from '../../workflows/campaign-input';
import { temporalUiLink } from '../api';
import {
  campaignReport,
  cancelCampaign,
  getCampaignResult,
  listCampaigns,
  pauseCampaign,
  queryCampaignProgress,
  resumeCampaign,
  setCampaignInFlightLimit,
  startCampaign,
  validateCampaignInput,
} from '../campaign-api';
import { ProgressBar, progressLine } from '../campaign-progress-bar';
import { reportToCsv, reportToJson } from '../campaign-report';
import { registerSearchAttributes } from '../campaign-setup';
import {
  CliExit,
  describeFailure,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  readValidatedFile,
  withClient,
  type CommandContext,
  type Settings,
} from '../cli-support';

const readCampaignFile = (file: string): ReplicationCampaignInput =>
  readValidatedFile(file, (value) => validateCampaignInput(value, 'campaign'), 'campaign file');

/**
 * The CLI does not know the worker's sites; given the worker's sites file (`--sites` or env VR_SITES_FILE) it checks
 * every group's site before anything starts. The file is read for its site names only: passwords are not resolved.
 */
function checkCampaignSites(input: ReplicationCampaignInput, campaignFile: string, sitesFile: string): void {
  let text: string;
  try {
    text = readFileSync(sitesFile, 'utf8');
  } catch (error) {
    throw new CliExit(
      `${sitesFile}: cannot read the sites file (${(error as NodeJS.ErrnoException).code})`,
      EXIT_USAGE,
    );
  }
  const parsed = parseYamlOrJson(sitesFile, text, { yamlByDefault: true });
  const sites = (parsed.value as { sites?: unknown } | undefined)?.sites;
  if (parsed.problems.length > 0 || sites === null || typeof sites !== 'object' || Array.isArray(sites))
    throw new CliExit(`${sitesFile}: not a sites file (it needs a "sites" map of site names)`, EXIT_USAGE);
  const known = Object.keys(sites);
  const issues = input.groups.flatMap((group, index) =>
    known.includes(group.site)
      ? []
      : [
          `${campaignFile}: campaign.groups[${index}].site: unknown site "${group.site}": ` +
            `the worker's sites file ${sitesFile} has ${known.join(', ') || 'no sites'}`,
        ],
  );
  if (issues.length > 0)
    throw new CliExit(`invalid campaign file, nothing started:\n${issues.join('\n')}`, EXIT_USAGE);
}

/** Turns an update rejected by the workflow's validator into a readable CLI error. */
async function steer(action: () => Promise<CampaignProgress>, what: string): Promise<CampaignProgress> {
  try {
    return await action();
  } catch (error) {
    throw new CliExit(`${what} refused: ${describeFailure(error)}`, EXIT_FAILED);
  }
}

function summary(progress: CampaignProgress): string {
  const failures = progress.failures
    .map(
      (failure) =>
        `  ${failure.name ?? failure.requested}: ${failure.outcome}${failure.reason ? ` — ${failure.reason}` : ''}`,
    )
    .join('\n');
  return [
    `${progress.campaignId}: ${progress.phase}`,
    progressLine(progress),
    failures ? `failures (first ${progress.failures.length}):\n${failures}` : '',
    progress.failuresOmitted > 0 ? `  ... and ${progress.failuresOmitted} more (campaign report)` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

async function watch(client: Client, campaignId: string, everyMs = 1_000): Promise<number> {
  const bar = new ProgressBar();
  const result = getCampaignResult(client, campaignId);
  let finished = false;
  result.then(
    () => (finished = true),
    () => (finished = true),
  );
  while (!finished) {
    await queryCampaignProgress(client, campaignId).then(
      (progress) => bar.update(progress),
      () => undefined,
    );
    await Promise.race([
      result.catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, everyMs)),
    ]);
  }
  bar.done();
  let outcome: string;
  try {
    outcome = (await result).outcome;
  } catch (error) {
    throw new CliExit(`campaign ${campaignId} failed: ${describeFailure(error)}`, EXIT_FAILED);
  }
  console.log(summary(await queryCampaignProgress(client, campaignId)));
  console.log(`Report: npm run cli -- campaign report ${campaignId} --format csv`);
  return outcome === 'ok' ? EXIT_OK : EXIT_FAILED;
}

async function start(
  options: { file: string; id?: string; watch?: boolean; sites?: string },
  settings: Settings,
): Promise<number> {
  const input = readCampaignFile(options.file);
  const sitesFile = options.sites ?? process.env.VR_SITES_FILE;
  if (sitesFile) checkCampaignSites(input, options.file, sitesFile);
  return withClient(settings, async (client) => {
    const handle = await startCampaign(client, input, {
      campaignId: options.id,
      taskQueue: settings.taskQueue,
    });
    console.log(`Started campaign ${handle.workflowId}`);
    console.log(
      `Temporal UI: ${temporalUiLink(settings.uiUrl, settings.namespace, handle.workflowId, handle.firstExecutionRunId)}`,
    );
    console.log(
      `Batches:     ${settings.uiUrl}/namespaces/${settings.namespace}/workflows?query=${encodeURIComponent(`VrCampaignId="${handle.workflowId}" AND VrKind="batch"`)}`,
    );
    if (!options.watch) {
      console.log(`Watch:       npm run cli -- campaign watch ${handle.workflowId}`);
      return EXIT_OK;
    }
    return watch(client, handle.workflowId);
  });
}

export function registerCampaignCommands(program: Command, { settings, run }: CommandContext): void {
  const campaign = program
    .command('campaign')
    .description('bulk replication campaigns (many VMs, batch child workflows)');
  campaign
    .command('start')
    .description('start a campaign from a campaign file (YAML or JSON)')
    .requiredOption('--file <file>', 'campaign file')
    .option('--id <campaignId>', 'campaign (workflow) id; default campaign-<name>-<random>')
    .option('--watch', 'watch it with a progress bar until it ends')
    .option(
      '--sites <file>',
      "the worker's sites file: every group's site must be in it (env VR_SITES_FILE); " +
        'without it an unknown site fails its batches on the worker, before any VR call',
    )
    .action((options: { file: string; id?: string; watch?: boolean; sites?: string }) =>
      run(start(options, settings())),
    );
  campaign
    .command('watch')
    .description('live progress bar (counts, rate, ETA) until the campaign ends, then the summary')
    .argument('<campaignId>')
    .action((id: string) => run(withClient(settings(), (client) => watch(client, id))));
  campaign
    .command('status')
    .description('totals by outcome, VMs in flight, rate and ETA')
    .argument('<campaignId>')
    .option('--json', 'print JSON')
    .action((id: string, options: { json?: boolean }) =>
      run(
        withClient(settings(), async (client) => {
          const progress = await queryCampaignProgress(client, id);
          console.log(options.json ? JSON.stringify(progress, null, 2) : summary(progress));
          return EXIT_OK;
        }),
      ),
    );
  for (const [name, description, action] of [
    ['pause', 'stop starting batches (running ones finish)', pauseCampaign],
    ['resume', 'start batches again', resumeCampaign],
  ] as const) {
    campaign
      .command(name)
      .description(description)
      .argument('<campaignId>')
      .action((id: string) =>
        run(
          withClient(settings(), async (client) => {
            console.log(summary(await steer(() => action(client, id), name)));
            return EXIT_OK;
          }),
        ),
      );
  }
  campaign
    .command('cancel')
    .description('cancel running batches; VMs not started are reported as cancelled')
    .argument('<campaignId>')
    .option('--reason <text>', 'recorded in the report')
    .action((id: string, options: { reason?: string }) =>
      run(
        withClient(settings(), async (client) => {
          console.log(summary(await steer(() => cancelCampaign(client, id, options.reason), 'cancel')));
          return EXIT_OK;
        }),
      ),
    );
  campaign
    .command('set-limit')
    .description('change the batches in flight per VRMS (1-50) while the campaign runs')
    .argument('<campaignId>')
    .argument('<limit>')
    .action((id: string, limit: string) =>
      run(
        withClient(settings(), async (client) => {
          console.log(
            summary(await steer(() => setCampaignInFlightLimit(client, id, Number(limit)), 'set-limit')),
          );
          return EXIT_OK;
        }),
      ),
    );
  campaign
    .command('report')
    .description('every VM with its outcome and reason (waits for the campaign to end)')
    .argument('<campaignId>')
    .option('--format <format>', 'json or csv', 'json')
    .action((id: string, options: { format: string }) => {
      if (options.format !== 'json' && options.format !== 'csv') {
        run(Promise.reject(new CliExit(`--format must be json or csv, not ${options.format}`, EXIT_USAGE)));
        return;
      }
      run(
        withClient(settings(), async (client) => {
          const report = await campaignReport(client, id);
          process.stdout.write(
            options.format === 'csv' ? reportToCsv(report.rows) : `${reportToJson(report)}\n`,
          );
          return EXIT_OK;
        }),
      );
    });
  campaign
    .command('list')
    .description('campaigns, newest first (visibility: VrKind = "campaign")')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'at most this many', '50')
    .action((options: { json?: boolean; limit: string }) =>
      run(
        withClient(settings(), async (client) => {
          const campaigns = await listCampaigns(client, Number(options.limit) || 50);
          if (options.json) console.log(JSON.stringify(campaigns, null, 2));
          else
            for (const entry of campaigns)
              console.log(
                `${entry.campaignId}  ${entry.status}  ${entry.startTime.toISOString()}  VMs ${entry.vmCount ?? '?'}  ${entry.outcome ?? ''}`,
              );
          return EXIT_OK;
        }),
      ),
    );
  program
    .command('setup')
    .description("register the plugin's search attributes on the namespace (idempotent)")
    .action(() =>
      run(
        withClient(settings(), async (client) => {
          const { namespace } = settings();
          const result = await registerSearchAttributes(client.connection, namespace);
          console.log(
            `namespace ${namespace}: added ${result.added.join(', ') || 'none'}; already present ${result.present.join(', ') || 'none'}`,
          );
          return EXIT_OK;
        }),
      ),
    );
}
