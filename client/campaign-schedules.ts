/**
 * Scheduled DR onboarding: a Temporal Schedule that starts drOnboardingWorkflow every interval or by cron. Overlap
 * policy SKIP by default: a run still busy with its campaign makes the next tick a no-op instead of piling up.
 */
import {
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleSummary,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { DEFAULT_TASK_QUEUE } from '../worker/defaults';
import { formatInputIssues } from '../workflows/configure-replication-input';
import { DrOnboardingInputSchema, type DrOnboardingInput } from '../workflows/onboarding-input';
import { VR_KIND } from '../workflows/search-attributes';

export const ONBOARDING_WORKFLOW_TYPE = 'drOnboardingWorkflow';

export class InvalidOnboardingInputError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid onboarding:\n${issues.join('\n')}`);
    this.name = 'InvalidOnboardingInputError';
  }
}

export function validateOnboardingInput(input: unknown, source = 'onboarding'): DrOnboardingInput {
  const parsed = DrOnboardingInputSchema.safeParse(input);
  if (!parsed.success)
    throw new InvalidOnboardingInputError(formatInputIssues(parsed.error, source).split('\n'));
  return parsed.data;
}

export const OVERLAP_POLICIES = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
} as const;
export type OverlapPolicyName = keyof typeof OVERLAP_POLICIES;

export interface CreateOnboardingOptions {
  /** Default `onboarding-<name>`. */
  scheduleId?: string;
  /** Interval like `1h`, `30m`, `1d` (give this or cron). */
  every?: string;
  /** Cron expression like `0 * * * *` (give this or every). */
  cron?: string;
  /** Default 'skip'. */
  overlap?: OverlapPolicyName;
  /** Default 'vsphere-replication'. */
  taskQueue?: string;
  /** Create the schedule paused. Default false. */
  paused?: boolean;
}

/** Validates the onboarding input and creates its schedule; returns the schedule id. */
export async function createOnboardingSchedule(
  client: Client,
  input: DrOnboardingInput,
  options: CreateOnboardingOptions,
): Promise<string> {
  const valid = validateOnboardingInput(input);
  if ((options.every === undefined) === (options.cron === undefined))
    throw new InvalidOnboardingInputError(['give exactly one of --every <interval> or --cron <expression>']);
  if (options.every !== undefined && !/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(options.every))
    throw new InvalidOnboardingInputError([
      `--every must look like 90s, 30m, 1h or 1d, not "${options.every}"`,
    ]);
  const scheduleId = options.scheduleId ?? `onboarding-${valid.name}`;
  await client.schedule.create({
    scheduleId,
    spec:
      options.every !== undefined
        ? { intervals: [{ every: options.every as Duration }] }
        : { cronExpressions: [options.cron!] },
    action: {
      type: 'startWorkflow',
      workflowType: ONBOARDING_WORKFLOW_TYPE,
      workflowId: scheduleId,
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      args: [valid],
      typedSearchAttributes: [{ key: VR_KIND, value: 'onboarding' }],
      staticSummary: `Scheduled DR onboarding ${valid.name}`,
    },
    policies: { overlap: OVERLAP_POLICIES[options.overlap ?? 'skip'] },
    state: { paused: options.paused ?? false, note: `created by the vSphere Replication CLI` },
  });
  return scheduleId;
}

/** Schedules whose action starts drOnboardingWorkflow. */
export async function listOnboardingSchedules(client: Client): Promise<ScheduleSummary[]> {
  const schedules: ScheduleSummary[] = [];
  for await (const schedule of client.schedule.list()) {
    if (
      schedule.action?.type === 'startWorkflow' &&
      schedule.action.workflowType === ONBOARDING_WORKFLOW_TYPE
    )
      schedules.push(schedule);
  }
  return schedules;
}

export interface OnboardingRun {
  workflowId: string;
  runId: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
}

/** The schedule's description and its runs (visibility: TemporalScheduledById), newest first. */
export async function describeOnboardingSchedule(
  client: Client,
  scheduleId: string,
): Promise<{ description: ScheduleDescription; runs: OnboardingRun[] }> {
  const description = await client.schedule.getHandle(scheduleId).describe();
  const runs: OnboardingRun[] = [];
  const query = `TemporalScheduledById = "${scheduleId.replace(/"/g, '\\"')}"`;
  for await (const execution of client.workflow.list({ query })) {
    runs.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      status: execution.status.name,
      startTime: execution.startTime,
      closeTime: execution.closeTime,
    });
  }
  runs.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
  return { description, runs };
}
