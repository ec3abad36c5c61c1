/**
 * The codec server the Temporal UI (and `temporal --codec-endpoint`) calls to show encrypted payloads to a user who
 * holds the key: `POST .../encode` and `POST .../decode` with `{ payloads: [{ metadata, data }] }`, bytes as base64
 * (the protobuf JSON form). Only the last path segment counts, so it can be mounted under `/{namespace}/`.
 * CORS answers only the UI's origin: any other web page the user opens cannot use the key through this server.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';

/** Origin of the Temporal UI of `temporal server start-dev`. */
export const DEFAULT_UI_ORIGIN = 'http://127.0.0.1:8233';
/** Default port of the codec server. */
export const DEFAULT_CODEC_SERVER_PORT = 8888;
const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Browser origins allowed to call (CORS). Default http://127.0.0.1:8233. */
  uiOrigins?: string[];
  /** When set, POSTs need `Authorization: Bearer <token>`. Default: no token check. */
  token?: string;
  /** Largest request body in bytes. Default 16 MiB. */
  maxBodyBytes?: number;
  /** One line per failed request (never payload contents). Default: none. */
  log?: (line: string) => void;
}

export interface RunningCodecServer {
  /** e.g. http://127.0.0.1:8888 */
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const PayloadsBody = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), Base64).nullish(),
      data: Base64.nullish(),
    }),
  ),
});
type JsonPayload = z.infer<typeof PayloadsBody>['payloads'][number];

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
  ),
  data: Buffer.from(data ?? '', 'base64'),
});

const toJson = ({ metadata, data }: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
  ),
  data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
});

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const normalizeOrigin = (origin: string): string => {
  try {
    return new URL(origin).origin;
  } catch {
    throw new TypeError(`codec server: UI origin is not a URL: ${origin}`);
  }
};

const tokenMatches = (header: string | undefined, token: string): boolean => {
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
};

async function readBody(request: http.IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpProblem(413, `request body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The request handler (for tests or for mounting in another node:http server). */
export function createCodecRequestHandler(options: CodecServerOptions): http.RequestListener {
  const origins = new Set((options.uiOrigins ?? [DEFAULT_UI_ORIGIN]).map(normalizeOrigin));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? (() => undefined);

  const send = (response: http.ServerResponse, status: number, body?: unknown): void => {
    if (body === undefined) {
      response.writeHead(status).end();
      return;
    }
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const origin = request.headers.origin;
    response.setHeader('vary', 'Origin');
    // A request without Origin does not come from a web page (CLI, curl): CORS does not apply to it.
    if (origin !== undefined) {
      if (!origins.has(origin)) throw new HttpProblem(403, `origin ${origin} is not allowed`);
      response.setHeader('access-control-allow-origin', origin);
      response.setHeader('access-control-allow-credentials', 'true');
    }
    const operation = new URL(request.url ?? '/', 'http://codec.invalid').pathname.split('/').pop();
    if (operation !== 'encode' && operation !== 'decode')
      throw new HttpProblem(404, 'use /encode or /decode');
    if (request.method === 'OPTIONS') {
      response.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      response.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      response.setHeader('access-control-max-age', '600');
      send(response, 204);
      return;
    }
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST, OPTIONS');
      throw new HttpProblem(405, 'use POST');
    }
    if (options.token !== undefined && !tokenMatches(request.headers.authorization, options.token))
      throw new HttpProblem(401, 'missing or wrong bearer token');
    let json: unknown;
    try {
      json = JSON.parse(await readBody(request, maxBodyBytes));
    } catch (error) {
      if (error instanceof HttpProblem) throw error;
      throw new HttpProblem(400, 'body is not JSON');
    }
    const parsed = PayloadsBody.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpProblem(
        400,
        `expected { payloads: [{ metadata, data }] }: ${issue?.path.join('.')}: ${issue?.message}`,
      );
    }
    const payloads = parsed.data.payloads.map(fromJson);
    let result: Payload[];
    try {
      result =
        operation === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
    } catch (error) {
      // Codec errors name key ids and rules, never key material or payload contents.
      throw new HttpProblem(
        400,
        `cannot ${operation}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    send(response, 200, { payloads: result.map(toJson) });
  };

  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpProblem ? error.status : 500;
      const message = error instanceof HttpProblem ? error.message : 'internal error';
      log(`${request.method ?? '?'} ${request.url ?? '?'} -> ${status} ${message}`);
      if (!response.headersSent) send(response, status, { error: message });
      else response.end();
      // Drain what the client still sends, so it sees the answer instead of a reset.
      request.resume();
    });
  };
}

/** Starts the codec server on host (default 127.0.0.1) and port (default 8888; 0 = any free port). */
export async function startCodecServer(
  options: CodecServerOptions & { host?: string; port?: number },
): Promise<RunningCodecServer> {
  const server = http.createServer(createCodecRequestHandler(options));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_CODEC_SERVER_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
