/**
 * The VR REST client: one VrClient per VRMS (one pooled undici dispatcher, one pacer), and cheap VrSession views
 * that send `x-dr-session` on every call. The client validates every answer and throws typed errors; it never
 * retries (the Temporal retry policy does, using classifyVrError).
 */
import { basicAuthorization } from './client-auth';
import { noopLogger, type VrLogger } from './logger';
import type { PacerOptions } from './pacer';
import { ApiVersion, basePathFor, SessionIdData } from './schemas';
import { VrSession } from './session';
import { VrTransport, type VrExchange } from './transport';

export interface VrClientOptions {
  /** Base URL of the VRMS gateway, e.g. https://vrms.example.com or http://127.0.0.1:8443 (no path). */
  baseUrl: string;
  /** Default 'v2'. Base path is `/api/rest/vr/<version>`. */
  apiVersion?: 'v1' | 'v2';
  /** PEM CA bundle file to trust; when set, only this CA is trusted. Read once, at construction. */
  caFile?: string;
  /** Skip TLS verification. Default false. Logs a warning each time a client is created with it. */
  insecureSkipVerify?: boolean;
  /** Timeouts in ms. Defaults: connect 10_000, headers 30_000, body 60_000 (body: longest pause between chunks). */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Request pacing, see pacer.ts. Default: { perClientPerMinute: 100, perSessionPerMinute: 45 }. `false` disables. */
  pacing?: PacerOptions | false;
  /** Max concurrent connections to this VRMS. Default 8. */
  connections?: number;
  /** Logger; default no-op. Never receives secrets. */
  logger?: VrLogger;
  /** Max response body bytes accepted; default 32 MiB, beyond: VrResponseTooLargeError (a VrSchemaError). */
  maxResponseBytes?: number;
  /** Observer called after every exchange. Bodies are parsed JSON (secrets masked) or undefined; never headers. */
  onExchange?: (exchange: VrExchange) => void;
}

/** Checks the base URL once, so a typo fails at configuration time with a clear message. */
const normalizeBaseUrl = (baseUrl: string): string => {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`VrClient: baseUrl is not a URL: ${JSON.stringify(baseUrl)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`VrClient: baseUrl must be http:// or https://, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new TypeError('VrClient: baseUrl must not carry credentials; pass them to login()');
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new TypeError(
      `VrClient: baseUrl must have no path or query (the client adds /api/rest/vr/<version>)`,
    );
  }
  return url.origin;
};

/** A client for one VRMS gateway. */
export class VrClient {
  readonly baseUrl: string;
  readonly apiVersion: 'v1' | 'v2';
  /** @internal shared with the sessions of this client */
  readonly transport: VrTransport;

  constructor(options: VrClientOptions) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    this.apiVersion = ApiVersion.parse(options.apiVersion ?? 'v2');
    const logger = options.logger ?? noopLogger;
    if (options.insecureSkipVerify) {
      logger.warn(
        'VR TLS certificate verification is DISABLED (insecureSkipVerify); set the site caFile to the VRMS CA bundle instead',
        { baseUrl: this.baseUrl },
      );
    }
    this.transport = new VrTransport({
      ...options,
      baseUrl: this.baseUrl,
      basePath: basePathFor(this.apiVersion),
      logger,
    });
  }

  /** POST /session with HTTP Basic (local vCenter SSO user); returns the session id. Counts against the client pacing budget only. */
  async login(credentials: { username: string; password: string }): Promise<string> {
    const request = { method: 'POST' as const, pathTemplate: '/session' };
    const authorization = basicAuthorization(credentials, request.method, this.transport.pathOf(request));
    const answer = await this.transport.call(
      { ...request, authorization, secrets: [credentials.password] },
      SessionIdData,
    );
    return answer.session_id;
  }

  /** A view that sends this session id; no request is made. */
  session(sessionId: string): VrSession {
    return new VrSession(this, this.transport, sessionId);
  }

  /** Pacer statistics (undefined when pacing is disabled). */
  pacerStats(): { waits: number; totalWaitMs: number; queued: number } | undefined {
    return this.transport.pacerStats();
  }

  /** Closes the connection pool; pending requests finish first. */
  async close(): Promise<void> {
    await this.transport.close();
  }
}
