/**
 * Worker-side VR sessions. Workflows hold only an opaque session handle; this cache maps it to a live VR session
 * on this worker. Any activity that finds no session for its handle (another worker logged in, this worker was
 * restarted) or meets a 401 logs in again here, so a worker restart or a long wait never breaks a run, and the
 * VR token never leaves the worker process.
 */
import type { PairingSummary } from './types';
import { VrClient, VrUnauthorizedError, type VrExchange, type VrSession, type VrLogger } from '../vr';
import type { SiteConfig } from '../worker/sites';

interface CachedSession {
  site: string;
  sessionId: string;
  /** Pairings whose remote site this session is logged in to. */
  remotePairings: Set<string>;
  /** Remote logins under way, by pairing id. */
  pendingRemoteLogins?: Map<string, Promise<void>>;
  lastUsed: number;
}

export interface SessionManagerOptions {
  sites: SiteConfig[];
  logger?: VrLogger;
  /** Log out sessions unused for this long (a run that ended on another worker leaves one here). Default 5 min. */
  idleLogoutMs?: number;
  /** Injected for tests; default builds one VrClient per site. */
  clientFactory?: (site: SiteConfig) => VrClient;
  /** Observer of every VR exchange of the default clients (metrics). Default none. */
  onExchange?: (site: string, exchange: VrExchange) => void;
}

export class SessionManager {
  private readonly sites = new Map<string, { config: SiteConfig; client: VrClient }>();
  private readonly sessions = new Map<string, CachedSession>();
  private readonly pendingLogins = new Map<string, Promise<CachedSession>>();
  private readonly reaper: NodeJS.Timeout;
  private readonly logger?: VrLogger;

  constructor(options: SessionManagerOptions) {
    this.logger = options.logger;
    for (const config of options.sites) {
      const client = options.clientFactory
        ? options.clientFactory(config)
        : new VrClient({
            baseUrl: config.url,
            apiVersion: config.apiVersion,
            caFile: config.caFile,
            insecureSkipVerify: config.insecureSkipVerify,
            pacing: config.pacing,
            logger: options.logger,
            ...(options.onExchange
              ? { onExchange: (exchange: VrExchange) => options.onExchange?.(config.name, exchange) }
              : {}),
          });
      this.sites.set(config.name, { config, client });
    }
    const idleLogoutMs = options.idleLogoutMs ?? 5 * 60_000;
    this.reaper = setInterval(() => void this.logoutIdle(idleLogoutMs), Math.min(idleLogoutMs, 60_000));
    this.reaper.unref();
  }

  site(name: string): { config: SiteConfig; client: VrClient } {
    const site = this.sites.get(name);
    if (!site) {
      throw new UnknownSiteError(
        `site "${name}" is not configured on this worker (known: ${[...this.sites.keys()].join(', ') || 'none'})`,
      );
    }
    return site;
  }

  /**
   * Runs `call` with a live session for the handle, logged in to the pairing's remote site when the pairing needs
   * it. A 401 drops the session, logs in again and repeats the call once.
   */
  async withSession<T>(
    ref: { site: string; sessionHandle: string },
    call: (session: VrSession) => Promise<T>,
    pairing?: PairingSummary,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const cached = await this.ensure(ref, pairing);
      try {
        return await call(this.site(ref.site).client.session(cached.sessionId));
      } catch (error) {
        if (!(error instanceof VrUnauthorizedError) || attempt > 1) throw error;
        this.logger?.info('VR session expired or unknown; logging in again', {
          site: ref.site,
          path: error.path,
        });
        this.sessions.delete(ref.sessionHandle);
      }
    }
  }

  /** Logs in for the handle when this worker holds no session for it. */
  async ensure(
    ref: { site: string; sessionHandle: string },
    pairing?: PairingSummary,
  ): Promise<CachedSession> {
    for (let attempt = 1; ; attempt++) {
      let cached = this.sessions.get(ref.sessionHandle);
      if (!cached || cached.site !== ref.site) cached = await this.login(ref);
      cached.lastUsed = Date.now();
      if (!pairing || pairing.robo || cached.remotePairings.has(pairing.pairingId)) return cached;
      try {
        await this.remoteLoginOnce(ref.site, cached, pairing);
      } catch (error) {
        // The cached local session expired in VR meanwhile (NOT_AUTHENTICATED): without dropping it, every retry of
        // the activity would reuse it and fail the same way. Wrong remote credentials are not this case.
        if (
          !(error instanceof VrUnauthorizedError) ||
          error.vrErrorCode !== 'NOT_AUTHENTICATED' ||
          attempt > 1
        )
          throw error;
        this.logger?.info('VR session expired or unknown before the remote login; logging in again', {
          site: ref.site,
        });
        if (this.sessions.get(ref.sessionHandle) === cached) this.sessions.delete(ref.sessionHandle);
        continue;
      }
      cached.remotePairings.add(pairing.pairingId);
      return cached;
    }
  }

  /** One remote login per session and pairing, however many activities need it at the same moment. */
  private remoteLoginOnce(site: string, cached: CachedSession, pairing: PairingSummary): Promise<void> {
    const pendingRemoteLogins = (cached.pendingRemoteLogins ??= new Map());
    let pending = pendingRemoteLogins.get(pairing.pairingId);
    if (!pending) {
      pending = this.site(site)
        .client.session(cached.sessionId)
        .remoteLogin(pairing.pairingId, this.remoteCredentials(site, pairing))
        .finally(() => pendingRemoteLogins.delete(pairing.pairingId));
      pendingRemoteLogins.set(pairing.pairingId, pending);
    }
    return pending;
  }

  private login(ref: { site: string; sessionHandle: string }): Promise<CachedSession> {
    const pending = this.pendingLogins.get(ref.sessionHandle);
    if (pending) return pending;
    const { config, client } = this.site(ref.site);
    const login = client
      .login({ username: config.username, password: config.password })
      .then((sessionId) => {
        const cached = { site: ref.site, sessionId, remotePairings: new Set<string>(), lastUsed: Date.now() };
        this.sessions.set(ref.sessionHandle, cached);
        return cached;
      })
      .finally(() => this.pendingLogins.delete(ref.sessionHandle));
    this.pendingLogins.set(ref.sessionHandle, login);
    return login;
  }

  remoteCredentials(siteName: string, pairing: PairingSummary): { username: string; password: string } {
    const { config } = this.site(siteName);
    const candidates = config.remoteCredentials ?? [];
    const match =
      candidates.find(
        (entry) =>
          entry.vcenter !== undefined &&
          (entry.vcenter === pairing.remoteVcenterName || entry.vcenter === pairing.remoteVcenterId),
      ) ?? candidates.find((entry) => entry.vcenter === undefined);
    if (!match) {
      throw new MissingRemoteCredentialsError(
        `site "${siteName}" has no remoteCredentials for vCenter ${pairing.remoteVcenterName ?? pairing.remoteVcenterId} ` +
          `(pairing ${pairing.pairingId}); add an entry with vcenter: ${pairing.remoteVcenterName ?? pairing.remoteVcenterId}`,
      );
    }
    return { username: match.username, password: match.password };
  }

  /** Logs out the handle's session if this worker holds it. */
  async logout(sessionHandle: string): Promise<boolean> {
    const cached = this.sessions.get(sessionHandle);
    if (!cached) return false;
    this.sessions.delete(sessionHandle);
    try {
      await this.site(cached.site).client.session(cached.sessionId).logout();
    } catch (error) {
      // An expired session is already gone from VR's pool: that is the state logout wants.
      if (!(error instanceof VrUnauthorizedError)) throw error;
    }
    return true;
  }

  private async logoutIdle(idleMs: number): Promise<void> {
    const cutoff = Date.now() - idleMs;
    for (const [handle, cached] of [...this.sessions]) {
      if (cached.lastUsed >= cutoff) continue;
      await this.logout(handle).catch((error: unknown) =>
        this.logger?.warn('logout of an idle VR session failed', { site: cached.site, error: String(error) }),
      );
    }
  }

  /** Logs out every cached session and closes the HTTP clients (worker shutdown). */
  async close(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.allSettled([...this.sessions.keys()].map((handle) => this.logout(handle)));
    await Promise.allSettled([...this.sites.values()].map(({ client }) => client.close()));
  }

  get openSessions(): number {
    return this.sessions.size;
  }
}

export class UnknownSiteError extends Error {
  override readonly name = 'UnknownSiteError';
}

export class MissingRemoteCredentialsError extends Error {
  override readonly name = 'MissingRemoteCredentialsError';
}
