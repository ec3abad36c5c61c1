/**
 * The HTTP(S) front: reads the request, applies the rate limiter and faults, authenticates the session, runs the
 * route handler and writes the answer (possibly slowed down or malformed). /sim control paths bypass all of it.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { ResponseError } from '../vr/schemas';
import { handleControl } from './control';
import type { FaultPlan, TerminalFault } from './faults';
import { SimHttpError, type SimRequest, type SimResponse } from './http-types';
import { malformedResponse, type RawResponse } from './malformed';
import { matchRoute, type Route } from './router';
import { inventoryRoutes } from './routes-inventory';
import { pairingRoutes } from './routes-pairings';
import { replicationRoutes } from './routes-replications';
import { sessionRoutes } from './routes-session';
import { taskRoutes } from './routes-tasks';
import type { SimulatorState } from './state';

const ROUTES: Route[] = [
  ...sessionRoutes,
  ...pairingRoutes,
  ...inventoryRoutes,
  ...replicationRoutes,
  ...taskRoutes,
];
const BASE_PATH = /^\/api\/rest\/vr\/(v1|v2)(\/.*)?$/;
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface SimServer {
  server: http.Server;
  close(): Promise<void>;
}

export function createSimServer(state: SimulatorState, tls?: { key: string; cert: string }): SimServer {
  const sockets = new Set<Socket>();
  const abort = new AbortController();
  const listener = (request: http.IncomingMessage, response: http.ServerResponse) => {
    handle(state, request, response, abort.signal).catch((error: unknown) => {
      if (!response.headersSent && !response.destroyed) {
        writeRaw(response, errorResponse(500, 'INTERNAL_ERROR', describe(error)), 0, abort.signal).catch(
          () => undefined,
        );
      } else {
        response.destroy();
      }
    });
  };
  const server = tls
    ? https.createServer({ key: tls.key, cert: tls.cert }, listener)
    : http.createServer(listener);
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        abort.abort();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections?.();
      }),
  };
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function errorResponse(
  status: number,
  errorCode: string,
  message: string,
  headers: Record<string, string> = {},
): RawResponse {
  const body: ResponseError = { error_code: errorCode, message, op_id: randomUUID() };
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

function toRaw(response: SimResponse): RawResponse {
  if (response.status === 204 || response.body === undefined)
    return { status: response.status, headers: { ...response.headers } };
  return {
    status: response.status,
    headers: { 'content-type': 'application/json', ...response.headers },
    body: Buffer.from(JSON.stringify(response.body)),
  };
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  if (milliseconds <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, milliseconds);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SimHttpError(400, 'REQUEST_TOO_LARGE', 'The request body is too large.'));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SimHttpError(400, 'INVALID_REQUEST_BODY', 'The request body is not valid JSON.');
  }
}

const clientIpOf = (request: http.IncomingMessage): string =>
  (request.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');

async function handle(
  state: SimulatorState,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const method = (request.method ?? 'GET').toUpperCase();
  const url = new URL(request.url ?? '/', 'http://simulator.invalid');
  let rawBody: Buffer;
  try {
    rawBody = await readBody(request);
  } catch (error) {
    const failure =
      error instanceof SimHttpError ? error : new SimHttpError(400, 'INVALID_REQUEST', describe(error));
    await writeRaw(response, errorResponse(failure.status, failure.errorCode, failure.message), 0, signal);
    return;
  }
  if (url.pathname === '/sim' || url.pathname.startsWith('/sim/')) {
    state.tasks.settle();
    let raw: RawResponse;
    try {
      raw = toRaw(handleControl(state, method, url.pathname.slice(4), parseJson(rawBody)));
    } catch (error) {
      raw =
        error instanceof SimHttpError
          ? errorResponse(error.status, error.errorCode, error.message)
          : errorResponse(500, 'INTERNAL_ERROR', describe(error));
    }
    await writeRaw(response, raw, 0, signal);
    return;
  }
  const base = BASE_PATH.exec(url.pathname);
  const sessionHeader = request.headers['x-dr-session'];
  const sessionId = Array.isArray(sessionHeader) ? sessionHeader[0] : sessionHeader;
  const match = base ? matchRoute(ROUTES, method, base[2] ?? '/') : ({ kind: 'not-found' } as const);
  const template =
    match.kind === 'found'
      ? match.route.template
      : match.kind === 'method-not-allowed'
        ? match.template
        : 'UNMATCHED';
  const endpoint = `${method} ${template}`;
  const finish = async (raw: RawResponse | 'reset', plan?: FaultPlan) => {
    state.stats.recordRequest(endpoint, raw === 'reset' ? 'reset' : raw.status);
    if (raw === 'reset') {
      request.socket.destroy();
      return;
    }
    await sleep(plan?.slowHeadersMs ?? 0, signal);
    await writeRaw(response, raw, plan?.slowBodyMs ?? 0, signal);
  };

  const decision = state.rateLimiter.check(clientIpOf(request), sessionId);
  if (!decision.allowed) {
    const seconds = String(decision.retryAfterSeconds ?? 60);
    await finish(
      errorResponse(
        429,
        'TOO_MANY_REQUESTS',
        `Request rate limit per ${decision.scope ?? 'client'} exceeded; retry after ${seconds} s.`,
        {
          'retry-after': seconds,
        },
      ),
    );
    return;
  }
  if (!base || match.kind === 'not-found') {
    await finish(errorResponse(404, 'NOT_FOUND', `No such endpoint: ${method} ${url.pathname}`));
    return;
  }
  if (match.kind === 'method-not-allowed') {
    await finish(errorResponse(405, 'METHOD_NOT_ALLOWED', `Method ${method} is not allowed on ${template}.`));
    return;
  }
  state.tasks.settle();
  const plan = state.faults.plan(method, template);
  await sleep(plan.latencyMs, signal);
  if (plan.before) {
    await finish(terminalResponse(plan.before), plan);
    return;
  }
  let result: SimResponse;
  try {
    const simRequest: SimRequest = {
      method,
      path: base[2] ?? '/',
      url,
      version: base[1] === 'v1' ? 'v1' : 'v2',
      query: url.searchParams,
      headers: request.headers,
      body: parseJson(rawBody),
      hasBody: rawBody.length > 0,
      clientIp: clientIpOf(request),
      params: match.params,
    };
    const session = match.route.auth === 'session' ? state.sessions.touch(sessionId) : undefined;
    if (match.route.auth === 'session' && !session) {
      // The document declares no 401 for GET /session (only 200/400/500): that one answers 400.
      throw new SimHttpError(
        match.route.method === 'GET' && match.route.template === '/session' ? 400 : 401,
        'NOT_AUTHENTICATED',
        'The session is missing, unknown or expired; log in with POST /session.',
      );
    }
    result = await match.route.handler({
      state,
      request: simRequest,
      session: session as NonNullable<typeof session>,
    });
  } catch (error) {
    const failure =
      error instanceof SimHttpError
        ? error
        : new SimHttpError(500, 'INTERNAL_ERROR', `Unexpected error: ${describe(error)}`);
    await finish(errorResponse(failure.status, failure.errorCode, failure.message, failure.headers), plan);
    return;
  }
  if (plan.after) {
    const raw =
      plan.after.kind === 'malformed'
        ? malformedResponse(plan.after.mode, result, { ...plan.after, path: url.pathname + url.search })
        : terminalResponse(plan.after);
    await finish(raw, plan);
    return;
  }
  await finish(toRaw(result), plan);
}

function terminalResponse(fault: TerminalFault): RawResponse | 'reset' {
  if (fault.kind === 'reset') return 'reset';
  if (fault.kind === 'error') return errorResponse(fault.status, fault.errorCode, fault.message);
  return errorResponse(500, 'INTERNAL_ERROR', 'Malformed fault without a response.');
}

async function writeRaw(
  response: http.ServerResponse,
  raw: RawResponse,
  slowBodyMs: number,
  signal: AbortSignal,
): Promise<void> {
  if (response.destroyed) return;
  const headers: Record<string, string> = { ...raw.headers };
  if (Buffer.isBuffer(raw.body)) headers['content-length'] = String(raw.body.length);
  else if (raw.body === undefined && raw.status !== 204 && raw.status !== 304)
    headers['content-length'] = '0';
  response.writeHead(raw.status, headers);
  if (raw.body === undefined) {
    response.end();
    return;
  }
  if (typeof raw.body === 'function') {
    for (const chunk of raw.body()) {
      if (response.destroyed || signal.aborted) return;
      if (!response.write(chunk)) {
        await new Promise<void>((resolve) => {
          response.once('drain', resolve);
          response.once('close', resolve);
        });
      }
    }
    response.end();
    return;
  }
  if (slowBodyMs <= 0 || raw.body.length < 2) {
    response.end(raw.body);
    return;
  }
  // Trickle the body in ten pieces spread over slowBodyMs.
  const pieces = Math.min(10, raw.body.length);
  const size = Math.ceil(raw.body.length / pieces);
  for (let offset = 0; offset < raw.body.length; offset += size) {
    if (response.destroyed || signal.aborted) return;
    response.write(raw.body.subarray(offset, offset + size));
    await sleep(slowBodyMs / pieces, signal);
  }
  response.end();
}
