/** `onboarding create|list|describe|pause|unpause|trigger|delete`: scheduled DR onboarding (a Temporal Schedule). */
import type { Command } from 'commander';
import {
  createOnboardingSchedule,
  describeOnboardingSchedule,
  InvalidOnboardingInputError,
  listOnboardingSchedules,
  OVERLAP_POLICIES,
  validateOnboardingInput,
  type OverlapPolicyName,
} from '../campaign-schedules';
import { CliExit, EXIT_OK, EXIT_USAGE, withClient, type CommandContext, type Settings } from '../cli-support';
import { readValidatedFile } from '../cli-support';

interface CreateOptions {
  file: string;
  every?: string;
  cron?: string;
  id?: string;
  overlap: string;
  paused?: boolean;
}

async function create(options: CreateOptions, settings: Settings): Promise<number> {
  if ((options.every === undefined) === (options.cron === undefined))
    throw new CliExit('give exactly one of --every <interval> or --cron <expression>', EXIT_USAGE);
  if (!(options.overlap in OVERLAP_POLICIES))
    throw new CliExit(`--overlap must be one of ${Object.keys(OVERLAP_POLICIES).join(', ')}`, EXIT_USAGE);
  const input = readValidatedFile(options.file, (value) => validateOnboardingInput(value), 'onboarding file');
  return withClient(settings, async (client) => {
    try {
      const scheduleId = await createOnboardingSchedule(client, input, {
        scheduleId: options.id,
        every: options.every,
        cron: options.cron,
        overlap: options.overlap as OverlapPolicyName,
        paused: options.paused,
        taskQueue: settings.taskQueue,
      });
      console.log(
        `Created schedule ${scheduleId} (${options.every ? `every ${options.every}` : `cron ${options.cron}`})`,
      );
      return EXIT_OK;
    } catch (error) {
      if (error instanceof InvalidOnboardingInputError) throw new CliExit(error.message, EXIT_USAGE);
      throw error;
    }
  });
}

export function registerOnboardingCommands(program: Command, { settings, run }: CommandContext): void {
  const onboarding = program
    .command('onboarding')
    .description('scheduled DR onboarding: protect new VMs that match a selector, every interval');
  onboarding
    .command('create')
    .description('create the schedule from an onboarding file (YAML or JSON)')
    .requiredOption('--file <file>', 'onboarding file')
    .option('--every <interval>', 'e.g. 30m, 1h, 1d')
    .option('--cron <expression>', "e.g. '0 2 * * *'")
    .option('--id <scheduleId>', 'schedule id; default onboarding-<name>')
    .option(
      '--overlap <policy>',
      `what a tick does while a run is busy: ${Object.keys(OVERLAP_POLICIES).join('|')}`,
      'skip',
    )
    .option('--paused', 'create it paused')
    .action((options: CreateOptions) => run(create(options, settings())));
  onboarding
    .command('list')
    .description('onboarding schedules')
    .action(() =>
      run(
        withClient(settings(), async (client) => {
          for (const schedule of await listOnboardingSchedules(client)) {
            const next = schedule.info?.nextActionTimes?.[0]?.toISOString() ?? '-';
            console.log(
              `${schedule.scheduleId}  ${schedule.state.paused ? 'paused' : 'active'}  next ${next}`,
            );
          }
          return EXIT_OK;
        }),
      ),
    );
  onboarding
    .command('describe')
    .description("the schedule's spec, state, next times and runs")
    .argument('<scheduleId>')
    .action((id: string) =>
      run(
        withClient(settings(), async (client) => {
          const { description, runs } = await describeOnboardingSchedule(client, id);
          console.log(
            `${id}: ${description.state.paused ? 'paused' : 'active'}${description.state.note ? ` (${description.state.note})` : ''}`,
          );
          console.log(`spec: ${JSON.stringify(description.spec)}`);
          console.log(`overlap: ${description.policies.overlap}`);
          console.log(
            `next: ${description.info.nextActionTimes.map((time) => time.toISOString()).join(', ') || '-'}`,
          );
          console.log(`runs (${runs.length}):`);
          for (const entry of runs)
            console.log(`  ${entry.workflowId}  ${entry.status}  ${entry.startTime.toISOString()}`);
          return EXIT_OK;
        }),
      ),
    );
  const simple = [
    ['pause', 'pause the schedule', (handle: ScheduleHandleLike) => handle.pause('paused from the CLI')],
    [
      'unpause',
      'unpause the schedule',
      (handle: ScheduleHandleLike) => handle.unpause('unpaused from the CLI'),
    ],
    [
      'trigger',
      'start a run now (the overlap policy applies)',
      (handle: ScheduleHandleLike) => handle.trigger(),
    ],
    [
      'delete',
      'delete the schedule (its runs and campaigns stay)',
      (handle: ScheduleHandleLike) => handle.delete(),
    ],
  ] as const;
  for (const [name, description, action] of simple) {
    onboarding
      .command(name)
      .description(description)
      .argument('<scheduleId>')
      .action((id: string) =>
        run(
          withClient(settings(), async (client) => {
            await action(client.schedule.getHandle(id));
            console.log(`${name}: ${id}`);
            return EXIT_OK;
          }),
        ),
      );
  }
}

interface ScheduleHandleLike {
  pause(note?: string): Promise<void>;
  unpause(note?: string): Promise<void>;
  trigger(): Promise<void>;
  delete(): Promise<void>;
}
