/**
 * Typed programmatic API for campaigns: validate a campaign file, start, steer (updates), query progress, list
 * campaigns and assemble the full per-VM report from the campaign's batch children (search attribute
 * VrCampaignId). Workflows, queries and updates are addressed by name: a client process never loads workflow code.
 */
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE } from '../worker/defaults';
import {
  batchIdOf,
  ReplicationCampaignInputSchema,
  type CampaignProgress,
  type ReplicationCampaignInput,
  type ReplicationCampaignResult,
} from '../workflows/campaign-input';
import type { CampaignBatchResult } from '../workflows/campaign-batch';
import { formatInputIssues, type VmOutcome } from '../workflows/configure-replication-input';
import {
  VR_CAMPAIGN_ID,
  VR_KIND,
  VR_OUTCOME,
  VR_PAIRING,
  VR_SITE,
  VR_VM_COUNT,
} from '../workflows/search-attributes';

export const CAMPAIGN_WORKFLOW_TYPE = 'replicationCampaignWorkflow';
export type ReplicationCampaignWorkflow = (
  input: ReplicationCampaignInput,
) => Promise<ReplicationCampaignResult>;

/** The input failed ReplicationCampaignInputSchema; nothing was started. `issues` has one line per problem. */
export class InvalidCampaignInputError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid campaign:\n${issues.join('\n')}`);
    this.name = 'InvalidCampaignInputError';
  }
}

/** Validates a campaign (e.g. parsed from a file); every issue names the field, prefixed with `source`. */
export function validateCampaignInput(input: unknown, source = 'campaign'): ReplicationCampaignInput {
  // A password anywhere is its own, single error (not "unrecognized key"): say where credentials belong.
  const passwords = inlinePasswordPaths(input, source);
  if (passwords.length > 0)
    throw new InvalidCampaignInputError(
      passwords.map(
        (field) =>
          `${field}: passwords do not belong in a campaign file; they belong in the worker's sites file ` +
          '(as password: { env: VARIABLE } or { file: PATH })',
      ),
    );
  const parsed = ReplicationCampaignInputSchema.safeParse(input);
  if (!parsed.success)
    throw new InvalidCampaignInputError(formatInputIssues(parsed.error, source).split('\n'));
  if (parsed.data.state !== undefined)
    throw new InvalidCampaignInputError([`${source}.state: internal field; remove it from the file`]);
  return parsed.data;
}

/** Field paths of every `password` (or `passwd`) key in a parsed file, at any depth. */
function inlinePasswordPaths(value: unknown, path: string, depth = 0): string[] {
  if (value === null || typeof value !== 'object' || depth > 20) return [];
  if (Array.isArray(value))
    return value.flatMap((item, index) => inlinePasswordPaths(item, `${path}[${index}]`, depth + 1));
  return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) =>
    /^pass(word|wd)$/i.test(key)
      ? [`${path}.${key}`]
      : inlinePasswordPaths(item, `${path}.${key}`, depth + 1),
  );
}

/** A campaign id like `campaign-web-estate-3f9a1c2e`. */
export const defaultCampaignId = (name: string): string =>
  `campaign-${name}-${randomBytes(4).toString('hex')}`;

export interface StartCampaignOptions {
  /** Default `campaign-<name>-<8 random hex digits>`. */
  campaignId?: string;
  /** Default 'vsphere-replication'. */
  taskQueue?: string;
}

/** Validates and starts a campaign; the workflow id is the campaign id. */
export async function startCampaign(
  client: Client,
  input: ReplicationCampaignInput,
  options: StartCampaignOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<ReplicationCampaignWorkflow>> {
  const valid = validateCampaignInput(input);
  const campaignId = options.campaignId ?? defaultCampaignId(valid.name);
  return client.workflow.start<ReplicationCampaignWorkflow>(CAMPAIGN_WORKFLOW_TYPE, {
    args: [valid],
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: campaignId,
    typedSearchAttributes: [
      { key: VR_CAMPAIGN_ID, value: campaignId },
      { key: VR_KIND, value: 'campaign' },
    ],
    staticSummary: `Campaign ${valid.name}: ${valid.groups.length} group(s)`,
    staticDetails: valid.groups
      .map(
        (group, index) =>
          `${index + 1}. site \`${group.site}\`, pairing \`${JSON.stringify(group.pairing)}\`, ` +
          `${group.vms ? `${group.vms.length} listed VMs` : `selector \`${JSON.stringify(group.selector)}\``} → ${group.targetDatastore}`,
      )
      .join('\n'),
  });
}

export const queryCampaignProgress = (client: Client, campaignId: string): Promise<CampaignProgress> =>
  client.workflow.getHandle(campaignId).query<CampaignProgress>('campaignProgress');

/** Stops starting batches (running ones finish). Rejected once the campaign is cancelled or finished. */
export const pauseCampaign = (client: Client, campaignId: string): Promise<CampaignProgress> =>
  client.workflow.getHandle(campaignId).executeUpdate<CampaignProgress, []>('pause');

export const resumeCampaign = (client: Client, campaignId: string): Promise<CampaignProgress> =>
  client.workflow.getHandle(campaignId).executeUpdate<CampaignProgress, []>('resume');

/** Cancels running batches and reports VMs not started as cancelled; the campaign then completes. */
export const cancelCampaign = (
  client: Client,
  campaignId: string,
  reason?: string,
): Promise<CampaignProgress> =>
  client.workflow
    .getHandle(campaignId)
    .executeUpdate<CampaignProgress, [string | undefined]>('cancel', { args: [reason] });

/** Batches in flight per VRMS, 1–50 (the workflow's validator rejects anything else). */
export const setCampaignInFlightLimit = (
  client: Client,
  campaignId: string,
  limit: number,
): Promise<CampaignProgress> =>
  client.workflow
    .getHandle(campaignId)
    .executeUpdate<CampaignProgress, [number]>('setInFlightLimit', { args: [limit] });

/** Waits for the campaign (following continue-as-new) and returns its result. */
export const getCampaignResult = (client: Client, campaignId: string): Promise<ReplicationCampaignResult> =>
  client.workflow.getHandle<ReplicationCampaignWorkflow>(campaignId).result();

export interface CampaignListEntry {
  campaignId: string;
  status: string;
  startTime: Date;
  closeTime?: Date;
  vmCount?: number;
  outcome?: string;
}

/** Campaigns, newest first (visibility query `VrKind = "campaign"`). Default limit 50. */
export async function listCampaigns(client: Client, limit = 50): Promise<CampaignListEntry[]> {
  const entries = new Map<string, CampaignListEntry>();
  for await (const execution of client.workflow.list({ query: `${VR_KIND.name} = "campaign"` })) {
    // Continue-as-new leaves one closed run per campaign run: show each campaign once, by its latest run.
    const known = entries.get(execution.workflowId);
    if (known && known.startTime >= execution.startTime) continue;
    entries.set(execution.workflowId, {
      campaignId: execution.workflowId,
      status: execution.status.name,
      startTime: execution.startTime,
      closeTime: execution.closeTime,
      vmCount: execution.typedSearchAttributes.get(VR_VM_COUNT),
      outcome: execution.typedSearchAttributes.get(VR_OUTCOME),
    });
    if (entries.size >= limit * 4) break;
  }
  return [...entries.values()].sort((a, b) => b.startTime.getTime() - a.startTime.getTime()).slice(0, limit);
}

export interface CampaignReportRow {
  campaignId: string;
  batchId?: string;
  site: string;
  pairing: string;
  requested: string;
  vmId?: string;
  name?: string;
  outcome: VmOutcome;
  reason?: string;
  replicationId?: string;
}

export interface CampaignReport {
  campaign: ReplicationCampaignResult;
  rows: CampaignReportRow[];
  totals: Record<string, number>;
}

/**
 * The full per-VM report of a finished campaign: one row per VM from the batches' results (listed by the
 * VrCampaignId search attribute), plus the VMs no batch ran for. Visibility can lag a little behind the last
 * batch: the list is retried until it has as many batches as the campaign started, then the missing ones are
 * read by their (deterministic) ids.
 */
export async function campaignReport(
  client: Client,
  campaignId: string,
  options: { concurrency?: number; visibilityWaitMs?: number } = {},
): Promise<CampaignReport> {
  const campaign = await getCampaignResult(client, campaignId);
  const expected = new Set(
    Object.entries(campaign.batchIds.prefixes).flatMap(([prefix, count]) =>
      Array.from({ length: count }, (_, index) => batchIdOf(campaignId, prefix, index + 1)),
    ),
  );
  const listed = new Map<string, { runId?: string; site: string; pairing: string }>();
  const deadline = Date.now() + (options.visibilityWaitMs ?? 10_000);
  for (;;) {
    const query = `${VR_CAMPAIGN_ID.name} = "${campaignId.replace(/"/g, '\\"')}" AND ${VR_KIND.name} = "batch"`;
    for await (const execution of client.workflow.list({ query })) {
      listed.set(execution.workflowId, {
        runId: execution.runId,
        site: execution.typedSearchAttributes.get(VR_SITE) ?? '',
        pairing: execution.typedSearchAttributes.get(VR_PAIRING) ?? '',
      });
    }
    if ([...expected].every((id) => listed.has(id)) || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (const id of expected) {
    if (!listed.has(id)) {
      const [site = '', pairing = ''] = id.slice(campaignId.length + 1).split('/');
      listed.set(id, { site, pairing });
    }
  }

  const rows: CampaignReportRow[] = [];
  const batches = [...listed.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  const concurrency = options.concurrency ?? 8;
  for (let start = 0; start < batches.length; start += concurrency) {
    const results = await Promise.all(
      batches
        .slice(start, start + concurrency)
        .map(
          ([batchId, batch]) =>
            client.workflow.getHandle(batchId, batch.runId).result() as Promise<CampaignBatchResult>,
        ),
    );
    results.forEach((result, offset) => {
      const [batchId, batch] = batches[start + offset]!;
      for (const vm of result.vms) {
        rows.push({ campaignId, batchId, site: batch.site, pairing: batch.pairing, ...vm });
      }
    });
  }
  for (const unstarted of campaign.unstarted) {
    for (const requested of unstarted.vms) {
      rows.push({
        campaignId,
        site: unstarted.site,
        pairing: unstarted.pairing,
        requested,
        outcome: unstarted.outcome,
        reason: unstarted.reason,
      });
    }
  }
  const totals: Record<string, number> = {};
  for (const row of rows) totals[row.outcome] = (totals[row.outcome] ?? 0) + 1;
  return { campaign, rows, totals };
}
