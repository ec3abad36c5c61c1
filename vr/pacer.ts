/**
 * Client-side request pacing. The real gateway limits each client (100 requests/min) and each session
 * (50 requests/min) and bans offenders for a while. The client budget is used whole (100 a minute) but every grant
 * is held 5 % past the window, so with network jitter well under 3 s the gateway never counts more than 100 in its
 * minute; sessions are paced below theirs (45), since a campaign spreads its work over several sessions anyway. Sliding window, FIFO: waiters are served in arrival order, and a waiter only lets later ones
 * pass when its own session is at its limit, so nobody starves.
 */
import { noopLogger, type VrLogger } from './logger';

export interface PacerOptions {
  /** Requests per window for the whole client (one VRMS). Default 100. `Infinity` disables this limit. */
  perClientPerMinute?: number;
  /** Requests per window for one session. Default 45. `Infinity` disables this limit. */
  perSessionPerMinute?: number;
  /** Window length in ms. Default 60_000; tests use short windows. */
  windowMs?: number;
}

/**
 * Defaults: the real gateway's 100 per client (each held 63 s, see WINDOW_MARGIN) and below its 50 per session.
 * When something else calls the same VRMS from the same IP, lower perClientPerMinute by its share.
 */
export const DEFAULT_PACING = { perClientPerMinute: 100, perSessionPerMinute: 45, windowMs: 60_000 } as const;

/** Extra share of the window a grant is kept for; see the constructor. */
const WINDOW_MARGIN = 0.05;

interface Waiter {
  sessionKey: string | undefined;
  enqueuedAt: number;
  /** Set when the waiter could not be served at once (only those count as waits). */
  waited: boolean;
  resolve: () => void;
}

const checkLimit = (name: string, value: number): number => {
  if (value === Infinity) return value;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`pacer: ${name} must be a positive integer or Infinity, got ${value}`);
  }
  return value;
};

/** Sliding-window limiter with a per-client and a per-session budget. */
export class RequestPacer {
  private readonly clientLimit: number;
  private readonly sessionLimit: number;
  private readonly windowMs: number;
  private readonly logger: VrLogger;
  /** Grant times, oldest first. */
  private readonly clientGrants: number[] = [];
  private readonly sessionGrants = new Map<string, number[]>();
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private waitCount = 0;
  private totalWaitMs = 0;

  constructor(options: PacerOptions & { logger?: VrLogger } = {}) {
    this.clientLimit = checkLimit(
      'perClientPerMinute',
      options.perClientPerMinute ?? DEFAULT_PACING.perClientPerMinute,
    );
    this.sessionLimit = checkLimit(
      'perSessionPerMinute',
      options.perSessionPerMinute ?? DEFAULT_PACING.perSessionPerMinute,
    );
    const windowMs = options.windowMs ?? DEFAULT_PACING.windowMs;
    if (!(windowMs > 0)) throw new RangeError(`pacer: windowMs must be positive, got ${windowMs}`);
    // A grant counts 5% longer than the gateway's window: a request held up on its way (connection pool, event
    // loop) still reaches the gateway after the grant it replaces has left the gateway's own window.
    this.windowMs = Math.round(windowMs * (1 + WINDOW_MARGIN));
    this.logger = options.logger ?? noopLogger;
  }

  /**
   * Resolves when a request may be sent. `sessionKey` (the session the request belongs to) counts against that
   * session's budget as well; without it (login) only the client budget is used. The key is never logged.
   */
  acquire(sessionKey?: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiter: Waiter = { sessionKey, enqueuedAt: Date.now(), waited: false, resolve };
      this.queue.push(waiter);
      this.drain();
      if (this.queue.includes(waiter)) {
        waiter.waited = true;
        this.logWait(waiter);
      }
    });
  }

  /** How often and how long callers had to wait so far. */
  stats(): { waits: number; totalWaitMs: number; queued: number } {
    return { waits: this.waitCount, totalWaitMs: this.totalWaitMs, queued: this.queue.length };
  }

  private drain(): void {
    const now = Date.now();
    this.prune(now);
    for (let index = 0; index < this.queue.length;) {
      if (this.clientGrants.length >= this.clientLimit) break;
      const waiter = this.queue[index] as Waiter;
      const sessionGrants = this.sessionGrantsOf(waiter.sessionKey);
      if (sessionGrants && sessionGrants.length >= this.sessionLimit) {
        index += 1; // blocked on its own session only: later waiters of other sessions may go
        continue;
      }
      this.queue.splice(index, 1);
      this.clientGrants.push(now);
      sessionGrants?.push(now);
      if (waiter.waited) {
        this.waitCount += 1;
        this.totalWaitMs += now - waiter.enqueuedAt;
      }
      waiter.resolve();
    }
    this.schedule(now);
  }

  private sessionGrantsOf(sessionKey: string | undefined): number[] | undefined {
    if (sessionKey === undefined || this.sessionLimit === Infinity) return undefined;
    let grants = this.sessionGrants.get(sessionKey);
    if (!grants) {
      grants = [];
      this.sessionGrants.set(sessionKey, grants);
    }
    return grants;
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    const dropExpired = (grants: number[]): void => {
      let expired = 0;
      while (expired < grants.length && (grants[expired] as number) <= cutoff) expired += 1;
      grants.splice(0, expired);
    };
    dropExpired(this.clientGrants);
    for (const [key, grants] of this.sessionGrants) {
      dropExpired(grants);
      if (grants.length === 0) this.sessionGrants.delete(key);
    }
  }

  /** When the first blocked waiter can go: the oldest grant of the window that blocks it leaves the window. */
  private nextSlotAt(waiter: Waiter): { at: number; scope: 'client' | 'session'; limit: number } {
    if (this.clientGrants.length >= this.clientLimit) {
      return {
        at: (this.clientGrants[0] as number) + this.windowMs,
        scope: 'client',
        limit: this.clientLimit,
      };
    }
    const sessionGrants =
      waiter.sessionKey === undefined ? undefined : this.sessionGrants.get(waiter.sessionKey);
    const oldest = sessionGrants?.[0] ?? Date.now();
    return { at: oldest + this.windowMs, scope: 'session', limit: this.sessionLimit };
  }

  private schedule(now: number): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.length === 0) return;
    const at = Math.min(...this.queue.map((waiter) => this.nextSlotAt(waiter).at));
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.drain();
      },
      Math.max(1, at - now),
    );
  }

  private logWait(waiter: Waiter): void {
    const { at, scope, limit } = this.nextSlotAt(waiter);
    const waitMs = Math.max(0, at - Date.now());
    this.logger.debug(`pacer: waiting ${waitMs} ms for a request slot`, {
      scope,
      reason: `${scope} limit of ${limit} requests per ${this.windowMs} ms reached`,
      waitMs,
      queued: this.queue.length,
    });
  }
}
