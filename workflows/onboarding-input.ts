/**
 * Input and result of `drOnboardingWorkflow`, the run a Temporal Schedule starts now and then to protect VMs that
 * appeared since the last run. Same groups as a campaign, but every group selects its VMs with a selector.
 */
import { z } from 'zod';
import { CampaignGroupSchema, campaignCommonShape, type ReplicationCampaignResult } from './campaign-input';

export const DrOnboardingInputSchema = z
  .object({
    /** Onboarding name (letters, digits, `-`, `_`, `.`); its campaigns are named after it. */
    name: z
      .string()
      .min(1)
      .max(60)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" only'),
    groups: z
      .array(
        CampaignGroupSchema.refine((group) => group.selector !== undefined, {
          message: 'onboarding groups select their VMs with `selector` (not `vms`)',
        }),
      )
      .min(1, 'give at least one group'),
    ...campaignCommonShape,
    /** A VM that failed in this many runs in a row is reported and no longer tried. Default 3. */
    maxFailedRuns: z.number().int().min(1).max(100).optional(),
  })
  .strict();
export type DrOnboardingInput = z.infer<typeof DrOnboardingInputSchema>;

export interface VmFailureCount {
  vmId: string;
  name?: string;
  /** Runs in which the VM did not end configured. */
  failedRuns: number;
  lastReason?: string;
}

export interface DrOnboardingResult {
  name: string;
  /** The schedule that started this run, when one did (its previous runs hold the failure counts). */
  scheduleId?: string;
  /** VMs discovered (suitable, not replicated, matching) before excluding those given up on. */
  discovered: number;
  /** The campaign this run started; undefined when there was nothing to do. */
  campaignId?: string;
  campaign?: Pick<ReplicationCampaignResult, 'outcome' | 'totals' | 'totalVms' | 'failures' | 'groupErrors'>;
  /** VMs not tried any more (from the next run on, or already in this one) because they failed in maxFailedRuns runs. */
  gaveUp: VmFailureCount[];
  /** Carried to the next run: VMs that failed and are still unprotected. */
  failureCounts: VmFailureCount[];
  groupErrors: Array<{ group: number; error: string }>;
}

/** Failure counts kept from run to run (the oldest are dropped beyond this). */
export const MAX_FAILURE_COUNTS = 5000;
