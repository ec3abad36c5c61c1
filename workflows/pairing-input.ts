/**
 * Input and result of `pairingOperationWorkflow` (create, reconnect, delete a site pairing) and of the read-only
 * report workflows. No credentials: `create` names the remote vCenter, and the worker takes the password from the
 * site's `remoteCredentials` entry for that vCenter.
 */
import { z } from 'zod';
import { PairingSelectorSchema } from './configure-replication-input';
import { ActivityRetrySchema } from './lifecycle-input';

const PscLocationSchema = z
  .object({
    /** Host or URL of the remote Platform Services Controller / vCenter. Default: the remote vCenter name. */
    url: z.string().min(1).optional(),
    /** Default 443. */
    port: z.number().int().min(1).max(65_535).optional(),
    /** SHA-1 thumbprint of the remote PSC certificate. Default: none (VR decides whether it needs one). */
    thumbprint: z.string().min(1).optional(),
  })
  .strict();

const common = {
  /** Name of a site in the worker's sites file. */
  site: z.string().min(1),
  /** First poll interval in seconds. Default 5. */
  pollIntervalSeconds: z.number().min(1).max(3600).optional(),
  /** Largest poll interval in seconds. Default 60. */
  pollIntervalCapSeconds: z.number().min(1).max(86_400).optional(),
  activityRetry: ActivityRetrySchema.optional(),
};

export const PairingOperationInputSchema = z.discriminatedUnion('operation', [
  z
    .object({
      operation: z.literal('create'),
      /** The remote vCenter's id (PairingSpec.pair_vc_id). */
      remoteVcenterId: z.string().min(1),
      /** The remote vCenter's name: selects the site's remoteCredentials entry. Default: matched by id. */
      remoteVcenter: z.string().min(1).optional(),
      psc: PscLocationSchema.optional(),
      ...common,
    })
    .strict(),
  z
    .object({
      operation: z.literal('reconnect'),
      pairing: PairingSelectorSchema,
      psc: PscLocationSchema.optional(),
      ...common,
    })
    .strict(),
  z
    .object({
      operation: z.literal('delete'),
      pairing: PairingSelectorSchema,
      /** Single-sided break even though replications remain or the remote site is gone. Default false. */
      force: z.boolean().optional(),
      ...common,
    })
    .strict(),
]);
export type PairingOperationInput = z.infer<typeof PairingOperationInputSchema>;

export type PairingOutcome = 'done' | 'already-in-state' | 'refused' | 'failed';

export interface PairingOperationResult {
  site: string;
  operation: PairingOperationInput['operation'];
  /** The pairing acted on (for create: the new or existing one, when VR reports it). */
  pairingId?: string;
  outcome: PairingOutcome;
  reason?: string;
  taskId?: string;
}

export const ReplicationReportInputSchema = z
  .object({
    site: z.string().min(1),
    /** Pairings to report on. Default: every pairing of the site. */
    pairings: z.array(PairingSelectorSchema).min(1).optional(),
    /** Include the status of every replication. Default true. */
    replications: z.boolean().optional(),
    /** Include the suitable VMs that have no replication yet. Default false. */
    notProtected: z.boolean().optional(),
    activityRetry: ActivityRetrySchema.optional(),
  })
  .strict();
export type ReplicationReportInput = z.infer<typeof ReplicationReportInputSchema>;

export const PairingListInputSchema = z
  .object({ site: z.string().min(1), activityRetry: ActivityRetrySchema.optional() })
  .strict();
export type PairingListInput = z.infer<typeof PairingListInputSchema>;
