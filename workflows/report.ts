/**
 * Read-only report workflows. They run as workflows (short ones) so that VR credentials stay on the worker and the
 * CLI never talks to VR: `replicationReportWorkflow` (status of every replication across pairings, and suitable VMs
 * without a replication) and `pairingListWorkflow`. A pairing whose remote site cannot be reached is reported with
 * its error; the others are still reported.
 */
import { ApplicationFailure, CancellationScope, log, uuid4 } from '@temporalio/workflow';
import type { z } from 'zod';
import type { ListPairingsResult, PairingListEntry } from '../activities/pairing-activities';
import type { ReplicationReportRow, UnprotectedVm } from '../activities/report-activities';
import type { PairingSummary, SessionRef } from '../activities/types';
import { formatInputIssues } from './configure-replication-input';
import { activitiesWithRetry, causeOf } from './lifecycle-support';
import {
  PairingListInputSchema,
  ReplicationReportInputSchema,
  type PairingListInput,
  type ReplicationReportInput,
} from './pairing-input';

export interface ReplicationReportResult {
  site: string;
  /** Workflow time of the report, epoch ms. */
  generatedAt: number;
  pairings: Array<{ pairingId: string; remoteVcenter: string; robo: boolean; error?: string }>;
  replications: ReplicationReportRow[];
  /** Suitable VMs without a replication, once per protected vCenter (empty unless asked for). */
  notProtected: UnprotectedVm[];
  /** Replication issues VR reports without naming a listed replication. */
  otherIssues: string[];
}

function validate<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid ${what} input:\n${formatInputIssues(parsed.error)}`,
      'InvalidInput',
    );
  }
  return parsed.data;
}

/** Logs in, runs `body`, and always logs out. */
async function withSession<T>(
  input: { site: string; activityRetry?: ReplicationReportInput['activityRetry'] },
  body: (session: SessionRef, vr: ReturnType<typeof activitiesWithRetry>['vr']) => Promise<T>,
): Promise<T> {
  const { vr, cleanup } = activitiesWithRetry(input.activityRetry);
  const session: SessionRef = { site: input.site, sessionHandle: uuid4() };
  try {
    await vr.login(session);
    return await body(session, vr);
  } finally {
    await CancellationScope.nonCancellable(() => cleanup.logout(session)).catch((error: unknown) =>
      log.warn('logout failed; the session will expire on its own', { error: String(error) }),
    );
  }
}

export async function replicationReportWorkflow(
  input: ReplicationReportInput,
): Promise<ReplicationReportResult> {
  const request = validate(ReplicationReportInputSchema, input, 'replication report');
  return withSession(request, async (session, vr) => {
    const result: ReplicationReportResult = {
      site: request.site,
      generatedAt: Date.now(),
      pairings: [],
      replications: [],
      notProtected: [],
      otherIssues: [],
    };
    const pairings: PairingSummary[] = request.pairings
      ? await Promise.all(request.pairings.map((selector) => vr.findPairing({ ...session, ...selector })))
      : (await vr.listSitePairings(session)).pairings;
    const reportedVcenters = new Set<string>();
    for (const pairing of pairings) {
      const entry: ReplicationReportResult['pairings'][number] = {
        pairingId: pairing.pairingId,
        remoteVcenter: pairing.remoteVcenterName ?? pairing.remoteVcenterId,
        robo: pairing.robo,
      };
      result.pairings.push(entry);
      if (request.replications ?? true) {
        try {
          const target = { ...session, pairing };
          await vr.remoteLogin(target);
          const report = await vr.reportPairingReplications(target);
          result.replications.push(...report.rows);
          result.otherIssues.push(...report.otherIssues);
        } catch (error) {
          entry.error = causeOf(error);
        }
      }
      if (request.notProtected && !reportedVcenters.has(pairing.localVcenterId)) {
        reportedVcenters.add(pairing.localVcenterId);
        const { vms } = await vr.reportUnprotectedVms({ ...session, pairing });
        result.notProtected.push(...vms);
      }
    }
    return result;
  });
}

export async function pairingListWorkflow(input: PairingListInput): Promise<ListPairingsResult> {
  const request = validate(PairingListInputSchema, input, 'pairing list');
  return withSession(request, async (session, vr) => {
    const { pairings } = await vr.listSitePairings(session);
    return { pairings: pairings.map((pairing): PairingListEntry => pairing) };
  });
}
