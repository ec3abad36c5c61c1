/**
 * Gateway sessions: issued by POST /session, refreshed by every request, expired after an idle time, held in a
 * bounded pool per site (a remote login takes a slot in the remote site's pool). Uses real time.
 */
import { randomUUID } from 'node:crypto';
import type { SiteKey } from './sites';

export interface SimSession {
  id: string;
  username: string;
  site: SiteKey;
  createdAt: number;
  lastUsedAt: number;
  /** pairing id -> remote site login bound to this session. */
  remote: Map<string, { username: string; site: SiteKey }>;
}

export interface SessionLimits {
  sessionIdleMs: number;
  sessionPoolSize: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, SimSession>();
  /** Every session id ever issued, so tests can scan histories and logs for leaked tokens. */
  readonly issuedIds: string[] = [];

  constructor(private readonly limits: SessionLimits) {}

  /** Sessions held against a site's pool: local logins there plus remote logins into it. */
  load(site: SiteKey): number {
    this.purgeExpired();
    let count = 0;
    for (const session of this.sessions.values()) {
      if (session.site === site) count += 1;
      for (const remote of session.remote.values()) if (remote.site === site) count += 1;
    }
    return count;
  }

  hasRoom(site: SiteKey): boolean {
    return this.load(site) < this.limits.sessionPoolSize;
  }

  create(username: string, site: SiteKey): SimSession {
    const now = Date.now();
    const session: SimSession = {
      id: randomUUID(),
      username,
      site,
      createdAt: now,
      lastUsedAt: now,
      remote: new Map(),
    };
    this.sessions.set(session.id, session);
    this.issuedIds.push(session.id);
    return session;
  }

  /** Returns the live session and refreshes its idle timer, or undefined if unknown or expired. */
  touch(id: string | undefined): SimSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.isExpired(session)) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastUsedAt = Date.now();
    return session;
  }

  delete(id: string): boolean {
    return this.sessions.delete(id);
  }

  /** Expires one session (by id) or all; returns how many were dropped. */
  expire(id?: string): number {
    if (id !== undefined) return this.sessions.delete(id) ? 1 : 0;
    const count = this.sessions.size;
    this.sessions.clear();
    return count;
  }

  active(): SimSession[] {
    this.purgeExpired();
    return [...this.sessions.values()];
  }

  private isExpired(session: SimSession): boolean {
    return Date.now() - session.lastUsedAt > this.limits.sessionIdleMs;
  }

  private purgeExpired(): void {
    for (const [id, session] of this.sessions) if (this.isExpired(session)) this.sessions.delete(id);
  }
}
