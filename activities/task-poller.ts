/**
 * Coalesces task polls per site. Every run (and every batch of a campaign) polls its own tasks, but the gateway
 * allows about 100 requests a minute: this poller answers from a fresh-enough cache and, when it must ask VR, asks
 * once for every task that any run on this worker still waits for. So a worker sends about one `GET /tasks` per
 * poll interval per site, however many runs wait at the same time.
 */
import type { TaskSummary } from './types';

/** Task ids per `GET /tasks` request (repeated `filter` values; keeps the URL well under header limits). */
export const TASK_IDS_PER_REQUEST = 100;
/** Forget tasks nobody asked about for this long. */
const FORGET_AFTER_MS = 15 * 60_000;

interface Entry {
  summary?: TaskSummary;
  missing?: boolean;
  fetchedAt: number;
  askedAt: number;
}

export type FetchTasks = (ids: string[]) => Promise<{ tasks: TaskSummary[]; missing: string[] }>;

const isTerminal = (entry: Entry | undefined): boolean =>
  entry?.missing === true ||
  entry?.summary?.status === 'SUCCESS' ||
  entry?.summary?.status === 'ERROR' ||
  entry?.summary?.status === 'CANCELLED';

export class TaskPoller {
  private readonly sites = new Map<string, Map<string, Entry>>();
  private readonly fetching = new Map<string, Promise<void>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Status of `ids` no older than `maxAgeMs`. `fetch` is called (with every still-running task of the site that was
   * asked about recently) only when some of `ids` has no fresh answer.
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
      else entries.set(id, { fetchedAt: 0, askedAt: now });
    }
    const stale = () => ids.some((id) => !this.fresh(entries.get(id), maxAgeMs));
    if (stale()) {
      const running = this.fetching.get(site);
      if (running) await running;
      if (stale()) await this.refresh(site, entries, fetch);
    }
    this.forgetOld(entries);
    const tasks: TaskSummary[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const entry = entries.get(id);
      if (entry?.summary) tasks.push(entry.summary);
      else if (entry?.missing) missing.push(id);
    }
    return { tasks, missing };
  }

  private fresh(entry: Entry | undefined, maxAgeMs: number): boolean {
    if (!entry || entry.fetchedAt === 0) return false;
    return isTerminal(entry) || this.now() - entry.fetchedAt <= maxAgeMs;
  }

  private refresh(site: string, entries: Map<string, Entry>, fetch: FetchTasks): Promise<void> {
    const ids = [...entries].filter(([, entry]) => !isTerminal(entry)).map(([id]) => id);
    const work = (async () => {
      for (let start = 0; start < ids.length; start += TASK_IDS_PER_REQUEST) {
        const chunk = ids.slice(start, start + TASK_IDS_PER_REQUEST);
        const { tasks, missing } = await fetch(chunk);
        const fetchedAt = this.now();
        for (const summary of tasks) {
          const entry = entries.get(summary.taskId);
          if (entry) Object.assign(entry, { summary, fetchedAt, missing: false });
        }
        for (const id of missing) {
          const entry = entries.get(id);
          if (entry) Object.assign(entry, { missing: true, fetchedAt });
        }
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
