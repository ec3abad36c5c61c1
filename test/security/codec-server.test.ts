/**
 * The codec server as the Temporal UI and the CLI use it: /encode and /decode (also under /{namespace}/), CORS only
 * for the UI's origin, preflight, the optional bearer token, and clear 4xx answers for bad requests. The script is
 * started once as a child process to check its flags, its printed URL and its configuration errors.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { loadCodecFromEnvironment, startCodecServer, type RunningCodecServer } from '../../codec';

const key = randomBytes(32).toString('base64');
const codec = loadCodecFromEnvironment({ VR_CODEC_KEY: key })!;
const UI = 'http://127.0.0.1:8233';
const TOKEN = 'codec-token-for-tests';
const root = path.resolve(__dirname, '../..');

let open: RunningCodecServer;
let guarded: RunningCodecServer;
before(async () => {
  open = await startCodecServer({ codec, port: 0, uiOrigins: [UI, 'http://localhost:8233'] });
  guarded = await startCodecServer({ codec, port: 0, token: TOKEN });
});
after(async () => {
  await open?.close();
  await guarded?.close();
});

const jsonOf = (value: unknown) => {
  const payload = defaultPayloadConverter.toPayload(value);
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([name, bytes]) => [
        name,
        Buffer.from(bytes).toString('base64'),
      ]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
};

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('codec server', () => {
  test('encode then decode round-trips; the namespace prefix is accepted', async () => {
    const encoded = await post(
      `${open.url}/encode`,
      { payloads: [jsonOf({ vm: 'payroll-db-1' })] },
      { origin: UI },
    );
    assert.equal(encoded.status, 200);
    const { payloads } = (await encoded.json()) as {
      payloads: Array<{ metadata: Record<string, string>; data: string }>;
    };
    assert.equal(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString(), 'binary/encrypted');
    assert.ok(!Buffer.from(payloads[0]!.data, 'base64').toString('latin1').includes('payroll-db-1'));
    const decoded = await post(
      `${open.url}/my-namespace/decode`,
      { payloads },
      { 'x-namespace': 'my-namespace' },
    );
    assert.equal(decoded.status, 200);
    const body = (await decoded.json()) as { payloads: Array<{ data: string }> };
    assert.equal(Buffer.from(body.payloads[0]!.data, 'base64').toString(), '{"vm":"payroll-db-1"}');
  });

  test('CORS: only the UI origins get an answer; preflight lists the UI headers', async () => {
    const preflight = await fetch(`${open.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-namespace',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), UI);
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/);
    const second = await post(`${open.url}/decode`, { payloads: [] }, { origin: 'http://localhost:8233' });
    assert.equal(second.headers.get('access-control-allow-origin'), 'http://localhost:8233');

    for (const origin of ['https://evil.example', 'http://127.0.0.1:8234', 'null']) {
      const refused = await fetch(`${open.url}/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      assert.equal(refused.status, 403, origin);
      assert.equal(refused.headers.get('access-control-allow-origin'), null);
      const direct = await post(`${open.url}/decode`, { payloads: [] }, { origin });
      assert.equal(direct.status, 403, origin);
      assert.equal(direct.headers.get('access-control-allow-origin'), null);
    }
  });

  test('bearer token: required on POST when configured, compared exactly; preflight needs none', async () => {
    const body = { payloads: [jsonOf('x')] };
    assert.equal((await post(`${guarded.url}/encode`, body)).status, 401);
    assert.equal((await post(`${guarded.url}/encode`, body, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal(
      (await post(`${guarded.url}/encode`, body, { authorization: `Bearer ${TOKEN}x` })).status,
      401,
    );
    assert.equal(
      (await post(`${guarded.url}/encode`, body, { authorization: `Bearer ${TOKEN}` })).status,
      200,
    );
    const preflight = await fetch(`${guarded.url}/encode`, { method: 'OPTIONS', headers: { origin: UI } });
    assert.equal(preflight.status, 204);
  });

  test('bad requests get clear 4xx answers and no key material', async () => {
    const cases: Array<[Promise<Response>, number, RegExp]> = [
      [post(`${open.url}/decode`, '{not json'), 400, /not JSON/],
      [post(`${open.url}/decode`, { payload: [] }), 400, /expected \{ payloads/],
      [post(`${open.url}/decode`, { payloads: [{ data: '***' }] }), 400, /base64/],
      [fetch(`${open.url}/decode`), 405, /use POST/],
      [post(`${open.url}/other`, { payloads: [] }), 404, /\/encode or \/decode/],
      [post(`${open.url}/decode`, `{"payloads":"${'x'.repeat(17 * 1024 * 1024)}"}`), 413, /larger than/],
    ];
    for (const [pending, status, message] of cases) {
      const response = await pending;
      assert.equal(response.status, status);
      const text = await response.text();
      assert.match(text, message);
      assert.ok(!text.includes(key));
    }
    // A payload of another key: 400 naming the key id, not a crash.
    const other = loadCodecFromEnvironment({
      VR_CODEC_KEY: JSON.stringify({ activeKeyId: 'old', keys: { old: randomBytes(32).toString('base64') } }),
    })!;
    const [foreign] = await other.encode([defaultPayloadConverter.toPayload('x')]);
    const response = await post(`${open.url}/decode`, {
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(foreign!.metadata!).map(([name, bytes]) => [
              name,
              Buffer.from(bytes).toString('base64'),
            ]),
          ),
          data: Buffer.from(foreign!.data!).toString('base64'),
        },
      ],
    });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /key id \\"old\\", which this keyring does not hold/);
  });

  test('npm run codec-server: prints its URL; without a key it exits 2 naming the variables', async () => {
    const run = (env: Record<string, string>, args: string[]) =>
      spawn(process.execPath, ['--import', 'tsx', 'scripts/codec-server.ts', ...args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const server = run({ VR_CODEC_KEY: key }, ['--port', '0', '--ui-origin', 'http://ui.test:8080']);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        server.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /codec server listening on (http:\/\/\S+)/.exec(output);
          if (match) resolve(match[1]!);
        });
        server.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      const allowed = await fetch(`${url}/decode`, {
        method: 'OPTIONS',
        headers: { origin: 'http://ui.test:8080' },
      });
      assert.equal(allowed.status, 204);
      const refused = await fetch(`${url}/decode`, { method: 'OPTIONS', headers: { origin: UI } });
      assert.equal(refused.status, 403, 'the default origin is replaced by --ui-origin');
    } finally {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }

    const failed = run({}, ['--port', '0']);
    let stderr = '';
    failed.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => failed.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /no key: set VR_CODEC_KEY .* or VR_CODEC_KEY_FILE/);
  });
});
