/**
 * Coalesces task polls per site. Every run (and every batch of a campaign) polls its own tasks, but the gateway
 * allows about 100 requests a minute: this poller answers from a fresh-enough cache and, when it must ask VR, asks
 * once for every task that any run on this worker still waits for. Tasks are known from the moment VR answers the
 * configure request (`record`), so a new run's first poll needs no request of its own, and a site is never asked
 * twice within the poll interval: a worker sends at most one `GET /tasks` round per poll interval per site, however
 * many runs wait at the same time (how many requests a round takes is the fetcher's business, see pollTasks).
 */
import { predictEnd, type ProgressSample } from '../workflows/completion-estimate';
import type { TaskSummary } from './types';

/** Task ids per `GET /tasks?filter_property=id` request (repeated `filter` values; keeps the URL short). */
export const TASK_IDS_PER_REQUEST = 100;
/** Forget tasks nobody asked about for this long. */
const FORGET_AFTER_MS = 15 * 60_000;
/** Rounds of one site are at least this far apart (or the asked freshness, when shorter): the default first interval. */
export const MIN_ROUND_SPACING_MS = 5_000;
/** A round waits up to this long for other tasks that VR's progress says are about to finish. */
export const GATHER_MS = 3_000;

interface Entry {
  summary?: TaskSummary;
  missing?: boolean;
  /** When VR last answered about it; unset until then. */
  fetchedAt?: number;
  askedAt: number;
  /** The first answer with some progress: with the latest, the task's rate. */
  firstProgress?: ProgressSample;
}

/** When the task should be done, from its progress rate between two answers; undefined when unknown. */
function predictedEnd(entry: Entry): number | undefined {
  const { summary, firstProgress, fetchedAt } = entry;
  if (!summary || summary.status !== 'RUNNING' || !firstProgress || fetchedAt === undefined) return undefined;
  return predictEnd(firstProgress, { progress: summary.progress ?? 0, at: fetchedAt });
}

/** Asks VR about `ids`; `oldestQueuedAt` (epoch ms) is the earliest queue time among them, when known. */
export type FetchTasks = (
  ids: string[],
  hint: { oldestQueuedAt?: number },
) => Promise<{ tasks: TaskSummary[]; missing: string[] }>;

const isTerminal = (entry: Entry | undefined): boolean =>
  entry?.missing === true ||
  entry?.summary?.status === 'SUCCESS' ||
  entry?.summary?.status === 'ERROR' ||
  entry?.summary?.status === 'CANCELLED';

export interface TaskPollerOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Upper bound of the spacing between two rounds of a site. Default MIN_ROUND_SPACING_MS. */
  roundSpacingMs?: number;
  /** How long a round may wait for tasks about to finish. Default GATHER_MS; 0 turns it off. */
  gatherMs?: number;
}

export class TaskPoller {
  private readonly sites = new Map<string, Map<string, Entry>>();
  private readonly fetching = new Map<string, Promise<void>>();
  private readonly lastRound = new Map<string, number>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly roundSpacingMs: number;
  private readonly gatherMs: number;

  constructor(options: TaskPollerOptions | (() => number) = {}) {
    const resolved = typeof options === 'function' ? { now: options } : options;
    this.now = resolved.now ?? Date.now;
    this.sleep = resolved.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.roundSpacingMs = resolved.roundSpacingMs ?? MIN_ROUND_SPACING_MS;
    this.gatherMs = resolved.gatherMs ?? GATHER_MS;
  }

  /** What VR answered to a configure request: the tasks' state as of now, no poll needed to learn it. */
  record(site: string, tasks: TaskSummary[]): void {
    const entries = this.entriesOf(site);
    const now = this.now();
    for (const summary of tasks) entries.set(summary.taskId, { summary, fetchedAt: now, askedAt: now });
  }

  /**
   * Status of `ids` no older than `maxAgeMs`. `fetch` is called (with every still-running task of the site that was
   * asked about recently) only when some of `ids` has no fresh answer, and never sooner than
   * min(maxAgeMs, roundSpacingMs) after the site's previous round: a caller with an unknown task waits for it.
   */
  async poll(
    site: string,
    ids: string[],
    maxAgeMs: number,
    fetch: FetchTasks,
  ): Promise<{ tasks: TaskSummary[]; missing: string[] }> {
    const entries = this.entriesOf(site);
    const now = this.now();
    for (const id of ids) {
      const entry = entries.get(id);
      if (entry) entry.askedAt = now;
      else entries.set(id, { askedAt: now });
    }
    const stale = () => ids.some((id) => !this.fresh(entries.get(id), maxAgeMs));
    let gathered = false;
    while (stale()) {
      const running = this.fetching.get(site);
      if (running) {
        await running;
        continue;
      }
      const wait =
        (this.lastRound.get(site) ?? -Infinity) + Math.min(maxAgeMs, this.roundSpacingMs) - this.now();
      if (wait > 0) {
        await this.sleep(wait);
        continue;
      }
      // Tasks of other runs about to finish: one round a moment later sees them done too, where a round now would
      // leave them to the next round, a whole spacing later. The answer is only fresher for the wait.
      if (!gathered) {
        gathered = true;
        const gatherUntil = this.soonestRound(entries);
        if (gatherUntil > this.now()) {
          await this.sleep(gatherUntil - this.now());
          continue;
        }
      }
      await this.refresh(site, entries, fetch);
    }
    this.forgetOld(entries);
    const tasks: TaskSummary[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const entry = entries.get(id);
      if (entry?.summary) tasks.push({ ...entry.summary, observedAt: entry.fetchedAt });
      else if (entry?.missing) missing.push(id);
    }
    return { tasks, missing };
  }

  /** The latest predicted end within the gather window of tasks still running (plus a little), or now. */
  private soonestRound(entries: Map<string, Entry>): number {
    const now = this.now();
    let until = now;
    for (const entry of entries.values()) {
      const end = predictedEnd(entry);
      if (end !== undefined && end > now && end <= now + this.gatherMs) until = Math.max(until, end);
    }
    return until > now ? Math.min(now + this.gatherMs, until + 250) : now;
  }

  private fresh(entry: Entry | undefined, maxAgeMs: number): boolean {
    if (entry?.fetchedAt === undefined) return false;
    return isTerminal(entry) || this.now() - entry.fetchedAt <= maxAgeMs;
  }

  private refresh(site: string, entries: Map<string, Entry>, fetch: FetchTasks): Promise<void> {
    const pending = [...entries].filter(([, entry]) => !isTerminal(entry));
    const ids = pending.map(([id]) => id);
    const queued = pending.map(([, entry]) => entry.summary?.queuedAt);
    const oldestQueuedAt = queued.every((time) => time !== undefined)
      ? Math.min(...(queued as number[]))
      : undefined;
    this.lastRound.set(site, this.now());
    const work = (async () => {
      const { tasks, missing } = await fetch(ids, { oldestQueuedAt });
      const fetchedAt = this.now();
      for (const summary of tasks) {
        const entry = entries.get(summary.taskId);
        if (!entry) continue;
        Object.assign(entry, { summary, fetchedAt, missing: false });
        if (!entry.firstProgress && summary.status === 'RUNNING' && (summary.progress ?? 0) > 0)
          entry.firstProgress = { progress: summary.progress!, at: fetchedAt };
      }
      for (const id of missing) {
        const entry = entries.get(id);
        if (entry) Object.assign(entry, { missing: true, fetchedAt });
      }
    })();
    const tracked = work.finally(() => this.fetching.delete(site));
    this.fetching.set(site, tracked);
    return tracked;
  }

  private forgetOld(entries: Map<string, Entry>): void {
    const cutoff = this.now() - FORGET_AFTER_MS;
    for (const [id, entry] of entries) if (entry.askedAt < cutoff) entries.delete(id);
  }

  private entriesOf(site: string): Map<string, Entry> {
    let entries = this.sites.get(site);
    if (!entries) {
      entries = new Map();
      this.sites.set(site, entries);
    }
    return entries;
  }
}
