/**
 * Input and result of `configureReplicationWorkflow`. The zod schema is the single source of truth: the workflow
 * validates its input with it before any VR call, the CLI validates spec files with it, and the docs are generated
 * from it. Workflow inputs carry site names and identifiers only — never credentials.
 */
import { z } from 'zod';
import { DiskFormat } from '../vr/schemas';

/** Product defaults of the VR "Configure Replication" wizard. */
export const DEFAULT_REPLICATION_SETTINGS = {
  rpoMinutes: 60,
  pointInTimeEnabled: false,
  pointInTimeInstancesPerDay: 3,
  pointInTimeDays: 5,
  quiescing: false,
  networkCompression: false,
  encryption: false,
  autoReplicateNewDisks: true,
  destinationDiskFormat: 'SAME_AS_SOURCE',
} as const;

/** VR's point-in-time limits: at most 24 instances per day, 24 days, 24 instances kept in all. */
const pointInTimeRule = (settings: {
  pointInTimeEnabled?: boolean;
  pointInTimeInstancesPerDay?: number;
  pointInTimeDays?: number;
}): boolean =>
  !settings.pointInTimeEnabled ||
  (settings.pointInTimeInstancesPerDay ?? DEFAULT_REPLICATION_SETTINGS.pointInTimeInstancesPerDay) *
    (settings.pointInTimeDays ?? DEFAULT_REPLICATION_SETTINGS.pointInTimeDays) <=
    24;

/** The replication settings fields; lifecycle reconfigure takes the same ones. */
export const REPLICATION_SETTINGS_FIELDS = {
  /** Recovery point objective in minutes, 5–1440. Default 60. */
  rpoMinutes: z
    .number()
    .int()
    .min(5, 'RPO must be at least 5 minutes')
    .max(1440, 'RPO must be at most 1440 minutes (24 h)'),
  /** Keep point-in-time instances. Default false. */
  pointInTimeEnabled: z.boolean(),
  /** Point-in-time instances per day, 1–24. Default 3. */
  pointInTimeInstancesPerDay: z.number().int().min(1).max(24),
  /** Days to keep point-in-time instances, 1–24. Default 5. */
  pointInTimeDays: z.number().int().min(1).max(24),
  /** Quiesce the guest file system before a replica is made. Default false. */
  quiescing: z.boolean(),
  /** Compress replication traffic. Default false. */
  networkCompression: z.boolean(),
  /** Encrypt replication traffic (LWD encryption). Default false. */
  encryption: z.boolean(),
  /** Replicate disks added to the VM later. Default true. */
  autoReplicateNewDisks: z.boolean(),
  /** Disk format of the replica. Default SAME_AS_SOURCE. */
  destinationDiskFormat: DiskFormat,
};

export const ReplicationSettingsSchema = z
  .object(REPLICATION_SETTINGS_FIELDS)
  .partial()
  .strict()
  .refine(pointInTimeRule, {
    message: 'point-in-time instances per day × days must not exceed 24',
    path: ['pointInTimeInstancesPerDay'],
  });
export type ReplicationSettingsInput = z.infer<typeof ReplicationSettingsSchema>;
export type ReplicationSettings = Required<ReplicationSettingsInput>;

export const VmSelectorSchema = z
  .object({
    /** Exact VM name (case-sensitive). */
    name: z.string().min(1).optional(),
    /** VM managed object id, e.g. vm-1234. */
    id: z.string().min(1).optional(),
    /** Settings for this VM only; they override `settings`. */
    overrides: ReplicationSettingsSchema.optional(),
  })
  .strict()
  .refine((vm) => (vm.name === undefined) !== (vm.id === undefined), {
    message: 'give exactly one of name or id',
  });
export type VmSelector = z.infer<typeof VmSelectorSchema>;

export const PairingSelectorSchema = z
  .object({
    /** The pairing id. */
    pairingId: z.string().min(1).optional(),
    /** Name or id of the remote vCenter of the pairing. */
    remoteVcenter: z.string().min(1).optional(),
    /** Host name of the remote VRMS. */
    remoteVrmsHost: z.string().min(1).optional(),
  })
  .strict()
  .refine(
    (p) => [p.pairingId, p.remoteVcenter, p.remoteVrmsHost].filter((v) => v !== undefined).length === 1,
    {
      message: 'give exactly one of pairingId, remoteVcenter or remoteVrmsHost',
    },
  );
export type PairingSelector = z.infer<typeof PairingSelectorSchema>;

export const WaitFor = z.enum(['configured', 'initial-sync']);
export type WaitFor = z.infer<typeof WaitFor>;

export const ConfigureReplicationInputSchema = z
  .object({
    /** Name of a site in the worker's sites file. */
    site: z.string().min(1),
    pairing: PairingSelectorSchema,
    vms: z
      .array(VmSelectorSchema)
      .min(1, 'list at least one VM')
      .max(5000, 'at most 5000 VMs per run; use a campaign for more')
      .superRefine((vms, context) => {
        const seen = new Map<string, number>();
        vms.forEach((vm, index) => {
          const key = vm.name !== undefined ? `name:${vm.name}` : `id:${vm.id ?? ''}`;
          const first = seen.get(key);
          if (first !== undefined) {
            context.addIssue({
              code: 'custom',
              path: [index],
              message: `duplicate VM ${key.replace(':', ' ')} (also at vms[${first}])`,
            });
          } else seen.set(key, index);
        });
      }),
    /** Name of the datastore at the recovery site. */
    targetDatastore: z.string().min(1),
    /** Name of the storage policy at the recovery site. Default: the datastore's default policy. */
    storagePolicy: z.string().min(1).optional(),
    /** Name of the replication server at the recovery site. Default: VR selects one. */
    replicationServer: z.string().min(1).optional(),
    settings: ReplicationSettingsSchema.optional(),
    /** What to wait for: the configure task (`configured`, default) or the initial full sync (`initial-sync`). */
    waitFor: WaitFor.optional(),
    /**
     * First poll interval in seconds, and the shortest: later rounds back off 1.5× up to the cap, or come at the
     * completion VR's progress predicts when that is sooner. Default 5.
     */
    pollIntervalSeconds: z.number().min(1).max(3600).optional(),
    /** Largest poll interval in seconds (the interval backs off up to it). Default 300. */
    pollIntervalCapSeconds: z.number().min(1).max(86_400).optional(),
    /** VMs per configure request, 1–20 (VR's limit). Default 20. */
    batchSize: z.number().int().min(1).max(20).optional(),
    /**
     * For parent workflows (campaigns) that looked up the pairing, datastore, policy and server once for many
     * batches and hold the VR session: the run uses them as they are, does no lookups, and neither logs in nor out.
     */
    prepared: z
      .object({
        sessionHandle: z.string().min(1),
        pairing: z.object({
          pairingId: z.string().min(1),
          localVcenterId: z.string().min(1),
          localVcenterName: z.string().optional(),
          remoteVcenterId: z.string().min(1),
          remoteVcenterName: z.string().optional(),
          remoteVrmsId: z.string().optional(),
          remoteVrmsName: z.string().optional(),
          robo: z.boolean(),
        }),
        datastoreId: z.string().min(1),
        storagePolicyId: z.string().min(1).nullable(),
        replicationServerId: z.string().min(1).nullable(),
      })
      .strict()
      .optional(),
    /** Continue as new while waiting once a run's history has this many events, 200–10,000. Default 5,000. */
    continueAsNewAfterEvents: z.number().int().min(200).max(10_000).optional(),
    /**
     * Internal: set by the workflow itself when it continues as new during a long wait (so no run's history grows
     * without bound). Not for callers.
     */
    resume: z
      .object({
        stage: z.enum(['tasks', 'initial-sync']),
        sessionHandle: z.string().min(1),
        pairing: z.record(z.string(), z.unknown()),
        vms: z.array(z.record(z.string(), z.unknown())),
      })
      .optional(),
  })
  .strict();
export type ConfigureReplicationInput = z.infer<typeof ConfigureReplicationInputSchema>;

export const VM_OUTCOMES = [
  'configured',
  'already-replicated',
  'not-found',
  'ambiguous-name',
  'unsuitable',
  'failed',
  'cancelled',
] as const;
export type VmOutcome = (typeof VM_OUTCOMES)[number];

/** Where a VM is in the run, for the progress query. */
export type VmState = 'pending' | 'resolved' | 'configuring' | 'syncing' | VmOutcome;

export interface VmProgress {
  /** The name or id as requested. */
  requested: string;
  vmId?: string;
  name?: string;
  state: VmState;
  taskId?: string;
  replicationId?: string;
  /** Task or sync progress, 0–100. */
  progress?: number;
  /** When VR reported that progress (epoch ms), if not at the poll itself (an answer shared between runs). */
  progressAt?: number;
  /** Why a VM ended as it did (VR's own words where there are some). */
  reason?: string;
}

export interface VmResult {
  requested: string;
  vmId?: string;
  name?: string;
  outcome: VmOutcome;
  reason?: string;
  replicationId?: string;
  taskId?: string;
}

export interface ConfigureReplicationResult {
  site: string;
  pairingId?: string;
  waitFor: WaitFor;
  cancelled: boolean;
  vms: VmResult[];
  totals: Record<VmOutcome, number>;
}

export interface ConfigureReplicationProgress {
  phase: string;
  vms: VmProgress[];
  totals: Partial<Record<VmState, number>>;
}

export const emptyTotals = (): Record<VmOutcome, number> =>
  Object.fromEntries(VM_OUTCOMES.map((outcome) => [outcome, 0])) as Record<VmOutcome, number>;

/** Fills the product defaults into a partial settings object. */
export const withDefaults = (...layers: Array<ReplicationSettingsInput | undefined>): ReplicationSettings =>
  Object.assign({}, DEFAULT_REPLICATION_SETTINGS, ...layers.filter(Boolean)) as ReplicationSettings;

/** Turns a zod error into one readable line per problem, each naming the field. */
export const formatInputIssues = (error: z.ZodError, source = 'input'): string =>
  error.issues
    .map(
      (issue) =>
        `${source}${issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('')}: ${issue.message}`,
    )
    .join('\n');
