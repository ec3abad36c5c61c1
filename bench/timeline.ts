/**
 * Where a campaign's wall time goes, from the histories of its batches: when the last configure request was
 * answered, when the last poll round ended, when the last batch closed (seconds after the campaign started).
 */
import type { Client } from '@temporalio/client';

export interface Timeline {
  /** The first batch workflow started (the campaign has looked up its targets). */
  firstBatchStartS: number;
  /** The last VM lookup of a batch answered. */
  lastLookupS: number;
  /** The last configure request answered (all VMs sent to VR). */
  lastConfigureS: number;
  /** The first poll round that ended after the last configure request. */
  firstPollAfterS?: number;
  /** The last poll round answered. */
  lastPollS: number;
  /** The last batch workflow closed. */
  lastBatchClosedS: number;
}

const seconds = (time: unknown): number | undefined => {
  if (!time || typeof time !== 'object') return undefined;
  const { seconds: s, nanos } = time as { seconds?: unknown; nanos?: number };
  return s === undefined || s === null ? undefined : Number(s) + (nanos ?? 0) / 1e9;
};

export async function campaignTimeline(
  client: Client,
  campaignId: string,
  startedAt: number,
): Promise<Timeline> {
  const start = startedAt / 1000;
  let firstBatchStart = Infinity;
  let lastLookup = 0;
  let lastConfigure = 0;
  let lastPoll = 0;
  let lastClosed = 0;
  const pollEnds: number[] = [];
  for await (const execution of client.workflow.list({
    query: `VrCampaignId = "${campaignId}" AND VrKind = "batch"`,
  })) {
    lastClosed = Math.max(lastClosed, (execution.closeTime?.getTime() ?? 0) / 1000 - start);
    firstBatchStart = Math.min(firstBatchStart, execution.startTime.getTime() / 1000 - start);
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const types = new Map<string, string>();
    for (const event of history.events ?? []) {
      const id = String(event.eventId);
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(id, scheduled.activityType?.name ?? '');
      const completed = event.activityTaskCompletedEventAttributes;
      const at = (seconds(event.eventTime) ?? start) - start;
      if (!completed) continue;
      const type = types.get(String(completed.scheduledEventId));
      if (type === 'findVms') lastLookup = Math.max(lastLookup, at);
      if (type === 'configureReplicationBatch') lastConfigure = Math.max(lastConfigure, at);
      if (type === 'pollTasks') {
        lastPoll = Math.max(lastPoll, at);
        pollEnds.push(at);
      }
    }
  }
  const after = pollEnds.filter((at) => at > lastConfigure).sort((a, b) => a - b)[0];
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    firstBatchStartS: round(firstBatchStart),
    lastLookupS: round(lastLookup),
    lastConfigureS: round(lastConfigure),
    ...(after !== undefined ? { firstPollAfterS: round(after) } : {}),
    lastPollS: round(lastPoll),
    lastBatchClosedS: round(lastClosed),
  };
}
