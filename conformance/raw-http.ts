/**
 * Raw HTTP calls to the gateway for the error paths the VrClient cannot easily produce (no session, bad limit,
 * unknown ids, injected faults, rate limiting). Every call is recorded and validated; headers and credentials are
 * never recorded.
 */
import { request } from 'undici';
import type { ApiVersionName } from './openapi';
import type { ExchangeRecorder } from './recorder';

export interface RawCallOptions {
  sessionId?: string;
  /** Basic credentials, sent as `Authorization: Basic ...`. */
  basic?: { username: string; password: string };
  /** JSON-serialised as the request body. */
  body?: unknown;
  /** The request is deliberately malformed: its query and body are not checked against the document. */
  invalidOnPurpose?: boolean;
  /** The status this step is meant to provoke; any other is a scenario issue. */
  expectStatus?: number;
}

export interface RawResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Calls one API version of the gateway over plain undici, recording each exchange. */
export class RawGateway {
  constructor(
    private readonly baseUrl: string,
    private readonly apiVersion: ApiVersionName,
    private readonly recorder: ExchangeRecorder,
  ) {}

  /** `relativePath` is below the base path, e.g. `/pairings?limit=abc`. */
  async call(method: string, relativePath: string, options: RawCallOptions = {}): Promise<RawResult> {
    const path = `/api/rest/vr/${this.apiVersion}${relativePath}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.sessionId !== undefined) headers['x-dr-session'] = options.sessionId;
    if (options.basic) {
      const token = Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64');
      headers.authorization = `Basic ${token}`;
    }
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await request(`${this.baseUrl}${path}`, {
      method: method as 'GET',
      headers,
      body: payload,
    });
    const text = await response.body.text();
    const extraIssues: string[] = [];
    const body = parseBody(text, response.headers['content-type'], extraIssues);
    if (options.expectStatus !== undefined && response.statusCode !== options.expectStatus) {
      extraIssues.push(`scenario expected status ${options.expectStatus}, got ${response.statusCode}`);
    }
    this.recorder.record({
      source: 'raw',
      method,
      path,
      apiVersion: this.apiVersion,
      ...(options.body !== undefined ? { requestBody: options.body } : {}),
      ...(options.invalidOnPurpose ? { invalidOnPurpose: true } : {}),
      status: response.statusCode,
      ...(body !== undefined ? { responseBody: body } : {}),
      extraIssues,
    });
    return { status: response.statusCode, headers: response.headers, body };
  }
}

/** Parses a JSON body; a non-empty body that is not JSON, or not labelled JSON, is an issue. */
function parseBody(text: string, contentType: string | string[] | undefined, issues: string[]): unknown {
  if (text.trim() === '') return undefined;
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  if (!type || !/^application\/json\b/i.test(type)) {
    issues.push(`body has content-type ${type ?? '(none)'}, expected application/json`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    issues.push('body is not valid JSON');
    return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  }
}

/** The simulator's control API under /sim (not part of the VR API: never recorded). */
export async function simulatorControl(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await request(`${baseUrl}/sim${path}`, {
    method: method as 'GET',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) {
    throw new Error(
      `simulator control ${method} /sim${path} answered ${response.statusCode}: ${text.slice(0, 200)}`,
    );
  }
  return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
}
