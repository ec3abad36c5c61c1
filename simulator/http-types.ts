/** Request/response shapes passed between the server pipeline and the route handlers. */
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiVersion } from '../vr/schemas';

export interface SimRequest {
  method: string;
  /** Path below the base path, e.g. `/pairings/abc`. */
  path: string;
  /** The full request path with query (for list links). */
  url: URL;
  version: ApiVersion;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
  hasBody: boolean;
  clientIp: string;
  params: Record<string, string>;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Thrown by handlers; the server turns it into a ResponseError body. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, errorCode = 'INVALID_REQUEST'): SimHttpError =>
  new SimHttpError(400, errorCode, message);

export const notFound = (what: string, id: string, errorCode: string): SimHttpError =>
  new SimHttpError(404, errorCode, `${what} ${id} not found.`);

/** Parses an optional boolean query parameter; anything but true/false is a 400. */
export function booleanQuery(query: URLSearchParams, name: string, fallback = false): boolean {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw badRequest(`Query parameter '${name}' must be true or false.`, 'INVALID_PARAMETER');
}
