/**
 * Turns what came back from the wire (a status + body, or a transport failure) into the typed errors of errors.ts.
 * Kept apart from the transport so the status table can be unit-tested without a server.
 */
import { STATUS_CODES } from 'node:http';
import type { z } from 'zod';
import {
  VrBadRequestError,
  VrConflictError,
  VrForbiddenError,
  VrNetworkError,
  VrNotFoundError,
  VrRateLimitedError,
  VrSchemaError,
  VrServerError,
  VrTimeoutError,
  VrTlsError,
  VrUnauthorizedError,
  VrUnexpectedStatusError,
  parseRetryAfterMs,
  type VrError,
  type VrErrorInit,
} from './errors';
import { ResponseError } from './schemas';

/** Which request an error belongs to. `path` is the full request path including base path and query. */
export interface ExchangeContext {
  method: string;
  path: string;
}

const endpoint = (context: ExchangeContext): string => `${context.method} ${context.path}`;

/** `['list', 3, 'name']` -> `list[3].name`. */
export const formatIssuePath = (path: ReadonlyArray<PropertyKey>): string => {
  if (path.length === 0) return '(root)';
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
};

/** One line per zod issue: `field.path: message`. zod issues carry no input values, so nothing secret leaks. */
export const formatZodIssues = (issues: ReadonlyArray<z.core.$ZodIssue>): string[] =>
  issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);

const MAX_ISSUES_IN_MESSAGE = 5;

export const summarizeIssues = (issues: string[]): string => {
  const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).join('; ');
  const more = issues.length - MAX_ISSUES_IN_MESSAGE;
  return more > 0 ? `${shown} (+${more} more)` : shown;
};

/** A 2xx body that does not fit the schema, or is not JSON at all. Names the endpoint and the field paths. */
export function schemaError(context: ExchangeContext, status: number, issues: string[]): VrSchemaError {
  return new VrSchemaError({
    message: `VR response does not match the API schema on ${endpoint(context)} (status ${status}): ${summarizeIssues(issues)}`,
    method: context.method,
    path: context.path,
    status,
    issues,
  });
}

/** Describes a body that is not JSON without quoting it (a login answer could hold a session id). */
export const describeNonJsonBody = (text: string, contentType: string | undefined): string => {
  const trimmed = text.trimStart();
  if (trimmed.length === 0) return 'empty body where JSON was expected';
  if (/^<(!doctype|html|\?xml|head|body)/i.test(trimmed)) {
    return `body is an HTML/XML page, not JSON (content-type ${contentType ?? 'missing'}; a proxy or login page in the way?)`;
  }
  if (/^[[{]/.test(trimmed)) return `body is truncated or malformed JSON (${text.length} characters)`;
  return `body is not JSON (content-type ${contentType ?? 'missing'}, ${text.length} characters)`;
};

const headerValue = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/** Reads VR's ResponseError body when there is one; an HTML page or empty body gives no details. */
const parseErrorBody = (text: string | undefined): ResponseError | undefined => {
  if (!text) return undefined;
  try {
    const parsed = ResponseError.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The error for a non-2xx answer. The status decides the class; VR's error body, when it is JSON, adds
 * error_code / message / op_id. A body that is HTML, empty or too large still gives the status class.
 */
export function errorFromStatus(
  context: ExchangeContext,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string | undefined,
): VrError {
  const body = parseErrorBody(bodyText);
  const statusText = STATUS_CODES[status] ?? 'Unknown Status';
  const details: string[] = [];
  if (body?.error_code) details.push(body.error_code);
  if (body?.message) details.push(body.message);
  let message = `VR ${status} ${statusText} on ${endpoint(context)}`;
  if (details.length > 0) message += `: ${details.join(': ')}`;
  if (body?.op_id) message += ` (op_id ${body.op_id})`;
  const init: VrErrorInit = { message, method: context.method, path: context.path, status };
  if (body?.error_code) init.vrErrorCode = body.error_code;
  if (body?.message) init.vrMessage = body.message;
  if (body?.op_id) init.opId = body.op_id;

  if (status >= 300 && status < 400) {
    const location = headerValue(headers.location);
    let host = 'an unknown location';
    try {
      if (location) host = new URL(location, 'http://unknown.invalid').host;
    } catch {
      host = 'an unreadable location';
    }
    init.message = `${message}: redirect to ${host} not followed (check the site's baseUrl; VR does not redirect)`;
    return new VrUnexpectedStatusError(init);
  }
  if (status === 401) return new VrUnauthorizedError(init);
  if (status === 403) return new VrForbiddenError(init);
  if (status === 404) return new VrNotFoundError(init);
  if (status === 408) return new VrTimeoutError(init);
  if (status === 409) return new VrConflictError(init);
  if (status === 429) {
    const retryAfterMs = parseRetryAfterMs(headers['retry-after']);
    init.message = `${init.message}; retry after ${Math.ceil(retryAfterMs / 1000)} s`;
    return new VrRateLimitedError({ ...init, retryAfterMs });
  }
  if (status >= 400 && status < 500) return new VrBadRequestError(init);
  if (status >= 500 && status < 600) return new VrServerError(init);
  return new VrUnexpectedStatusError(init);
}

/** Node / OpenSSL codes that mean "the certificate is not trusted" (a configuration problem, not a hiccup). */
const CERTIFICATE_ERROR_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const NETWORK_DESCRIPTIONS: Record<string, string> = {
  ECONNRESET: 'connection reset by the server',
  ECONNREFUSED: 'connection refused (is the VRMS up and the port right?)',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'temporary DNS failure',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'TCP connection timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'response ended before its announced length',
  UND_ERR_CLOSED: 'the VR client was closed',
  UND_ERR_DESTROYED: 'the VR client was closed',
  UND_ERR_ABORTED: 'request aborted',
};

const errorCodeOf = (error: unknown): string | undefined => {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
};

/** The error for a request that got no usable HTTP answer: timeouts, resets, refused connections, TLS failures. */
export function errorFromTransport(
  context: ExchangeContext,
  error: unknown,
  timeouts: { connectMs: number; headersMs: number; bodyMs: number },
): VrError {
  const code = errorCodeOf(error) ?? 'UNKNOWN';
  const base = { method: context.method, path: context.path, cause: error };
  const where = endpoint(context);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new VrTimeoutError({
      ...base,
      message: `VR timeout on ${where}: no connection within ${timeouts.connectMs} ms (${code})`,
    });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new VrTimeoutError({
      ...base,
      message: `VR timeout on ${where}: no response headers within ${timeouts.headersMs} ms (${code})`,
    });
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    return new VrTimeoutError({
      ...base,
      message: `VR timeout on ${where}: response body stalled for ${timeouts.bodyMs} ms (${code})`,
    });
  }
  if (CERTIFICATE_ERROR_CODES.has(code)) {
    return new VrTlsError({
      ...base,
      message:
        `VR TLS error on ${where}: the server certificate is not trusted (${code}). ` +
        `Set the site's caFile to the PEM CA bundle that issued the VRMS certificate; do not disable verification.`,
    });
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) {
    return new VrTlsError({
      ...base,
      message: `VR TLS error on ${where}: TLS handshake failed (${code}); check http:// versus https:// in the site's baseUrl.`,
    });
  }
  const description = NETWORK_DESCRIPTIONS[code] ?? 'network failure';
  return new VrNetworkError({ ...base, message: `VR network error on ${where}: ${description} (${code})` });
}
