/**
 * Fault injection: per-endpoint rules (matched by method + path template, or `*`) that add latency, answer 500,
 * reset the connection, slow down headers or body, or send a malformed answer; plus a task failure rate and a
 * "remote site unreachable" switch. Decisions come from a seeded PRNG so a failing run can be replayed.
 */
import { z } from 'zod';
import { createRandom, type Random } from './random';

export const MalformedMode = z.enum([
  'wrong-types',
  'missing-field',
  'truncated-json',
  'html',
  'huge-body',
  'redirect',
]);
export type MalformedMode = z.infer<typeof MalformedMode>;

export const FaultRule = z.object({
  /** `METHOD /template` (e.g. `POST /pairings/{pairing_id}/replications`), `METHOD *`, `* /template` or `*`. */
  endpoint: z.string().min(1),
  kind: z.enum(['error', 'reset', 'latency', 'slow-headers', 'slow-body', 'malformed']),
  /** Probability per matching request, default 1. */
  rate: z.number().min(0).max(1).optional(),
  /** Apply at most this many times (then the rule is spent); default unlimited. */
  count: z.number().int().min(0).optional(),
  /** error: HTTP status (default 500) and ResponseError error_code (default SIMULATED_FAULT). */
  status: z.number().int().min(100).max(599).optional(),
  errorCode: z.string().optional(),
  message: z.string().optional(),
  /** error/reset: run the real handler first (its side effects happen), then fail. Default false. */
  afterHandler: z.boolean().optional(),
  /** latency / slow-headers / slow-body: milliseconds (slow-body spreads the body over this time). */
  ms: z.number().int().min(0).optional(),
  /** malformed: which kind of broken answer. */
  mode: MalformedMode.optional(),
  /** malformed huge-body: size in bytes, default 48 MiB. */
  bytes: z.number().int().min(1).optional(),
  /** malformed redirect: Location, default http://redirect.invalid/ + the same path. */
  location: z.string().optional(),
});
export type FaultRule = z.infer<typeof FaultRule>;

export const FaultConfig = z.object({
  /** Seed of the fault PRNG; default the simulator seed. */
  seed: z.number().int().optional(),
  rules: z.array(FaultRule).optional(),
  /** Probability that a task ends in ERROR with a simulated failure message. Default 0. */
  taskFailureRate: z.number().min(0).max(1).optional(),
  /** Force the outcome of the next configure task(s) of given VMs (by name or id): ERROR or CANCELLED. */
  taskOutcomes: z
    .array(
      z
        .object({
          vmName: z.string().min(1).optional(),
          vmId: z.string().min(1).optional(),
          status: z.enum(['ERROR', 'CANCELLED']),
          message: z.string().optional(),
          /** How many tasks of the VM to affect; default 1. */
          count: z.number().int().min(1).optional(),
        })
        .refine((rule) => rule.vmName !== undefined || rule.vmId !== undefined, {
          message: 'give vmName or vmId',
        }),
    )
    .optional(),
  /** Calls that need the remote site answer 503 REMOTE_SITE_UNREACHABLE. Default false. */
  remoteSiteUnreachable: z.boolean().optional(),
});
export type FaultConfig = z.infer<typeof FaultConfig>;

export type TerminalFault =
  | { kind: 'error'; status: number; errorCode: string; message: string }
  | { kind: 'reset' }
  | { kind: 'malformed'; mode: MalformedMode; status?: number; bytes?: number; location?: string };

export interface FaultPlan {
  latencyMs: number;
  slowHeadersMs: number;
  slowBodyMs: number;
  before?: TerminalFault;
  after?: TerminalFault;
}

export function endpointMatches(pattern: string, method: string, template: string): boolean {
  const trimmed = pattern.trim();
  if (trimmed === '*') return true;
  const space = trimmed.indexOf(' ');
  const patternMethod = space < 0 ? '*' : trimmed.slice(0, space).toUpperCase();
  const patternPath = space < 0 ? trimmed : trimmed.slice(space + 1).trim();
  if (patternMethod !== '*' && patternMethod !== method.toUpperCase()) return false;
  return patternPath === '*' || patternPath === template;
}

export class FaultEngine {
  private config: FaultConfig = {};
  private random: Random;
  private remaining: Array<number | undefined> = [];
  private outcomesLeft: number[] = [];
  /** How many faults of each kind were injected (for /sim/stats). */
  readonly injected: Record<string, number> = {};

  constructor(
    private readonly defaultSeed: number,
    config: FaultConfig = {},
  ) {
    this.random = createRandom(defaultSeed);
    this.set(config);
  }

  get current(): FaultConfig {
    return this.config;
  }

  /** Replaces the whole fault configuration (validated); restarts the fault PRNG. */
  set(config: unknown): FaultConfig {
    const parsed = FaultConfig.parse(config ?? {});
    this.config = parsed;
    this.random = createRandom(parsed.seed ?? this.defaultSeed);
    this.remaining = (parsed.rules ?? []).map((rule) => rule.count);
    this.outcomesLeft = (parsed.taskOutcomes ?? []).map((rule) => rule.count ?? 1);
    return parsed;
  }

  get remoteSiteUnreachable(): boolean {
    return this.config.remoteSiteUnreachable === true;
  }

  /** The forced outcome for the next configure task of this VM, if a taskOutcomes rule names it (consumes one). */
  forcedTaskOutcome(vm: {
    id: string;
    name: string;
  }): { status: 'ERROR' | 'CANCELLED'; message: string } | undefined {
    const rules = this.config.taskOutcomes ?? [];
    const index = rules.findIndex(
      (rule, position) =>
        (rule.vmId === vm.id || rule.vmName === vm.name) && (this.outcomesLeft[position] ?? 0) > 0,
    );
    const rule = rules[index];
    if (!rule) return undefined;
    this.outcomesLeft[index] = (this.outcomesLeft[index] ?? 1) - 1;
    this.count(`task-${rule.status.toLowerCase()}`);
    const message =
      rule.message ??
      (rule.status === 'CANCELLED' ? 'The task was cancelled by a user.' : 'Simulated task failure.');
    return { status: rule.status, message };
  }

  taskShouldFail(): boolean {
    const rate = this.config.taskFailureRate ?? 0;
    if (rate <= 0) return false;
    const fail = this.random.chance(rate);
    if (fail) this.count('task-failure');
    return fail;
  }

  plan(method: string, template: string): FaultPlan {
    const plan: FaultPlan = { latencyMs: 0, slowHeadersMs: 0, slowBodyMs: 0 };
    (this.config.rules ?? []).forEach((rule, index) => {
      if (!endpointMatches(rule.endpoint, method, template)) return;
      const left = this.remaining[index];
      if (left !== undefined && left <= 0) return;
      if (!this.random.chance(rule.rate ?? 1)) return;
      const terminal = toTerminal(rule);
      if (terminal) {
        const slot = rule.afterHandler && terminal.kind !== 'malformed' ? 'after' : 'before';
        if (terminal.kind === 'malformed') {
          if (plan.after) return;
          plan.after = terminal;
        } else {
          if (plan[slot]) return;
          plan[slot] = terminal;
        }
      } else if (rule.kind === 'latency') plan.latencyMs += rule.ms ?? 0;
      else if (rule.kind === 'slow-headers') plan.slowHeadersMs += rule.ms ?? 0;
      else if (rule.kind === 'slow-body') plan.slowBodyMs += rule.ms ?? 0;
      if (left !== undefined) this.remaining[index] = left - 1;
      this.count(rule.kind === 'malformed' ? `malformed:${rule.mode ?? 'wrong-types'}` : rule.kind);
    });
    return plan;
  }

  private count(kind: string): void {
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
  }
}

function toTerminal(rule: FaultRule): TerminalFault | undefined {
  switch (rule.kind) {
    case 'error':
      return {
        kind: 'error',
        status: rule.status ?? 500,
        errorCode: rule.errorCode ?? 'SIMULATED_FAULT',
        message: rule.message ?? 'Simulated internal server error.',
      };
    case 'reset':
      return { kind: 'reset' };
    case 'malformed':
      return {
        kind: 'malformed',
        mode: rule.mode ?? 'wrong-types',
        status: rule.status,
        bytes: rule.bytes,
        location: rule.location,
      };
    default:
      return undefined;
  }
}
