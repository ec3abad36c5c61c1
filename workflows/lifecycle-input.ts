/**
 * Input and result of `replicationOperationWorkflow` (pause, resume, sync, reconfigure, unconfigure, delete over a
 * selection of replications). The zod schema is the single source of truth for the workflow, the CLI and the docs.
 * Inputs carry site names and identifiers only — never credentials.
 */
import { z } from 'zod';
import { ReplicationStatusValue } from '../vr/schemas';
import { PairingSelectorSchema, REPLICATION_SETTINGS_FIELDS } from './configure-replication-input';

export const REPLICATION_OPERATIONS = [
  'pause',
  'resume',
  'sync',
  'reconfigure',
  'unconfigure',
  'delete',
] as const;
export const ReplicationOperationSchema = z.enum(REPLICATION_OPERATIONS);
export type ReplicationOperation = z.infer<typeof ReplicationOperationSchema>;

/** VR's replication statuses (ReplicationStatus.status in the document). */
export const ReplicationStatusSchema = ReplicationStatusValue;

const ReplicationSelectorSchema = z
  .object({
    /** Exact VM name (case-sensitive; VR's own filter is "contains", the plugin re-matches exactly). */
    name: z.string().min(1).optional(),
    /** VM id (e.g. VirtualMachine:vm-1234:<vc id>) or replication id (GID-...). */
    id: z.string().min(1).optional(),
  })
  .strict()
  .refine((vm) => (vm.name === undefined) !== (vm.id === undefined), {
    message: 'give exactly one of name or id',
  });

/** Either a list of VMs, or every replication of the pairing that matches all the given filters. */
export const ReplicationSelectionSchema = z.union([
  z
    .object({
      vms: z
        .array(ReplicationSelectorSchema)
        .min(1, 'list at least one VM')
        .max(5000, 'at most 5000 VMs per run'),
    })
    .strict(),
  z
    .object({
      all: z.literal(true),
      /** Only replications in one of these statuses. Default: any status. */
      status: z.array(ReplicationStatusSchema).min(1).optional(),
      /** Only VM names containing this text (case-sensitive). */
      nameContains: z.string().min(1).optional(),
      /** Only VM names matching this glob as a whole (`*` any text, `?` one character; case-sensitive). */
      nameGlob: z.string().min(1).optional(),
    })
    .strict(),
]);
export type ReplicationSelection = z.infer<typeof ReplicationSelectionSchema>;

/**
 * The settings to change; anything left out keeps its current value. Disks: `enabled: false` stops replicating a
 * hard disk, `enabled: true` starts it (onto the datastore of the VM's other replica disks); the VM home cannot be
 * turned off.
 */
const { destinationDiskFormat: _diskFormat, ...reconfigurableFields } = REPLICATION_SETTINGS_FIELDS;

export const ReconfigureChangesSchema = z
  .object({
    ...reconfigurableFields,
    disks: z
      .array(
        z
          .object({
            /** Disk label as VR shows it, e.g. "Hard disk 2". */
            label: z.string().min(1).optional(),
            /** Device key, e.g. 2001. */
            deviceKey: z.number().int().optional(),
            enabled: z.boolean(),
          })
          .strict()
          .refine((disk) => (disk.label === undefined) !== (disk.deviceKey === undefined), {
            message: 'give exactly one of label or deviceKey',
          }),
      )
      .min(1),
  })
  .partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, { message: 'give at least one setting to change' })
  .refine(
    (changes) =>
      changes.pointInTimeInstancesPerDay === undefined ||
      changes.pointInTimeDays === undefined ||
      changes.pointInTimeInstancesPerDay * changes.pointInTimeDays <= 24,
    {
      message: 'point-in-time instances per day × days must not exceed 24',
      path: ['pointInTimeInstancesPerDay'],
    },
  );
export type ReconfigureChanges = z.infer<typeof ReconfigureChangesSchema>;

/** The Temporal retry policy of the VR activities; lower it to fail fast against an unreachable site. */
export const ActivityRetrySchema = z
  .object({
    /** Attempts per VR call, 1–100. Default 15. */
    maximumAttempts: z.number().int().min(1).max(100),
    /** First retry delay in seconds. Default 2. */
    initialIntervalSeconds: z.number().min(0.1).max(600),
    /** Longest retry delay in seconds. Default 60. */
    maximumIntervalSeconds: z.number().min(0.1).max(3600),
  })
  .partial()
  .strict();
export type ActivityRetry = z.infer<typeof ActivityRetrySchema>;

export const ReplicationOperationInputSchema = z
  .object({
    /** Name of a site in the worker's sites file. */
    site: z.string().min(1),
    pairing: PairingSelectorSchema,
    operation: ReplicationOperationSchema,
    selection: ReplicationSelectionSchema,
    /** Required for (and only for) `reconfigure`. */
    reconfigure: ReconfigureChangesSchema.optional(),
    /** unconfigure / delete: keep the replica disks at the target. Default false (VR's default). */
    retainReplicaDisks: z.boolean().optional(),
    /** Resolve the selection and return it; change nothing. Default false. */
    dryRun: z.boolean().optional(),
    /** Replications acted on before waiting for their tasks, 1–100. Default 20. */
    batchSize: z.number().int().min(1).max(100).optional(),
    /** First poll interval in seconds. Default 5. */
    pollIntervalSeconds: z.number().min(1).max(3600).optional(),
    /** Largest poll interval in seconds (the interval backs off up to it). Default 60. */
    pollIntervalCapSeconds: z.number().min(1).max(86_400).optional(),
    activityRetry: ActivityRetrySchema.optional(),
  })
  .strict()
  .refine((input) => (input.operation === 'reconfigure') === (input.reconfigure !== undefined), {
    message: 'give reconfigure settings with (and only with) operation "reconfigure"',
    path: ['reconfigure'],
  })
  .refine(
    (input) =>
      input.retainReplicaDisks === undefined ||
      input.operation === 'unconfigure' ||
      input.operation === 'delete',
    { message: 'retainReplicaDisks applies to unconfigure and delete only', path: ['retainReplicaDisks'] },
  );
export type ReplicationOperationInput = z.infer<typeof ReplicationOperationInputSchema>;

export const REPLICATION_OUTCOMES = [
  /** VR's task succeeded. */
  'done',
  /** The replication was already as asked (paused, running, reconfigured, gone): nothing was sent. */
  'already-in-state',
  /** VR refused the operation in the replication's current state (e.g. sync of a paused one). */
  'invalid-transition',
  /** No replication matches the requested VM, or it disappeared before the operation. */
  'not-found',
  /** Several VMs with a replication in the pairing carry the requested name: request them by id. */
  'ambiguous-name',
  /** VR's task ended in ERROR/CANCELLED, VR rejected the request, or the call failed for good. */
  'failed',
  /** Dry run: this replication would have been acted on. */
  'skipped-dry-run',
  /** The run was cancelled before the outcome was known. */
  'cancelled',
] as const;
export type ReplicationOutcome = (typeof REPLICATION_OUTCOMES)[number];

/** Where a replication is in the run. */
export type ReplicationState = 'pending' | 'selected' | 'acting' | 'waiting' | ReplicationOutcome;

/**
 * One entry per selected replication (and per unmatched request). The field names follow VmProgress of the configure
 * workflow so that `cli status <workflowId>` renders both.
 */
export interface ReplicationProgress {
  /** The name or id as requested (for `all`, the VM name). */
  requested: string;
  name?: string;
  vmId?: string;
  replicationId?: string;
  /** Replication status when the selection was resolved. */
  statusBefore?: string;
  state: ReplicationState;
  taskId?: string;
  progress?: number;
  reason?: string;
}

export interface ReplicationOperationProgress {
  phase: string;
  operation: ReplicationOperation;
  dryRun: boolean;
  vms: ReplicationProgress[];
  totals: Partial<Record<ReplicationState, number>>;
}

export interface ReplicationOutcomeRow {
  requested: string;
  name?: string;
  vmId?: string;
  replicationId?: string;
  statusBefore?: string;
  outcome: ReplicationOutcome;
  reason?: string;
  taskId?: string;
}

export interface ReplicationOperationResult {
  site: string;
  pairingId?: string;
  operation: ReplicationOperation;
  dryRun: boolean;
  cancelled: boolean;
  replications: ReplicationOutcomeRow[];
  totals: Record<ReplicationOutcome, number>;
}

export const emptyOutcomeTotals = (): Record<ReplicationOutcome, number> =>
  Object.fromEntries(REPLICATION_OUTCOMES.map((outcome) => [outcome, 0])) as Record<
    ReplicationOutcome,
    number
  >;

/** Outcomes that leave the replication as asked. */
export const SUCCESSFUL_REPLICATION_OUTCOMES: ReadonlySet<ReplicationOutcome> = new Set([
  'done',
  'already-in-state',
  'skipped-dry-run',
]);
