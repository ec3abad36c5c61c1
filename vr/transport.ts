/**
 * One VRMS connection pool: pacing, the HTTP exchange through undici, the size-limited body read, zod validation
 * of the answer, and the mapping of every failure to a typed VrError. It never retries (one retry layer: Temporal).
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import type { z } from 'zod';
import { VrError, VrRequestValidationError, VrResponseTooLargeError } from './errors';
import {
  describeNonJsonBody,
  errorFromStatus,
  errorFromTransport,
  formatZodIssues,
  schemaError,
  summarizeIssues,
  type ExchangeContext,
} from './http-errors';
import { noopLogger, type VrLogger } from './logger';
import { RequestPacer, type PacerOptions } from './pacer';

/** What `onExchange` observers receive after every request. Bodies have secrets masked; headers are never given. */
export interface VrExchange {
  method: string;
  /** The API document's path template, e.g. `/pairings/{pairing_id}/replications` (without the base path). */
  pathTemplate: string;
  /** The full request path: base path, path and query. */
  path: string;
  requestBody?: unknown;
  status?: number;
  responseBody?: unknown;
  durationMs: number;
  error?: VrError;
}

export interface TransportOptions {
  baseUrl: string;
  basePath: string;
  caFile?: string;
  insecureSkipVerify?: boolean;
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  pacing?: PacerOptions | false;
  connections?: number;
  logger?: VrLogger;
  maxResponseBytes?: number;
  onExchange?: (exchange: VrExchange) => void;
}

export interface TransportRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path template relative to the base path, e.g. `/pairings/{pairing_id}`. */
  pathTemplate: string;
  /** Values for the template's `{placeholders}`; URL-encoded here. */
  pathParams?: Record<string, string>;
  query?: URLSearchParams;
  body?: unknown;
  /** Sent as `x-dr-session` and used as the pacer's session key. */
  sessionId?: string;
  /** Sent as `Authorization` (login, remote login). */
  authorization?: string;
  /** More values (passwords) to scrub from error answers, in case a server echoes them. */
  secrets?: string[];
}

/** Default limits (see VrClientOptions). */
export const DEFAULT_TIMEOUTS = { connectMs: 10_000, headersMs: 30_000, bodyMs: 60_000 } as const;
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
export const DEFAULT_CONNECTIONS = 8;

const SECRET_KEYS = new Set(['password', 'session_id']);

/** Deep copy with password / session_id values masked, for observers. */
const maskSecrets = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        SECRET_KEYS.has(key) && typeof inner === 'string' ? '[REDACTED]' : maskSecrets(inner),
      ]),
    );
  }
  return value;
};

export class VrTransport {
  readonly basePath: string;
  private readonly pool: Pool;
  private readonly pacer: RequestPacer | undefined;
  readonly logger: VrLogger;
  private readonly timeouts: { connectMs: number; headersMs: number; bodyMs: number };
  private readonly maxResponseBytes: number;
  private readonly onExchange: ((exchange: VrExchange) => void) | undefined;

  constructor(options: TransportOptions) {
    this.basePath = options.basePath;
    this.logger = options.logger ?? noopLogger;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.onExchange = options.onExchange;
    this.pacer =
      options.pacing === false ? undefined : new RequestPacer({ ...options.pacing, logger: this.logger });
    // Read once: a rotated bundle is picked up by creating a new client, never half-way through a run.
    const ca = options.caFile ? readFileSync(options.caFile, 'utf8') : undefined;
    this.pool = new Pool(options.baseUrl, {
      connections: options.connections ?? DEFAULT_CONNECTIONS,
      headersTimeout: this.timeouts.headersMs,
      bodyTimeout: this.timeouts.bodyMs,
      connect: {
        timeout: this.timeouts.connectMs,
        rejectUnauthorized: options.insecureSkipVerify !== true,
        ...(ca === undefined ? {} : { ca }),
      },
    });
  }

  /** Pacer statistics, or undefined when pacing is disabled. */
  pacerStats(): { waits: number; totalWaitMs: number; queued: number } | undefined {
    return this.pacer?.stats();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Sends a request and validates the 2xx body with `schema` (no schema: the body is ignored, e.g. 204). */
  async call<S extends z.ZodType>(request: TransportRequest, schema: S): Promise<z.output<S>>;
  async call(request: TransportRequest, schema?: undefined): Promise<void>;
  async call(request: TransportRequest, schema?: z.ZodType): Promise<unknown> {
    const path = this.pathOf(request);
    const context: ExchangeContext = { method: request.method, path };
    const exchange: VrExchange = {
      method: request.method,
      pathTemplate: request.pathTemplate,
      path,
      durationMs: 0,
    };
    if (request.body !== undefined) exchange.requestBody = maskSecrets(request.body);
    let started = performance.now();
    try {
      await this.pacer?.acquire(request.sessionId);
      started = performance.now(); // the exchange's duration, without time spent waiting for the pacer
      const answer = await this.exchange(request, path, context, schema !== undefined);
      const { status, headers } = answer;
      const isError = status < 200 || status >= 300;
      const text = isError && answer.text !== undefined ? scrubSecrets(answer.text, request) : answer.text;
      exchange.status = status;
      const parsedBody = this.parseJson(text);
      if (parsedBody.ok) exchange.responseBody = maskSecrets(parsedBody.value);
      if (isError) throw errorFromStatus(context, status, headers, text);
      if (!schema) return undefined;
      if (!parsedBody.ok) {
        throw schemaError(context, status, [
          describeNonJsonBody(text ?? '', headerOf(headers['content-type'])),
        ]);
      }
      const result = schema.safeParse(parsedBody.value);
      if (!result.success) throw schemaError(context, status, formatZodIssues(result.error.issues));
      return result.data;
    } catch (error) {
      const vrError = error instanceof VrError ? error : errorFromTransport(context, error, this.timeouts);
      exchange.error = vrError;
      throw vrError;
    } finally {
      exchange.durationMs = Math.round(performance.now() - started);
      this.report(exchange);
    }
  }

  /** Validates a request body before anything is sent; the message names the endpoint and fields, never values. */
  validateRequest<S extends z.ZodType>(
    request: Omit<TransportRequest, 'body'>,
    schema: S,
    body: unknown,
  ): void {
    const result = schema.safeParse(body);
    if (result.success) return;
    const issues = formatZodIssues(result.error.issues);
    const path = this.pathOf(request);
    throw new VrRequestValidationError({
      message: `VR request body is invalid for ${request.method} ${path}, nothing was sent: ${summarizeIssues(issues)}`,
      method: request.method,
      path,
      issues,
    });
  }

  pathOf(request: Pick<TransportRequest, 'pathTemplate' | 'pathParams' | 'query'>): string {
    const relative = request.pathTemplate.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = request.pathParams?.[name];
      if (value === undefined) throw new Error(`missing path parameter ${name} for ${request.pathTemplate}`);
      return encodeURIComponent(value);
    });
    const query = request.query?.toString();
    return `${this.basePath}${relative}${query ? `?${query}` : ''}`;
  }

  private async exchange(
    request: TransportRequest,
    path: string,
    context: ExchangeContext,
    wantBody: boolean,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text?: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.sessionId !== undefined) headers['x-dr-session'] = request.sessionId;
    if (request.authorization !== undefined) headers.authorization = request.authorization;
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    const response = await this.pool.request({ method: request.method, path, headers, body });
    const status = response.statusCode;
    const isError = status < 200 || status >= 300;
    if (!wantBody && !isError) {
      await response.body.dump();
      return { status, headers: response.headers };
    }
    const text = await this.readBody(response, context, isError);
    return { status, headers: response.headers, text };
  }

  /**
   * Reads at most maxResponseBytes. For error statuses an over-long body is cut off silently (the status decides
   * the error); for 2xx it is a VrResponseTooLargeError.
   */
  private async readBody(
    response: Awaited<ReturnType<Pool['request']>>,
    context: ExchangeContext,
    isError: boolean,
  ): Promise<string | undefined> {
    const tooLarge = (): VrResponseTooLargeError =>
      new VrResponseTooLargeError({
        message: `VR response on ${context.method} ${context.path} is larger than ${this.maxResponseBytes} bytes`,
        method: context.method,
        path: context.path,
        status: response.statusCode,
        maxBytes: this.maxResponseBytes,
      });
    const announced = Number(headerOf(response.headers['content-length']));
    if (Number.isFinite(announced) && announced > this.maxResponseBytes) {
      discard(response.body);
      if (isError) return undefined;
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > this.maxResponseBytes) {
        discard(response.body);
        if (isError) return undefined;
        throw tooLarge();
      }
      chunks.push(buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private parseJson(text: string | undefined): { ok: true; value: unknown } | { ok: false } {
    if (text === undefined || text.trim() === '') return { ok: false };
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch {
      // The SyntaxError quotes the body, which may hold a session id: never keep it.
      return { ok: false };
    }
  }

  private report(exchange: VrExchange): void {
    this.logger.debug('vr request', {
      method: exchange.method,
      path: exchange.path,
      status: exchange.status,
      durationMs: exchange.durationMs,
      ...(exchange.error ? { error: exchange.error.code } : {}),
    });
    if (!this.onExchange) return;
    try {
      this.onExchange(exchange);
    } catch (error) {
      this.logger.warn('vr onExchange observer threw; ignored', { error: String(error) });
    }
  }
}

/** Stops reading a body; undici reports the abort on the stream later, which nobody needs to hear. */
const discard = (body: NodeJS.ReadableStream & { destroy(): void }): void => {
  body.on('error', () => undefined);
  body.destroy();
};

/** Shortest value scrubbed literally: shorter ones would shred ordinary text. */
const MIN_SCRUBBED_LENGTH = 3;

/** Removes the request's own secrets from an error answer (a server may echo the header or the password). */
const scrubSecrets = (text: string, request: TransportRequest): string => {
  const basic = request.authorization?.replace(/^\w+\s+/, '');
  const secrets = [request.sessionId, request.authorization, basic, ...(request.secrets ?? [])];
  let result = text;
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= MIN_SCRUBBED_LENGTH)
      result = result.split(secret).join('[REDACTED]');
  }
  return result;
};

const headerOf = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;
