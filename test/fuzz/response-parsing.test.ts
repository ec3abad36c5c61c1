/**
 * Property: whatever JSON a VR gateway answers, the client's response handling never crashes, and either returns a
 * parsed value or throws a typed VrError that names the endpoint; a planted secret (the request's own password or
 * session id, or any value in a 2xx body) never appears in the error. Runs over real HTTP against a local server
 * that answers each request with the generated body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { collect, VrClient, VrError, VrSchemaError } from '../../vr';
import { sendJson, startLocalServer, type LocalServer } from '../vr/local-server';

const PASSWORD = 'Fuzz-Password-9f3e';
const SESSION = 'fuzz-session-2b7c41d0';
const PLANTED = 'planted-secret-77aa';

let answer: { status: number; body: unknown } = { status: 200, body: {} };
let server: LocalServer;
let client: VrClient;
before(async () => {
  server = await startLocalServer((_request, response) => sendJson(response, answer.status, answer.body));
  client = new VrClient({ baseUrl: server.url, pacing: false });
});
after(async () => {
  await client?.close();
  await server?.close();
});

const OPERATIONS = {
  login: {
    path: 'POST /api/rest/vr/v2/session',
    run: () => client.login({ username: 'u', password: PASSWORD }),
  },
  listPairings: {
    path: 'GET /api/rest/vr/v2/pairings',
    run: () => collect(client.session(SESSION).listPairings()),
  },
  getTask: { path: 'GET /api/rest/vr/v2/tasks/task-1', run: () => client.session(SESSION).getTask('task-1') },
  getReplication: {
    path: 'GET /api/rest/vr/v2/pairings/p-1/replications/r-1',
    run: () => client.session(SESSION).getReplication('p-1', 'r-1'),
  },
  listVms: {
    path: 'GET /api/rest/vr/v2/pairings/p-1/vcenters/vc-1/vms',
    run: () => collect(client.session(SESSION).listVms('p-1', 'vc-1')),
  },
} as const;
type Operation = keyof typeof OPERATIONS;

/** Puts `secret` somewhere in `value`: as a new key's value of an object, an array item, or the value itself. */
function plant(value: unknown, secret: string, where: number): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || where % 3 === 0) return [...value, secret];
    const index = where % value.length;
    return value.map((item, position) =>
      position === index ? plant(item, secret, Math.floor(where / 3)) : item,
    );
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0 || where % 3 === 0)
      return { ...(value as object), [['session_id', 'message', 'name', 'id'][where % 4]!]: secret };
    const key = keys[where % keys.length]!;
    return {
      ...(value as object),
      [key]: plant((value as Record<string, unknown>)[key], secret, Math.floor(where / 3)),
    };
  }
  return secret;
}

/** Near-valid bodies: list envelopes and objects with VR field names, so parsing gets past the first check. */
const vrish = fc.dictionary(
  fc.constantFrom(
    'id',
    'session_id',
    'status',
    'list',
    'count',
    'name',
    'pairing_id',
    'vm_id',
    'progress',
    'error',
  ),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 6 },
);
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  vrish,
  fc.record({ list: fc.array(vrish, { maxLength: 4 }), _meta: fc.jsonValue({ maxDepth: 1 }) }),
);
const status = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(200, 202) },
  { weight: 1, arbitrary: fc.constantFrom(400, 401, 403, 404, 409, 429, 500, 501, 503) },
);

describe('response parsing (property)', () => {
  test('arbitrary JSON: parsed, or a typed VrError naming the endpoint; no planted secret leaks', async () => {
    const outcomes = { parsed: 0, schemaErrors: 0, otherErrors: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(OPERATIONS) as Operation[])),
        status,
        body,
        fc.nat(),
        async (operation, code, value, where) => {
          const own = operation === 'login' ? PASSWORD : SESSION;
          // Error answers may legitimately carry VR's own message; only the request's own secrets must go.
          const secrets = code < 300 ? [PLANTED, own] : [own];
          answer = { status: code, body: plant(value, secrets[0]!, where) };
          const { path, run } = OPERATIONS[operation];
          try {
            await run();
            assert.ok(code < 300, `a ${code} answer was accepted`);
            outcomes.parsed += 1;
          } catch (error) {
            outcomes[error instanceof VrSchemaError ? 'schemaErrors' : 'otherErrors'] += 1;
            assert.ok(error instanceof VrError, `untyped error: ${String(error)}`);
            if (code < 300) assert.ok(error instanceof VrSchemaError, `${error.name}: ${error.message}`);
            assert.ok(error.message.includes(path), `${error.message} does not name ${path}`);
            const visible = JSON.stringify({
              message: error.message,
              json: error.toJSON(),
              stack: error.stack,
            });
            for (const secret of secrets) assert.ok(!visible.includes(secret), `leaks ${secret}: ${visible}`);
          }
        },
      ),
      { numRuns: 200 },
    );
    // The generators reach all three paths (otherwise the property proves little).
    for (const [outcome, count] of Object.entries(outcomes)) assert.ok(count > 0, `no ${outcome}`);
  });
});
