/**
 * The client against small node:http servers that misbehave on purpose (no simulator needed): resets, timeouts,
 * wrong shapes, HTML pages, truncated and oversized bodies, redirects, rate limits, and secret hygiene.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  collect,
  VrClient,
  VrNetworkError,
  VrNotFoundError,
  VrRateLimitedError,
  VrRequestValidationError,
  VrResponseTooLargeError,
  VrSchemaError,
  VrServerError,
  VrTimeoutError,
  VrUnauthorizedError,
  VrUnexpectedStatusError,
  type ConfigureReplicationSpec,
  type VrClientOptions,
  type VrError,
  type VrExchange,
  type VrLogger,
} from '../../vr';
import { sendJson, sendText, startLocalServer, type Handler, type LocalServer } from './local-server';

const PASSWORD = 'Sup3r-Secret-Pw!';
const REMOTE_PASSWORD = 'R3mote-Secret-Pw!';
const SESSION_ID = 'sess-7f3c9a2e-secret';
const BASIC = Buffer.from(`admin@vsphere.local:${PASSWORD}`).toString('base64');
const REMOTE_BASIC = Buffer.from(`admin@recovery.local:${REMOTE_PASSWORD}`).toString('base64');
const credentials = { username: 'admin@vsphere.local', password: PASSWORD };

const pairing = { pairing_id: 'p1', local_vc_server: { id: 'vc1' }, remote_vc_server: { id: 'vc2' } };
const task = { id: 'task-1', status: 'QUEUED' };
const spec: ConfigureReplicationSpec = {
  rpo: 60,
  network_compression_enabled: false,
  mpit_enabled: false,
  auto_replicate_new_disks: true,
  lwd_encryption_enabled: false,
  disks: [
    {
      vm_disk: { vm_id: 'vm-1' },
      enabled_for_replication: true,
      destination_datastore_id: 'ds-1',
      destination_disk_format: 'SAME_AS_SOURCE',
    },
  ],
  target_vc_id: 'vc2',
  vm_id: 'vm-1',
};

const routes = new Map<string, Handler>();
let server: LocalServer;
const clients: VrClient[] = [];

const client = (options: Partial<VrClientOptions> = {}): VrClient => {
  const created = new VrClient({ baseUrl: server.url, pacing: false, ...options });
  clients.push(created);
  return created;
};

/** Runs `action`, expecting a VrError of `errorClass`; returns it. */
async function failure<E extends VrError>(
  action: () => Promise<unknown>,
  errorClass: new (...args: never[]) => E,
): Promise<E> {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${inspect(error)}`);
    return error;
  }
  assert.fail(`expected ${errorClass.name}`);
}

/** Every way an error can be printed must be free of our secrets. */
const assertNoSecrets = (error: unknown): void => {
  const renderings = [
    String(error),
    (error as Error).stack ?? '',
    JSON.stringify(error),
    inspect(error, { depth: 10 }),
    JSON.stringify((error as VrError).vrMessage ?? ''),
  ];
  for (const text of renderings) {
    for (const secret of [PASSWORD, REMOTE_PASSWORD, SESSION_ID, BASIC, REMOTE_BASIC]) {
      assert.ok(!text.includes(secret), `secret ${secret.slice(0, 4)}... leaked in: ${text}`);
    }
  }
};

const route = (path: string, handler: Handler): void => {
  routes.set(path, handler);
};

before(async () => {
  server = await startLocalServer((request, response, raw) => {
    const path = request.url.split('?')[0] ?? '';
    const handler = routes.get(`${request.method} ${path}`);
    if (handler) handler(request, response, raw);
    else sendJson(response, 404, { error_code: 'NO_ROUTE', message: `no route ${request.method} ${path}` });
  });
});

after(async () => {
  await Promise.all(clients.map((created) => created.close()));
  await server.close();
});

void describe('happy path and request shape', () => {
  void test('login sends Basic auth; session calls send x-dr-session; v1 uses its base path', async () => {
    route('POST /api/rest/vr/v2/session', (_, response) =>
      sendJson(response, 200, { session_id: SESSION_ID }),
    );
    route('GET /api/rest/vr/v2/session', (_, response) => sendJson(response, 200, { username: 'admin' }));
    route('GET /api/rest/vr/v1/session', (_, response) => sendJson(response, 200, { username: 'v1-admin' }));
    route('DELETE /api/rest/vr/v2/session', (_, response) => response.writeHead(204).end());
    const vr = client();
    const sessionId = await vr.login(credentials);
    assert.equal(sessionId, SESSION_ID);
    const seenLogin = server.requests.at(-1);
    assert.equal(seenLogin?.headers.authorization, `Basic ${BASIC}`);
    assert.equal(seenLogin?.headers['x-dr-session'], undefined);
    const session = vr.session(sessionId);
    assert.deepEqual(await session.getSession(), { username: 'admin' });
    assert.equal(server.requests.at(-1)?.headers['x-dr-session'], SESSION_ID);
    assert.equal(server.requests.at(-1)?.headers.authorization, undefined);
    await session.logout();
    assert.equal(server.requests.at(-1)?.method, 'DELETE');
    assert.deepEqual(await client({ apiVersion: 'v1' }).session(SESSION_ID).getSession(), {
      username: 'v1-admin',
    });
  });

  void test('remote login sends both headers', async () => {
    route('POST /api/rest/vr/v2/pairings/p1/remote-session', (_, response) => response.writeHead(204).end());
    await client()
      .session(SESSION_ID)
      .remoteLogin('p1', { username: 'admin@recovery.local', password: REMOTE_PASSWORD });
    const seen = server.requests.at(-1);
    assert.equal(seen?.headers.authorization, `Basic ${REMOTE_BASIC}`);
    assert.equal(seen?.headers['x-dr-session'], SESSION_ID);
  });

  void test('list query: filter_property, repeated filter, sort_by, order_by, flags, limit, offset', async () => {
    route('GET /api/rest/vr/v2/pairings/p%201/vcenters/vc1/vms', (request, response) => {
      const offset = Number(new URL(request.url, 'http://x').searchParams.get('offset'));
      const list = offset === 0 ? [{ id: 'vm-1', name: 'a' }] : [];
      sendJson(response, 200, { list, _meta: { total: 1, offset, limit: 5 } });
    });
    const vms = await collect(
      client()
        .session(SESSION_ID)
        .listVms('p 1', 'vc1', {
          filterProperty: 'name',
          filter: ['web-1', 'db &x'],
          sortBy: 'name',
          orderBy: 'desc',
          pageSize: 5,
          suitableForReplication: true,
        }),
    );
    assert.deepEqual(vms, [{ id: 'vm-1', name: 'a' }]);
    const url = new URL(server.requests.at(-1)?.url ?? '', 'http://x');
    assert.equal(url.pathname, '/api/rest/vr/v2/pairings/p%201/vcenters/vc1/vms');
    assert.deepEqual(url.searchParams.getAll('filter'), ['web-1', 'db &x']);
    assert.equal(url.searchParams.get('filter_property'), 'name');
    assert.equal(url.searchParams.get('sort_by'), 'name');
    assert.equal(url.searchParams.get('order_by'), 'desc');
    assert.equal(url.searchParams.get('suitable_for_replication'), 'true');
    assert.equal(url.searchParams.get('limit'), '5');
    assert.equal(url.searchParams.get('offset'), '0');
  });

  void test('configure validates specs before sending; valid specs are POSTed as an array', async () => {
    route('POST /api/rest/vr/v2/pairings/p1/replications', (_, response) =>
      sendJson(response, 202, { list: [task], _meta: { total: 1 } }),
    );
    const session = client().session(SESSION_ID);
    const before = server.requests.length;
    const invalid = { ...spec, rpo: 1, disks: [{ ...spec.disks[0], destination_datastore_id: '' }] };
    const error = await failure(
      () => session.configureReplications('p1', [invalid as ConfigureReplicationSpec]),
      VrRequestValidationError,
    );
    assert.equal(error.retryable, false);
    assert.match(error.message, /\[0\]\.rpo/);
    assert.match(error.message, /\[0\]\.disks\[0\]\.destination_datastore_id/);
    await failure(() => session.configureReplications('p1', []), VrRequestValidationError);
    await failure(
      () =>
        session.configureReplications(
          'p1',
          Array.from({ length: 21 }, () => spec),
        ),
      VrRequestValidationError,
    );
    assert.equal(server.requests.length, before, 'nothing was sent');
    assert.deepEqual(await session.configureReplications('p1', [spec]), [task]);
    assert.deepEqual(JSON.parse(server.requests.at(-1)?.body ?? ''), [spec]);
  });

  void test('onExchange sees template, path, status and masked bodies; never headers', async () => {
    route('POST /api/rest/vr/v2/session', (_, response) =>
      sendJson(response, 200, { session_id: SESSION_ID }),
    );
    route('POST /api/rest/vr/v2/pairings', (_, response) => sendJson(response, 202, task));
    const exchanges: VrExchange[] = [];
    const vr = client({ onExchange: (exchange) => exchanges.push(exchange) });
    await vr.login(credentials);
    await vr
      .session(SESSION_ID)
      .createPairing({ pair_vc_id: 'vc2', pair_psc_info: { url: 'psc', password: PASSWORD } });
    assert.equal(exchanges.length, 2);
    assert.equal(exchanges[0]?.pathTemplate, '/session');
    assert.equal(exchanges[1]?.pathTemplate, '/pairings');
    assert.equal(exchanges[1]?.path, '/api/rest/vr/v2/pairings');
    assert.equal(exchanges[1]?.status, 202);
    assert.deepEqual(exchanges[1]?.responseBody, task);
    assert.ok(!JSON.stringify(exchanges).includes(PASSWORD));
    assert.ok(!JSON.stringify(exchanges).includes(SESSION_ID));
    assert.ok(!JSON.stringify(exchanges).includes(BASIC));
  });
});

void describe('failures become typed errors', () => {
  void test('connection reset -> VrNetworkError, retryable', async () => {
    route('GET /api/rest/vr/v2/pairings/reset', (_, _response, raw) => raw.socket.destroy());
    const error = await failure(() => client().session(SESSION_ID).getPairing('reset'), VrNetworkError);
    assert.equal(error.code, 'VR_NETWORK_ERROR');
    assert.equal(error.retryable, true);
    assert.match(error.message, /GET \/api\/rest\/vr\/v2\/pairings\/reset/);
  });

  void test('headers timeout -> VrTimeoutError, retryable', async () => {
    route('GET /api/rest/vr/v2/pairings/silent', () => undefined); // never answers
    const started = Date.now();
    const error = await failure(
      () =>
        client({ timeouts: { headersMs: 200 } })
          .session(SESSION_ID)
          .getPairing('silent'),
      VrTimeoutError,
    );
    assert.ok(Date.now() - started < 5_000);
    assert.equal(error.code, 'VR_TIMEOUT');
    assert.equal(error.retryable, true);
    assert.match(error.message, /200 ms/);
  });

  void test('body cut off before its content-length -> VrNetworkError', async () => {
    route('GET /api/rest/vr/v2/pairings/cut', (_, response, raw) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      response.write('{"pairing_id":"p1",');
      setTimeout(() => raw.socket.destroy(), 20);
    });
    const error = await failure(() => client().session(SESSION_ID).getPairing('cut'), VrNetworkError);
    assert.equal(error.retryable, true);
  });

  void test('schema mismatch names the endpoint and the field path; non-retryable', async () => {
    route('GET /api/rest/vr/v2/pairings/p1', (_, response) =>
      sendJson(response, 200, { ...pairing, pairing_id: 5 }),
    );
    route('GET /api/rest/vr/v2/pairings', (_, response) =>
      sendJson(response, 200, {
        list: [pairing, { ...pairing, remote_vc_server: { id: 7 } }],
        _meta: { total: 2 },
      }),
    );
    const session = client().session(SESSION_ID);
    const single = await failure(() => session.getPairing('p1'), VrSchemaError);
    assert.equal(single.retryable, false);
    assert.equal(single.code, 'VR_SCHEMA_MISMATCH');
    assert.match(single.message, /GET \/api\/rest\/vr\/v2\/pairings\/p1/);
    assert.match(single.message, /pairing_id/);
    assert.deepEqual(
      single.issues.map((issue) => issue.split(':')[0]),
      ['pairing_id'],
    );
    const list = await failure(() => collect(session.listPairings()), VrSchemaError);
    assert.match(list.message, /list\[1\]\.remote_vc_server\.id/);
  });

  void test('HTML pages: 200 -> VrSchemaError; 404 -> VrNotFoundError; 503 -> VrServerError', async () => {
    const html = '<!DOCTYPE html><html><body><h1>Proxy says hi</h1></body></html>';
    route('GET /api/rest/vr/v2/tasks/html200', (_, response) => sendText(response, 200, html));
    route('GET /api/rest/vr/v2/tasks/html404', (_, response) => sendText(response, 404, html));
    route('GET /api/rest/vr/v2/tasks/html503', (_, response) => sendText(response, 503, html));
    route('GET /api/rest/vr/v2/tasks/empty500', (_, response) => response.writeHead(500).end());
    const session = client().session(SESSION_ID);
    const schema = await failure(() => session.getTask('html200'), VrSchemaError);
    assert.match(schema.message, /HTML/);
    assert.ok(!schema.message.includes('Proxy says hi'), 'body content is not quoted');
    const notFound = await failure(() => session.getTask('html404'), VrNotFoundError);
    assert.equal(notFound.vrErrorCode, undefined);
    const unavailable = await failure(() => session.getTask('html503'), VrServerError);
    assert.equal(unavailable.retryable, true);
    const empty = await failure(() => session.getTask('empty500'), VrServerError);
    assert.equal(empty.status, 500);
  });

  void test('truncated JSON (well framed) -> VrSchemaError', async () => {
    route('GET /api/rest/vr/v2/tasks', (_, response) =>
      sendText(response, 200, '{"list":[{"id":"t1","sta', 'application/json'),
    );
    const error = await failure(() => collect(client().session(SESSION_ID).listTasks()), VrSchemaError);
    assert.match(error.message, /truncated or malformed JSON/);
    assert.equal(error.retryable, false);
  });

  void test('too large bodies -> VrResponseTooLargeError (a VrSchemaError), announced or streamed', async () => {
    const big = JSON.stringify({
      list: Array.from({ length: 200 }, (_, index) => ({ id: `t${index}`, status: 'SUCCESS' })),
    });
    route('GET /api/rest/vr/v2/tasks/announced', (_, response) =>
      sendText(response, 200, big, 'application/json'),
    );
    route('GET /api/rest/vr/v2/tasks/streamed', (_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }); // chunked, no length
      response.end(big);
    });
    route('GET /api/rest/vr/v2/tasks/big500', (_, response) =>
      sendText(response, 500, big, 'application/json'),
    );
    const session = client({ maxResponseBytes: 1000 }).session(SESSION_ID);
    for (const id of ['announced', 'streamed']) {
      const error = await failure(() => session.getTask(id), VrResponseTooLargeError);
      assert.ok(error instanceof VrSchemaError);
      assert.equal(error.retryable, false);
    }
    // For an error status the status class wins.
    await failure(() => session.getTask('big500'), VrServerError);
  });

  void test('3xx is not followed -> VrUnexpectedStatusError naming the Location host', async () => {
    route('GET /api/rest/vr/v2/tasks/moved', (_, response) =>
      response.writeHead(302, { location: 'https://sso.corp.example:7444/websso?session=abc' }).end(),
    );
    const error = await failure(() => client().session(SESSION_ID).getTask('moved'), VrUnexpectedStatusError);
    assert.equal(error.retryable, false);
    assert.match(error.message, /sso\.corp\.example:7444/);
    assert.equal(server.requests.filter((request) => request.url.startsWith('/websso')).length, 0);
  });

  void test('429 + Retry-After -> VrRateLimitedError with retryAfterMs', async () => {
    route('GET /api/rest/vr/v2/tasks/limited', (_, response) =>
      sendJson(
        response,
        429,
        { error_code: 'TOO_MANY_REQUESTS', message: 'slow down' },
        { 'retry-after': '17' },
      ),
    );
    const error = await failure(() => client().session(SESSION_ID).getTask('limited'), VrRateLimitedError);
    assert.equal(error.retryAfterMs, 17_000);
    assert.equal(error.retryable, true);
    assert.equal(error.vrErrorCode, 'TOO_MANY_REQUESTS');
  });

  void test('500 with VR error body keeps error_code and op_id', async () => {
    route('GET /api/rest/vr/v2/tasks/boom', (_, response) =>
      sendJson(response, 500, { error_code: 'INTERNAL', message: 'VRMS fell over', op_id: 'op-42' }),
    );
    const error = await failure(() => client().session(SESSION_ID).getTask('boom'), VrServerError);
    assert.equal(error.opId, 'op-42');
    assert.equal(
      error.message,
      'VR 500 Internal Server Error on GET /api/rest/vr/v2/tasks/boom: INTERNAL: VRMS fell over (op_id op-42)',
    );
  });
});

void describe('secrets never leak', () => {
  void test('a server echoing credentials and session ids in its error bodies', async () => {
    // Echoes whatever the request carried: the Basic header, its decoded user:password, the session id.
    const echo: Handler = (request, response) => {
      const authorization = request.headers.authorization ?? '';
      const decoded = Buffer.from(authorization.replace('Basic ', ''), 'base64').toString('utf8');
      sendJson(response, 401, {
        error_code: 'UNAUTHORIZED',
        message: `bad auth ${authorization} (${decoded}) session=${request.headers['x-dr-session']} raw ${authorization.slice(6)}`,
      });
    };
    route('POST /api/rest/vr/v2/session', echo);
    route('POST /api/rest/vr/v2/pairings/p1/remote-session', echo);
    route('GET /api/rest/vr/v2/pairings/p1', echo);
    const exchanges: VrExchange[] = [];
    const vr = client({ onExchange: (exchange) => exchanges.push(exchange) });
    assertNoSecrets(await failure(() => vr.login(credentials), VrUnauthorizedError));
    const session = vr.session(SESSION_ID);
    assertNoSecrets(
      await failure(
        () => session.remoteLogin('p1', { username: 'admin@recovery.local', password: REMOTE_PASSWORD }),
        VrUnauthorizedError,
      ),
    );
    assertNoSecrets(await failure(() => session.getPairing('p1'), VrUnauthorizedError));
    assert.equal(exchanges.length, 3);
    assertNoSecrets(exchanges.map((exchange) => exchange.responseBody));
  });

  void test('malformed login answers: schema errors never quote the session id', async () => {
    route('POST /api/rest/vr/v2/session', (_, response) =>
      sendText(response, 200, `{"session_id":"${SESSION_ID}`, 'application/json'),
    );
    assertNoSecrets(await failure(() => client().login(credentials), VrSchemaError));
    route('POST /api/rest/vr/v2/session', (_, response) =>
      sendJson(response, 200, { session_id: 42, echo: SESSION_ID }),
    );
    assertNoSecrets(await failure(() => client().login(credentials), VrSchemaError));
  });

  void test('network errors and request validation errors of secret-bearing calls', async () => {
    route('POST /api/rest/vr/v2/session', (_, _response, raw) => raw.socket.destroy());
    assertNoSecrets(await failure(() => client().login(credentials), VrNetworkError));
    const invalidPairing = { pair_vc_id: '', pair_psc_info: { password: PASSWORD } };
    assertNoSecrets(
      await failure(
        () => client().session(SESSION_ID).createPairing(invalidPairing),
        VrRequestValidationError,
      ),
    );
    assertNoSecrets(
      await failure(() => client().login({ username: 'a:b', password: PASSWORD }), VrRequestValidationError),
    );
  });

  void test('logs never receive secrets', async () => {
    const lines: string[] = [];
    const log = (message: string, fields?: Record<string, unknown>): void => {
      lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
    };
    const logger: VrLogger = { debug: log, info: log, warn: log, error: log };
    route('POST /api/rest/vr/v2/session', (_, response) =>
      sendJson(response, 200, { session_id: SESSION_ID }),
    );
    route('GET /api/rest/vr/v2/session', (_, response) =>
      sendJson(response, 401, { message: `unknown ${SESSION_ID}` }),
    );
    const vr = client({ logger, insecureSkipVerify: true, pacing: { perClientPerMinute: 1, windowMs: 50 } });
    const sessionId = await vr.login(credentials);
    await failure(() => vr.session(sessionId).getSession(), VrUnauthorizedError);
    assert.ok(lines.some((line) => line.includes('insecureSkipVerify')));
    assert.ok(lines.some((line) => line.startsWith('pacer: waiting')));
    const all = lines.join('\n');
    for (const secret of [PASSWORD, SESSION_ID, BASIC])
      assert.ok(!all.includes(secret), `log leaked ${secret}`);
  });
});

void describe('configuration', () => {
  void test('baseUrl must be an origin without credentials or path', () => {
    assert.throws(() => new VrClient({ baseUrl: 'vrms.example.com' }), /not a URL/);
    assert.throws(() => new VrClient({ baseUrl: 'ftp://vrms' }), /http/);
    assert.throws(() => new VrClient({ baseUrl: `https://admin:${PASSWORD}@vrms` }), /credentials/);
    assert.throws(() => new VrClient({ baseUrl: 'https://vrms/api/rest/vr/v2' }), /no path/);
    const ok = new VrClient({ baseUrl: 'https://vrms.example.com:8443/' });
    assert.equal(ok.baseUrl, 'https://vrms.example.com:8443');
    assert.equal(ok.apiVersion, 'v2');
    clients.push(ok);
  });

  void test('insecureSkipVerify warns on every client creation', () => {
    const warnings: string[] = [];
    const logger: VrLogger = {
      debug: () => {},
      info: () => {},
      error: () => {},
      warn: (message) => warnings.push(message),
    };
    clients.push(new VrClient({ baseUrl: server.url, insecureSkipVerify: true, logger }));
    clients.push(new VrClient({ baseUrl: server.url, insecureSkipVerify: true, logger }));
    clients.push(new VrClient({ baseUrl: server.url, logger }));
    assert.equal(warnings.length, 2);
  });
});
