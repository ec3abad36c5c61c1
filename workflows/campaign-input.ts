/**
 * Input of `replicationCampaignWorkflow`: the campaign file (YAML or JSON). One or more target groups, each a site,
 * a pairing, and either a VM list or a VM selector, with the configure settings of its batches. Validated with zod
 * by the CLI before anything starts and again by the workflow; every problem names its field.
 */
import { z } from 'zod';
import {
  PairingSelectorSchema,
  ReplicationSettingsSchema,
  VmSelectorSchema,
  WaitFor,
  type ConfigureReplicationInput,
  type PairingSelector,
  type VmOutcome,
} from './configure-replication-input';

const isValidRegex = (source: string): boolean => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
};

export const CampaignVmSelectorSchema = z
  .object({
    /** Shell-style pattern on the whole VM name: `*` any run, `?` one character, `[abc]` a class. Case-sensitive. */
    glob: z.string().min(1).optional(),
    /** JavaScript regular expression tested against the VM name (anchor it yourself: `^web-\d+$`). */
    regex: z.string().min(1).refine(isValidRegex, 'not a valid regular expression').optional(),
    /** Exact VM names selected whatever the patterns say (still only if suitable). */
    include: z.array(z.string().min(1)).optional(),
    /** Exact VM names never selected. */
    exclude: z.array(z.string().min(1)).optional(),
    /** VM ids never selected (scheduled onboarding passes the VMs it gave up on). */
    excludeIds: z.array(z.string().min(1)).optional(),
  })
  .strict()
  .refine((s) => s.glob !== undefined || s.regex !== undefined || (s.include?.length ?? 0) > 0, {
    message: 'give glob, regex or include',
  });
export type CampaignVmSelector = z.infer<typeof CampaignVmSelectorSchema>;

export const CampaignGroupSchema = z
  .object({
    /** Name of a site in the worker's sites file. */
    site: z.string().min(1),
    pairing: PairingSelectorSchema,
    /** The VMs, by exact name or id (give this or `selector`). */
    vms: z.array(VmSelectorSchema).min(1, 'list at least one VM').optional(),
    /** Which suitable, not yet replicated VMs of the protected vCenter to take (give this or `vms`). */
    selector: CampaignVmSelectorSchema.optional(),
    /** Name of the datastore at the recovery site. */
    targetDatastore: z.string().min(1),
    /** Name of the storage policy at the recovery site. Default: the datastore's default policy. */
    storagePolicy: z.string().min(1).optional(),
    /** Name of the replication server at the recovery site. Default: VR selects one. */
    replicationServer: z.string().min(1).optional(),
    settings: ReplicationSettingsSchema.optional(),
  })
  .strict()
  .refine((group) => (group.vms === undefined) !== (group.selector === undefined), {
    message: 'give exactly one of vms or selector',
  });
export type CampaignGroup = z.infer<typeof CampaignGroupSchema>;

export const CampaignLimitsSchema = z
  .object({
    /** Batches in flight per VRMS (site), 1–50. Default 10. Can be changed while the campaign runs. */
    inFlightPerVrms: z.number().int().min(1).max(50).optional(),
    /**
     * VMs per batch workflow, 1–1000. Default 100: a batch looks its VMs up with one request per 100 names and
     * sends them in configure requests of `batchSize`.
     */
    vmsPerBatch: z.number().int().min(1).max(1000).optional(),
    /** VMs per configure request, 1–20 (VR's limit). Default 20. */
    batchSize: z.number().int().min(1).max(20).optional(),
    /** History events after which a run continues as new (it first lets its batches finish). Default 2000. */
    historyEventsPerRun: z.number().int().min(50).max(8000).optional(),
  })
  .strict();

/** The part of the input shared with scheduled onboarding. */
export const campaignCommonShape = {
  /** Workflow-side waiting of each batch: `configured` (default) or `initial-sync`. */
  waitFor: WaitFor.optional(),
  /** First (and shortest) poll interval of each batch, seconds; see ConfigureReplication. Default 5. */
  pollIntervalSeconds: z.number().min(1).max(3600).optional(),
  /** Largest poll interval of each batch, seconds. Default 300. */
  pollIntervalCapSeconds: z.number().min(1).max(86_400).optional(),
  limits: CampaignLimitsSchema.optional(),
};

/** A VM's key for duplicate detection: groups of the same site and pairing must not list a VM twice. */
const vmKey = (vm: { name?: string; id?: string }): string =>
  vm.name !== undefined ? `name ${vm.name}` : `id ${vm.id ?? ''}`;
export const pairingKey = (site: string, pairing: PairingSelector): string =>
  `${site}|${pairing.pairingId ?? ''}|${pairing.remoteVcenter ?? ''}|${pairing.remoteVrmsHost ?? ''}`;

export const ReplicationCampaignInputSchema = z
  .object({
    /** Campaign name (letters, digits, `-`, `_`, `.`); shown in workflow ids and the UI. */
    name: z
      .string()
      .min(1)
      .max(60)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" only'),
    groups: z.array(CampaignGroupSchema).min(1, 'give at least one group'),
    ...campaignCommonShape,
    /** Internal: carried from one run to the next by continue-as-new. Never set it yourself. */
    state: z.unknown().optional(),
  })
  .strict()
  .superRefine((input, context) => {
    const seen = new Map<string, string>();
    input.groups.forEach((group, groupIndex) => {
      const pairing = pairingKey(group.site, group.pairing);
      group.vms?.forEach((vm, vmIndex) => {
        const key = `${pairing}|${vmKey(vm)}`;
        const where = `groups[${groupIndex}].vms[${vmIndex}]`;
        const first = seen.get(key);
        if (first !== undefined) {
          context.addIssue({
            code: 'custom',
            path: ['groups', groupIndex, 'vms', vmIndex],
            message: `duplicate VM ${vmKey(vm)} in the same site and pairing (also at ${first})`,
          });
        } else seen.set(key, where);
      });
    });
  });
export type ReplicationCampaignInput = z.infer<typeof ReplicationCampaignInputSchema>;

/** Short label of a pairing selector for workflow ids and the VrPairing search attribute. */
export function pairingLabel(pairing: PairingSelector): string {
  if (pairing.pairingId) return pairing.pairingId.slice(0, 8);
  const host = pairing.remoteVcenter ?? pairing.remoteVrmsHost ?? 'pairing';
  return host.split('.')[0] || host;
}

// ---- compact VM references: a batch's ids share long prefixes and suffixes (VR ids embed the vCenter id) ----

/** Values with their common prefix and suffix stored once: keeps queues of thousands of VMs small. */
export interface CompactRefs {
  prefix: string;
  suffix: string;
  cores: string[];
}

export function compactRefs(values: string[]): CompactRefs {
  if (values.length === 0) return { prefix: '', suffix: '', cores: [] };
  const shortest = Math.min(...values.map((value) => value.length));
  let prefix = 0;
  while (prefix < shortest && values.every((value) => value[prefix] === values[0]![prefix])) prefix += 1;
  let suffix = 0;
  while (
    suffix < shortest - prefix &&
    values.every((value) => value[value.length - 1 - suffix] === values[0]![values[0]!.length - 1 - suffix])
  )
    suffix += 1;
  const first = values[0]!;
  return {
    prefix: first.slice(0, prefix),
    suffix: first.slice(first.length - suffix),
    cores: values.map((value) => value.slice(prefix, value.length - suffix)),
  };
}

export const expandRefs = (refs: CompactRefs): string[] =>
  refs.cores.map((core) => `${refs.prefix}${core}${refs.suffix}`);

// ---- name selection (used by the discovery activity; pure so the workflow side can share it) ----

/** Turns a shell-style glob into an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const end = glob.indexOf(']', index + 1);
      if (end === -1) source += '\\[';
      else {
        const body = glob.slice(index + 1, end).replace(/\\/g, '\\\\');
        source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        index = end;
      }
    } else source += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Builds the name test of a selector: (glob AND regex, when given) OR include; never exclude. */
export function selectorMatcher(selector: CampaignVmSelector): (name: string, id?: string) => boolean {
  const glob = selector.glob !== undefined ? globToRegExp(selector.glob) : undefined;
  const regex = selector.regex !== undefined ? new RegExp(selector.regex) : undefined;
  const include = new Set(selector.include ?? []);
  const exclude = new Set(selector.exclude ?? []);
  const excludeIds = new Set(selector.excludeIds ?? []);
  const patterned = glob !== undefined || regex !== undefined;
  return (name, id) => {
    if (exclude.has(name) || (id !== undefined && excludeIds.has(id))) return false;
    if (include.has(name)) return true;
    return patterned && (glob?.test(name) ?? true) && (regex?.test(name) ?? true);
  };
}

// ---- state, progress and result ----

/** Batches not started yet: a range of a group's `vms`, or discovered VM ids. */
export type QueuedBatch =
  | { group: number; start: number; end: number }
  | { group: number; ids: CompactRefs }
  | { group: number; names: string[] };

export interface CampaignFailure {
  batchId?: string;
  requested: string;
  vmId?: string;
  name?: string;
  outcome: VmOutcome;
  reason?: string;
}

export interface UnstartedVms {
  group: number;
  site: string;
  pairing: string;
  /** VM names or ids as they would have been requested. */
  vms: string[];
  outcome: VmOutcome;
  reason: string;
}

/** Carried through continue-as-new; small whatever the campaign's size (totals, not per-VM results). */
/** What a batch needs besides its VMs, looked up once per group (see ConfigureReplicationInput.prepared). */
export type PreparedGroup = Omit<NonNullable<ConfigureReplicationInput['prepared']>, 'sessionHandle'>;

export interface CampaignState {
  campaignId: string;
  startedAt: number;
  run: number;
  discovered: boolean;
  queue: QueuedBatch[];
  totalVms: number;
  doneVms: number;
  totals: Record<VmOutcome, number>;
  /** Batches started per `<site>/<pairing>` prefix: batch ids are `<campaignId>/<prefix>/batch-<n>`. */
  batchCounters: Record<string, number>;
  batchesCompleted: number;
  failures: CampaignFailure[];
  failuresOmitted: number;
  unstarted: UnstartedVms[];
  groupErrors: Array<{ group: number; error: string }>;
  /** Groups whose batches fail before any VM work (bad datastore, pairing): their queue is not run. */
  brokenGroups: Record<number, string>;
  /** Per group: pairing, datastore, policy and server looked up once for all its batches. */
  prepared?: Record<number, PreparedGroup>;
  /** Per site: the campaign's VR session handles, shared by its batches (logged out when the campaign ends). */
  sessions?: Record<string, string[]>;
  paused: boolean;
  cancelRequested: boolean;
  cancelReason?: string;
  inFlightLimit: number;
  /** [time ms, done VMs] samples for the rate. */
  samples: Array<[number, number]>;
}

export interface CampaignProgress {
  campaignId: string;
  name: string;
  phase: 'discovering' | 'running' | 'paused' | 'draining' | 'cancelling' | 'done' | 'cancelled';
  run: number;
  paused: boolean;
  cancelRequested: boolean;
  inFlightLimit: number;
  totals: Record<VmOutcome, number>;
  totalVms: number;
  doneVms: number;
  vmsInFlight: number;
  batchesInFlight: number;
  batchesStarted: number;
  batchesCompleted: number;
  queuedVms: number;
  /** VMs finished per minute over the last few minutes. */
  ratePerMinute: number;
  /** Seconds until the queue is done at the current rate; undefined while the rate is 0. */
  etaSeconds?: number;
  startedAt: number;
  failures: CampaignFailure[];
  failuresOmitted: number;
}

export interface ReplicationCampaignResult {
  campaignId: string;
  name: string;
  outcome: 'ok' | 'some-failed' | 'failed' | 'cancelled';
  totals: Record<VmOutcome, number>;
  totalVms: number;
  runs: number;
  batchIds: { prefixes: Record<string, number>; count: number };
  failures: CampaignFailure[];
  failuresOmitted: number;
  /** VMs no batch ran for (cancelled before their batch, or their group was broken), with the reason. */
  unstarted: UnstartedVms[];
  groupErrors: Array<{ group: number; error: string }>;
  startedAt: number;
  finishedAt: number;
}

/** Failures kept in the state and result; the full per-VM report comes from the batches. */
export const MAX_FAILURES_KEPT = 1000;

export const batchIdOf = (campaignId: string, prefix: string, number: number): string =>
  `${campaignId}/${prefix}/batch-${number}`;
