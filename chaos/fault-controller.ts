/**
 * Drives the simulator's faults over its control API (`/sim/faults`, `/sim/limits`, `/sim/sessions/expire`), as an
 * operator script would. POST /sim/faults replaces the whole configuration, so the standing faults and the ones
 * switched on for a while are composed here and posted together.
 */
import type { FaultConfig } from '../simulator';

/**
 * Errors, resets, slow answers and task failures that stand for the whole run. The rates apply per VR request, and
 * the worker makes few requests (one coalesced task poll per site), so a few count-limited rules make sure every
 * kind happens in every run, small ones included: the hardest cases first.
 */
export function standingFaults(
  slowResponses: number,
): Pick<FaultConfig, 'rules' | 'taskFailureRate' | 'taskOutcomes'> {
  const configure = 'POST /pairings/{pairing_id}/replications';
  return {
    taskFailureRate: 0.01,
    // One certain task failure on top of the 1 % (whose count in a small run may be 0).
    taskOutcomes: [{ vmName: 'chaos-3', status: 'ERROR' }],
    rules: [
      // The first configure request takes effect and its connection is reset: the retry must not configure twice.
      { endpoint: configure, kind: 'reset', afterHandler: true, count: 1 },
      // A configure request takes effect and answers 500.
      { endpoint: configure, kind: 'error', afterHandler: true, rate: 0.2, count: 1 },
      // Answers slower than the VR client's headers timeout (30 s; the sites file cannot shorten it).
      {
        endpoint: 'GET /tasks',
        kind: 'slow-headers',
        rate: 0.2,
        ms: 32_000,
        count: Math.ceil(slowResponses / 2),
      },
      { endpoint: '*', kind: 'slow-headers', rate: 0.02, ms: 32_000, count: Math.floor(slowResponses / 2) },
      // 5 % server errors: most before VR acted, some after (the request took effect, the answer was lost).
      { endpoint: '*', kind: 'error', rate: 0.04 },
      {
        endpoint: '*',
        kind: 'error',
        rate: 0.01,
        afterHandler: true,
        status: 503,
        errorCode: 'SERVICE_UNAVAILABLE',
      },
      // 2 % connection resets, half of them after the request took effect.
      { endpoint: '*', kind: 'reset', rate: 0.01 },
      { endpoint: '*', kind: 'reset', rate: 0.01, afterHandler: true },
    ],
  };
}

export interface FaultEvent {
  at: number;
  what: string;
}

export class FaultController {
  private remoteUnreachable = false;
  private generation = 0;
  readonly events: FaultEvent[] = [];
  expiries = 0;
  expiredSessions = 0;
  storms = 0;
  unreachableWindows = 0;

  constructor(
    private readonly simUrl: string,
    private readonly seed: number,
    private readonly slowResponses: number,
    private readonly startedAt = Date.now(),
  ) {}

  private async control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.simUrl}/sim${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 200)
      throw new Error(`${method} /sim${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as unknown;
  }

  get<T>(path: string): Promise<T> {
    return this.control('GET', path) as Promise<T>;
  }

  note(what: string): void {
    this.events.push({ at: Math.round((Date.now() - this.startedAt) / 100) / 10, what });
  }

  /** Posts the standing faults plus whatever is switched on now (a new PRNG stream each time: seed + generation). */
  async apply(): Promise<void> {
    this.generation += 1;
    const config: FaultConfig = {
      seed: this.seed * 1000 + this.generation,
      ...standingFaults(this.slowResponses),
      remoteSiteUnreachable: this.remoteUnreachable,
    };
    await this.control('POST', '/faults', config);
  }

  /** Removes every fault (the checks at the end must read a quiet simulator). */
  async clear(): Promise<void> {
    this.remoteUnreachable = false;
    await this.control('POST', '/faults', {});
    await this.control('POST', '/limits', { rateLimit: { enabled: false } });
  }

  async expireSessions(): Promise<void> {
    const { expired } = (await this.control('POST', '/sessions/expire', {})) as { expired: number };
    this.expiries += 1;
    this.expiredSessions += expired;
    this.note(`expired all ${expired} sessions`);
  }

  /**
   * A 429 storm: a very low rate limit with a short window and ban, for `ms`. Low enough that a batch starting
   * (two lookups and a configure request on one session within a second) or two poll rounds meet it.
   */
  async rateLimitStorm(ms: number): Promise<void> {
    this.storms += 1;
    this.note(`429 storm on for ${ms / 1000} s`);
    await this.control('POST', '/limits', {
      rateLimit: {
        enabled: true,
        perClientPerMinute: 2,
        perSessionPerMinute: 1,
        windowMs: 5_000,
        banMs: 2_000,
      },
    });
    await sleep(ms);
    await this.control('POST', '/limits', { rateLimit: { enabled: false } });
    this.note('429 storm off');
  }

  /** The remote site unreachable (503 REMOTE_SITE_UNREACHABLE on every call that needs it) for `ms`. */
  async remoteSiteDown(ms: number): Promise<void> {
    this.unreachableWindows += 1;
    this.remoteUnreachable = true;
    await this.apply();
    this.note(`remote site unreachable for ${ms / 1000} s`);
    await sleep(ms);
    this.remoteUnreachable = false;
    await this.apply();
    this.note('remote site reachable again');
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
