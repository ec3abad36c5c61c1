/**
 * Hostile answers for the "malformed" fault: wrong field types, missing required fields, truncated JSON, an HTML
 * error page, a huge body, or a redirect to another host. Used to test that the client fails safely and clearly.
 */
import type { MalformedMode } from './faults';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Bytes to send, or a generator of chunks (huge bodies are streamed, never held in memory). */
  body?: Buffer | (() => Generator<Buffer>);
}

const REQUIRED_FIELDS = [
  'id',
  'status',
  'session_id',
  'list',
  'count',
  'last_sync_time',
  'pairing_id',
  'compliant',
  'timestamp',
];

function breakTypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(breakTypes);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'list' || key === '_meta') copy[key] = key === 'list' ? breakTypes(field) : field;
    else if (typeof field === 'string') copy[key] = 12345;
    else if (typeof field === 'number') copy[key] = String(field);
    else if (typeof field === 'boolean') copy[key] = field ? 'yes' : 'no';
    else copy[key] = field;
  }
  return copy;
}

function dropRequired(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropRequired);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  let dropped = false;
  for (const field of REQUIRED_FIELDS) {
    if (field === 'list' && Array.isArray(copy['list']) && (copy['list'] as unknown[]).length > 0) {
      copy['list'] = (copy['list'] as unknown[]).map(dropRequired);
      dropped = true;
      continue;
    }
    if (field in copy) {
      delete copy[field];
      dropped = true;
    }
  }
  if (!dropped) {
    const first = Object.keys(copy)[0];
    if (first !== undefined) delete copy[first];
  }
  return copy;
}

const json = (status: number, value: unknown): RawResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(value)),
});

export function malformedResponse(
  mode: MalformedMode,
  original: { status: number; body?: unknown },
  options: { status?: number; bytes?: number; location?: string; path: string },
): RawResponse {
  const body = original.body ?? { id: 'unexpected' };
  switch (mode) {
    case 'wrong-types':
      return json(original.status === 204 ? 200 : original.status, breakTypes(body));
    case 'missing-field':
      return json(original.status === 204 ? 200 : original.status, dropRequired(body));
    case 'truncated-json': {
      const text = JSON.stringify(body);
      return {
        status: original.status === 204 ? 200 : original.status,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(text.slice(0, Math.max(1, Math.floor(text.length / 2)))),
      };
    }
    case 'html':
      return {
        status: options.status ?? 502,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: Buffer.from(
          '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>' +
            '<p>The proxy server received an invalid response from an upstream server.</p></body></html>',
        ),
      };
    case 'huge-body': {
      const total = options.bytes ?? 48 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const prefix = Buffer.from('{"list":[],"padding":"');
      const suffix = Buffer.from('"}');
      return {
        status: 200,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Math.max(total, prefix.length + suffix.length)),
        },
        body: function* () {
          yield prefix;
          let remaining = Math.max(0, total - prefix.length - suffix.length);
          while (remaining > 0) {
            const size = Math.min(remaining, chunk.length);
            yield size === chunk.length ? chunk : chunk.subarray(0, size);
            remaining -= size;
          }
          yield suffix;
        },
      };
    }
    case 'redirect':
      return {
        status: options.status ?? 302,
        headers: {
          location: options.location ?? `http://redirect.invalid${options.path}`,
          'content-type': 'text/plain',
        },
        body: Buffer.from('Found'),
      };
  }
}
