/**
 * The gateway's request limiter: a sliding 60 s window (`windowMs`) per client IP and per session; a client that goes over is
 * answered 429 with Retry-After and banned for `banMs`. Rejected requests do not count towards the window.
 */
export interface RateLimitSettings {
  /** Default true. */
  enabled: boolean;
  /** Default 100. */
  perClientPerMinute: number;
  /** Default 50. */
  perSessionPerMinute: number;
  /** Default 60_000. */
  banMs: number;
  /** Length of the sliding window in real ms. Default 60_000; benchmarks shorten it to compress time. */
  windowMs?: number;
}

const WINDOW_MS = 60_000;

export interface RateDecision {
  allowed: boolean;
  retryAfterSeconds?: number;
  scope?: 'client' | 'session';
}

export class RateLimiter {
  private readonly windows = new Map<string, number[]>();
  private readonly bans = new Map<string, number>();

  constructor(private readonly settings: RateLimitSettings) {}

  check(clientIp: string, sessionId: string | undefined): RateDecision {
    if (!this.settings.enabled) return { allowed: true };
    const now = Date.now();
    const keys: Array<{ key: string; limit: number; scope: 'client' | 'session' }> = [
      { key: `client:${clientIp}`, limit: this.settings.perClientPerMinute, scope: 'client' },
    ];
    if (sessionId)
      keys.push({ key: `session:${sessionId}`, limit: this.settings.perSessionPerMinute, scope: 'session' });
    for (const { key, scope } of keys) {
      const bannedUntil = this.bans.get(key);
      if (bannedUntil !== undefined && bannedUntil > now) {
        return {
          allowed: false,
          scope,
          retryAfterSeconds: Math.max(1, Math.ceil((bannedUntil - now) / 1000)),
        };
      }
      if (bannedUntil !== undefined) this.bans.delete(key);
    }
    for (const { key, limit, scope } of keys) {
      const window = this.prune(key, now);
      if (window.length >= limit) {
        // The ban never ends before the window has room again, or the client would be banned straight back.
        const oldest = window[0] ?? now;
        const waitMs = Math.max(this.settings.banMs, oldest + this.windowMs - now);
        this.bans.set(key, now + waitMs);
        return { allowed: false, scope, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      }
    }
    for (const { key } of keys) this.prune(key, now).push(now);
    return { allowed: true };
  }

  private get windowMs(): number {
    return this.settings.windowMs ?? WINDOW_MS;
  }

  reset(): void {
    this.windows.clear();
    this.bans.clear();
  }

  private prune(key: string, now: number): number[] {
    let window = this.windows.get(key);
    if (!window) {
      window = [];
      this.windows.set(key, window);
    }
    while (window.length > 0 && (window[0] ?? now) <= now - this.windowMs) window.shift();
    return window;
  }
}
