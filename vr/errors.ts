/**
 * Typed errors of the VR client: one class per kind of failure, a stable `code`, the VR `error_code` / `op_id`
 * when the server sent them, and `retryable` taken from the single retry table (`classifyVrError`). Messages are
 * passed through `redactSecrets` so that no password, Basic header or session id can end up in logs or histories.
 */

export type VrErrorCode =
  | 'VR_UNAUTHORIZED'
  | 'VR_FORBIDDEN'
  | 'VR_NOT_FOUND'
  | 'VR_BAD_REQUEST'
  | 'VR_CONFLICT'
  | 'VR_RATE_LIMITED'
  | 'VR_SERVER_ERROR'
  | 'VR_NETWORK_ERROR'
  | 'VR_TIMEOUT'
  | 'VR_TLS_ERROR'
  | 'VR_SCHEMA_MISMATCH'
  | 'VR_REQUEST_INVALID'
  | 'VR_UNEXPECTED_STATUS';

interface RetryRule {
  code: VrErrorCode;
  /** Only this HTTP status (rows with a status or operation are checked before the plain row). */
  status?: number;
  /** Only for this operation: `login` is POST /session, where no session exists yet. */
  operation?: 'login';
  retryable: boolean;
  reLogin: boolean;
}

/**
 * THE retry table. Exactly one layer retries (the Temporal activity retry policy); it reads this table through
 * `classifyVrError`. First matching row wins.
 */
const RETRY_RULES: readonly RetryRule[] = [
  // 401 on login itself means wrong credentials: retrying cannot fix them and may lock the SSO account.
  { code: 'VR_UNAUTHORIZED', operation: 'login', retryable: false, reLogin: false },
  // Session idle-expired, evicted from VR's bounded pool, or VRMS restarted: log in again, then retry.
  { code: 'VR_UNAUTHORIZED', retryable: true, reLogin: true },
  // Missing privilege: retrying cannot grant it.
  { code: 'VR_FORBIDDEN', retryable: false, reLogin: false },
  // The pairing / VM / task does not exist; the caller must look it up again, not repeat the call.
  { code: 'VR_NOT_FOUND', retryable: false, reLogin: false },
  // The server rejected our request body or parameters; the same request fails the same way.
  { code: 'VR_BAD_REQUEST', retryable: false, reLogin: false },
  // State conflict (e.g. VM already replicated): the caller must re-read state and decide.
  { code: 'VR_CONFLICT', retryable: false, reLogin: false },
  // Gateway rate limiter (100/min per client, 50/min per session): wait Retry-After, then retry.
  { code: 'VR_RATE_LIMITED', retryable: true, reLogin: false },
  // 501 Not Implemented: the endpoint does not exist on this VR version (e.g. v1); retrying cannot help.
  { code: 'VR_SERVER_ERROR', status: 501, retryable: false, reLogin: false },
  // Other 5xx: transient VRMS / vCenter / gateway fault.
  { code: 'VR_SERVER_ERROR', retryable: true, reLogin: false },
  // Connect / headers / body timeout: the VRMS is slow or the network hiccupped.
  { code: 'VR_TIMEOUT', retryable: true, reLogin: false },
  // Certificate not trusted: a configuration problem (caFile); retrying only hammers the server.
  { code: 'VR_TLS_ERROR', retryable: false, reLogin: false },
  // Connection reset / refused / DNS failure: transient network trouble.
  { code: 'VR_NETWORK_ERROR', retryable: true, reLogin: false },
  // The server answers something we cannot read (HTML, truncated, wrong shape, too large): same answer next time.
  { code: 'VR_SCHEMA_MISMATCH', retryable: false, reLogin: false },
  // Our own request failed validation before sending: a bug or bad input, never transient.
  { code: 'VR_REQUEST_INVALID', retryable: false, reLogin: false },
  // Redirects and statuses VR never sends point at a wrong baseUrl or a proxy in the way.
  { code: 'VR_UNEXPECTED_STATUS', retryable: false, reLogin: false },
];

const operationOf = (method: string, path: string): RetryRule['operation'] =>
  method === 'POST' && /\/session(\?|$)/.test(path) && !path.includes('remote-session') ? 'login' : undefined;

const ruleFor = (code: VrErrorCode, status: number | undefined, method: string, path: string): RetryRule => {
  const operation = operationOf(method, path);
  const rule = RETRY_RULES.find(
    (candidate) =>
      candidate.code === code &&
      (candidate.status === undefined || candidate.status === status) &&
      (candidate.operation === undefined || candidate.operation === operation),
  );
  if (!rule) throw new Error(`no retry rule for ${code}`);
  return rule;
};

export interface VrErrorInit {
  message: string;
  method: string;
  path: string;
  status?: number;
  vrErrorCode?: string;
  opId?: string;
  vrMessage?: string;
  cause?: unknown;
}

/** Base class of every error the VR client throws. `retryable` comes from the retry table. */
export class VrError extends Error {
  readonly code: VrErrorCode;
  readonly status?: number;
  readonly method: string;
  readonly path: string;
  readonly vrErrorCode?: string;
  readonly opId?: string;
  readonly vrMessage?: string;
  readonly retryable: boolean;
  declare readonly cause?: unknown;

  constructor(code: VrErrorCode, init: VrErrorInit) {
    super(redactSecrets(init.message), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = code;
    this.method = init.method;
    this.path = redactSecrets(init.path);
    if (init.status !== undefined) this.status = init.status;
    if (init.vrErrorCode !== undefined) this.vrErrorCode = init.vrErrorCode;
    if (init.opId !== undefined) this.opId = init.opId;
    if (init.vrMessage !== undefined) this.vrMessage = redactSecrets(init.vrMessage);
    this.retryable = ruleFor(code, init.status, init.method, init.path).retryable;
  }

  /** A JSON form without stack and with a flattened, redacted cause (safe for logs and workflow histories). */
  toJSON(): Record<string, unknown> {
    const { cause: _cause, stack: _stack, ...fields } = this as unknown as Record<string, unknown>;
    return { ...fields, name: this.name, message: this.message, cause: describeCause(this.cause) };
  }
}

const describeCause = (cause: unknown): unknown => {
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return {
      name: cause.name,
      message: redactSecrets(cause.message),
      ...(code === undefined ? {} : { code }),
    };
  }
  return redactSecrets(String(cause));
};

/** 401: session expired or unknown; activities log in again. */
export class VrUnauthorizedError extends VrError {
  constructor(init: VrErrorInit) {
    super('VR_UNAUTHORIZED', init);
  }
}

/** 403: the user lacks a VR / vCenter privilege. */
export class VrForbiddenError extends VrError {
  constructor(init: VrErrorInit) {
    super('VR_FORBIDDEN', init);
  }
}

/** 404: the addressed object does not exist. */
export class VrNotFoundError extends VrError {
  constructor(init: VrErrorInit) {
    super('VR_NOT_FOUND', init);
  }
}

/** 400 and other 4xx without their own class. */
export class VrBadRequestError extends VrError {
  constructor(init: VrErrorInit, code: 'VR_BAD_REQUEST' | 'VR_CONFLICT' = 'VR_BAD_REQUEST') {
    super(code, init);
  }
}

/** 409: the request conflicts with the current state. */
export class VrConflictError extends VrBadRequestError {
  constructor(init: VrErrorInit) {
    super(init, 'VR_CONFLICT');
  }
}

/** 429: the gateway's rate limiter. `retryAfterMs` from Retry-After (default 60 s when absent). */
export class VrRateLimitedError extends VrError {
  readonly retryAfterMs: number;
  constructor(init: VrErrorInit & { retryAfterMs: number }) {
    super('VR_RATE_LIMITED', init);
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 5xx (501 is non-retryable). */
export class VrServerError extends VrError {
  constructor(init: VrErrorInit) {
    super('VR_SERVER_ERROR', init);
  }
}

/** Connection reset / refused, DNS failure, premature close. */
export class VrNetworkError extends VrError {
  constructor(
    init: VrErrorInit,
    code: 'VR_NETWORK_ERROR' | 'VR_TIMEOUT' | 'VR_TLS_ERROR' = 'VR_NETWORK_ERROR',
  ) {
    super(code, init);
  }
}

/** Connect, headers or body timeout. */
export class VrTimeoutError extends VrNetworkError {
  constructor(init: VrErrorInit) {
    super(init, 'VR_TIMEOUT');
  }
}

/** Certificate problem: non-retryable; the message says to set the site's caFile. */
export class VrTlsError extends VrNetworkError {
  constructor(init: VrErrorInit) {
    super(init, 'VR_TLS_ERROR');
  }
}

/** The response is not what the API document promises: wrong shape, not JSON, HTML page, truncated, too large. */
export class VrSchemaError extends VrError {
  readonly issues: string[];
  constructor(init: VrErrorInit & { issues: string[] }) {
    super('VR_SCHEMA_MISMATCH', init);
    this.issues = init.issues.map(redactSecrets);
  }
}

/** The response body exceeds `maxResponseBytes`. */
export class VrResponseTooLargeError extends VrSchemaError {
  readonly maxBytes: number;
  constructor(init: VrErrorInit & { maxBytes: number }) {
    super({ ...init, issues: [`body larger than ${init.maxBytes} bytes`] });
    this.maxBytes = init.maxBytes;
  }
}

/** Our own request body failed its zod schema; nothing was sent. */
export class VrRequestValidationError extends VrError {
  readonly issues: string[];
  constructor(init: VrErrorInit & { issues: string[] }) {
    super('VR_REQUEST_INVALID', init);
    this.issues = init.issues.map(redactSecrets);
  }
}

/** A status VR does not send for this call, e.g. a 3xx redirect (never followed). */
export class VrUnexpectedStatusError extends VrError {
  constructor(init: VrErrorInit) {
    super('VR_UNEXPECTED_STATUS', init);
  }
}

export interface VrErrorClassification {
  code: VrErrorCode | 'UNKNOWN';
  retryable: boolean;
  reLogin: boolean;
  retryAfterMs?: number;
}

/** The one retry classification, driven by the table above. Errors that are not VrErrors are `UNKNOWN`, retryable
 * (Temporal's default), so a bug fixed by redeploying the worker lets the run continue. */
export function classifyVrError(error: unknown): VrErrorClassification {
  if (!(error instanceof VrError)) return { code: 'UNKNOWN', retryable: true, reLogin: false };
  const rule = ruleFor(error.code, error.status, error.method, error.path);
  const classification: VrErrorClassification = {
    code: error.code,
    retryable: rule.retryable,
    reLogin: rule.reLogin,
  };
  if (error instanceof VrRateLimitedError) classification.retryAfterMs = error.retryAfterMs;
  return classification;
}

const REDACTED = '[REDACTED]';
// A header or field value ends at whitespace, a quote, or a JSON/list delimiter.
const VALUE = String.raw`[^\s"',;}\]&]+`;
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // JSON string values of password-like and session-id fields, whatever characters the value holds.
  [
    /("(?:password|passwd|pwd|session_id|x-dr-session|authorization)"\s*:\s*")(?:[^"\\]|\\.)*(")/gi,
    `$1${REDACTED}$2`,
  ],
  // Header lines, query strings and key=value forms.
  [
    new RegExp(String.raw`(authorization["']?\s*[:=]\s*["']?)((?:basic|bearer)\s+)?${VALUE}`, 'gi'),
    `$1$2${REDACTED}`,
  ],
  [new RegExp(String.raw`(x-dr-session["']?\s*[:=]\s*["']?)${VALUE}`, 'gi'), `$1${REDACTED}`],
  [
    new RegExp(String.raw`((?:password|passwd|pwd|session_id)["']?\s*[:=]\s*["']?)${VALUE}`, 'gi'),
    `$1${REDACTED}`,
  ],
  // A bare Basic credential anywhere.
  [/\b(Basic\s+)[A-Za-z0-9+/]{6,}={0,2}/g, `$1${REDACTED}`],
];

/** Redacts Authorization / x-dr-session / password / session_id values from any string. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) {
    // A group that did not participate ($2 without a scheme) is replaced by the empty string.
    result = result.replace(pattern, replacement);
  }
  return result;
}

/** Default wait when a 429 carries no usable Retry-After. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

/** Parses Retry-After (delay in seconds, or an HTTP date) into milliseconds; 60 s when missing or unreadable. */
export function parseRetryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return DEFAULT_RETRY_AFTER_MS;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // An HTTP date always names a weekday and month; without letters, Date.parse would read '-5' as a year.
  const date = /[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(date)) return DEFAULT_RETRY_AFTER_MS;
  return Math.max(0, date - now);
}
