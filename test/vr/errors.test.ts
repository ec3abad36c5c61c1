import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  classifyVrError,
  DEFAULT_RETRY_AFTER_MS,
  parseRetryAfterMs,
  redactSecrets,
  VrBadRequestError,
  VrConflictError,
  VrError,
  VrForbiddenError,
  VrNetworkError,
  VrNotFoundError,
  VrRateLimitedError,
  VrRequestValidationError,
  VrSchemaError,
  VrServerError,
  VrTimeoutError,
  VrTlsError,
  VrUnauthorizedError,
  VrUnexpectedStatusError,
} from '../../vr';
import { errorFromStatus, errorFromTransport } from '../../vr/http-errors';

const context = { method: 'GET', path: '/api/rest/vr/v2/pairings/abc' };
const timeouts = { connectMs: 1, headersMs: 2, bodyMs: 3 };

void describe('status table', () => {
  // One row per status: the class, the code, whether it is retryable and whether it means "log in again".
  const table: Array<[number, new (...args: never[]) => VrError, string, boolean, boolean]> = [
    [301, VrUnexpectedStatusError, 'VR_UNEXPECTED_STATUS', false, false],
    [302, VrUnexpectedStatusError, 'VR_UNEXPECTED_STATUS', false, false],
    [307, VrUnexpectedStatusError, 'VR_UNEXPECTED_STATUS', false, false],
    [400, VrBadRequestError, 'VR_BAD_REQUEST', false, false],
    [401, VrUnauthorizedError, 'VR_UNAUTHORIZED', true, true],
    [403, VrForbiddenError, 'VR_FORBIDDEN', false, false],
    [404, VrNotFoundError, 'VR_NOT_FOUND', false, false],
    [405, VrBadRequestError, 'VR_BAD_REQUEST', false, false],
    [408, VrTimeoutError, 'VR_TIMEOUT', true, false],
    [409, VrConflictError, 'VR_CONFLICT', false, false],
    [415, VrBadRequestError, 'VR_BAD_REQUEST', false, false],
    [422, VrBadRequestError, 'VR_BAD_REQUEST', false, false],
    [429, VrRateLimitedError, 'VR_RATE_LIMITED', true, false],
    [500, VrServerError, 'VR_SERVER_ERROR', true, false],
    [501, VrServerError, 'VR_SERVER_ERROR', false, false],
    [502, VrServerError, 'VR_SERVER_ERROR', true, false],
    [503, VrServerError, 'VR_SERVER_ERROR', true, false],
    [504, VrServerError, 'VR_SERVER_ERROR', true, false],
    [599, VrServerError, 'VR_SERVER_ERROR', true, false],
    [600, VrUnexpectedStatusError, 'VR_UNEXPECTED_STATUS', false, false],
  ];
  for (const [status, errorClass, code, retryable, reLogin] of table) {
    void test(`${status} -> ${errorClass.name} ${code} retryable=${retryable} reLogin=${reLogin}`, () => {
      const body = JSON.stringify({ error_code: 'SOME_CODE', message: 'Something happened', op_id: 'op-1' });
      const error = errorFromStatus(context, status, { location: 'https://elsewhere.example:9443/x' }, body);
      assert.ok(error instanceof errorClass, `${error.constructor.name} is not ${errorClass.name}`);
      assert.ok(error instanceof VrError);
      assert.equal(error.code, code);
      assert.equal(error.status, status);
      assert.equal(error.retryable, retryable);
      assert.equal(error.method, 'GET');
      assert.equal(error.path, context.path);
      assert.equal(error.vrErrorCode, 'SOME_CODE');
      assert.equal(error.opId, 'op-1');
      assert.equal(error.vrMessage, 'Something happened');
      const classification = classifyVrError(error);
      assert.deepEqual(
        { code: classification.code, retryable: classification.retryable, reLogin: classification.reLogin },
        { code, retryable, reLogin },
      );
    });
  }

  void test('401 on login is wrong credentials: not retryable, no re-login; on other calls it is', () => {
    const login = errorFromStatus({ method: 'POST', path: '/api/rest/vr/v2/session' }, 401, {}, '');
    assert.deepEqual(classifyVrError(login), { code: 'VR_UNAUTHORIZED', retryable: false, reLogin: false });
    assert.equal(login.retryable, false);
    for (const other of [
      { method: 'GET', path: '/api/rest/vr/v2/session' },
      { method: 'POST', path: '/api/rest/vr/v2/pairings/p/remote-session' },
    ]) {
      assert.deepEqual(classifyVrError(errorFromStatus(other, 401, {}, '')), {
        code: 'VR_UNAUTHORIZED',
        retryable: true,
        reLogin: true,
      });
    }
  });

  void test('message format names status, endpoint, VR code, message and op_id', () => {
    const error = errorFromStatus(
      context,
      404,
      {},
      JSON.stringify({ error_code: 'PAIRING_NOT_FOUND', message: 'Pairing abc not found', op_id: '3f2a' }),
    );
    assert.equal(
      error.message,
      'VR 404 Not Found on GET /api/rest/vr/v2/pairings/abc: PAIRING_NOT_FOUND: Pairing abc not found (op_id 3f2a)',
    );
  });

  void test('redirect names the Location host', () => {
    const error = errorFromStatus(context, 302, { location: 'https://sso.example.com:8443/login?x=1' }, '');
    assert.match(error.message, /sso\.example\.com:8443/);
    assert.doesNotMatch(error.message, /login\?x=1/);
  });

  void test('HTML, empty and garbage error bodies still give the typed status error without VR details', () => {
    for (const body of [
      '<html><body>Bad Gateway</body></html>',
      '',
      undefined,
      '{"error_code": 5}',
      '{trunc',
    ]) {
      const error = errorFromStatus(context, 502, {}, body);
      assert.ok(error instanceof VrServerError);
      assert.equal(error.vrErrorCode, undefined);
      assert.equal(error.message, 'VR 502 Bad Gateway on GET /api/rest/vr/v2/pairings/abc');
    }
  });

  void test('429 carries retryAfterMs from Retry-After, default 60 s', () => {
    const withHeader = errorFromStatus(context, 429, { 'retry-after': '12' }, '');
    assert.ok(withHeader instanceof VrRateLimitedError);
    assert.equal(withHeader.retryAfterMs, 12_000);
    assert.equal(classifyVrError(withHeader).retryAfterMs, 12_000);
    const without = errorFromStatus(context, 429, {}, '');
    assert.ok(without instanceof VrRateLimitedError);
    assert.equal(without.retryAfterMs, 60_000);
  });
});

void describe('classifyVrError', () => {
  const init = { message: 'x', method: 'GET', path: '/p' };
  const rows: Array<[unknown, string, boolean, boolean]> = [
    [new VrNetworkError(init), 'VR_NETWORK_ERROR', true, false],
    [new VrTimeoutError(init), 'VR_TIMEOUT', true, false],
    [new VrTlsError(init), 'VR_TLS_ERROR', false, false],
    [new VrSchemaError({ ...init, issues: [] }), 'VR_SCHEMA_MISMATCH', false, false],
    [new VrRequestValidationError({ ...init, issues: [] }), 'VR_REQUEST_INVALID', false, false],
    [new Error('bug'), 'UNKNOWN', true, false],
    ['a string', 'UNKNOWN', true, false],
  ];
  for (const [error, code, retryable, reLogin] of rows) {
    void test(`${code} retryable=${retryable}`, () => {
      assert.deepEqual(classifyVrError(error), { code, retryable, reLogin });
    });
  }
});

void describe('transport failures', () => {
  const failure = (code: string, message = 'boom'): Error => Object.assign(new Error(message), { code });
  const rows: Array<[string, new (...args: never[]) => VrError, string, boolean]> = [
    ['ECONNRESET', VrNetworkError, 'VR_NETWORK_ERROR', true],
    ['ECONNREFUSED', VrNetworkError, 'VR_NETWORK_ERROR', true],
    ['ENOTFOUND', VrNetworkError, 'VR_NETWORK_ERROR', true],
    ['UND_ERR_SOCKET', VrNetworkError, 'VR_NETWORK_ERROR', true],
    ['UND_ERR_CONNECT_TIMEOUT', VrTimeoutError, 'VR_TIMEOUT', true],
    ['UND_ERR_HEADERS_TIMEOUT', VrTimeoutError, 'VR_TIMEOUT', true],
    ['UND_ERR_BODY_TIMEOUT', VrTimeoutError, 'VR_TIMEOUT', true],
    ['SELF_SIGNED_CERT_IN_CHAIN', VrTlsError, 'VR_TLS_ERROR', false],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', VrTlsError, 'VR_TLS_ERROR', false],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', VrTlsError, 'VR_TLS_ERROR', false],
    ['CERT_HAS_EXPIRED', VrTlsError, 'VR_TLS_ERROR', false],
    ['ERR_TLS_CERT_ALTNAME_INVALID', VrTlsError, 'VR_TLS_ERROR', false],
    ['ERR_SSL_WRONG_VERSION_NUMBER', VrTlsError, 'VR_TLS_ERROR', false],
  ];
  for (const [code, errorClass, vrCode, retryable] of rows) {
    void test(`${code} -> ${errorClass.name}`, () => {
      const error = errorFromTransport(context, failure(code), timeouts);
      assert.ok(error instanceof errorClass);
      assert.ok(error instanceof VrNetworkError);
      assert.equal(error.code, vrCode);
      assert.equal(error.retryable, retryable);
      assert.equal(error.status, undefined);
      assert.match(error.message, new RegExp(code));
    });
  }

  void test('certificate errors tell the user to set caFile, not to disable verification', () => {
    const error = errorFromTransport(context, failure('SELF_SIGNED_CERT_IN_CHAIN'), timeouts);
    assert.match(error.message, /caFile/);
    assert.match(error.message, /do not disable verification/);
  });

  void test('a code found deeper in the cause chain is used', () => {
    const wrapped = new Error('fetch failed', { cause: failure('ECONNREFUSED') });
    assert.match(errorFromTransport(context, wrapped, timeouts).message, /connection refused/);
  });
});

void describe('redactSecrets', () => {
  const cases: Array<[string, string[]]> = [
    ['Authorization: Basic YWRtaW46U2VjcmV0LTEh', ['YWRtaW46U2VjcmV0LTEh']],
    ['{"authorization":"Basic YWRtaW46U2VjcmV0LTEh"}', ['YWRtaW46U2VjcmV0LTEh']],
    ['x-dr-session: 8c3e1f20-aaaa-bbbb', ['8c3e1f20-aaaa-bbbb']],
    ["headers { 'x-dr-session': 'abc-session-1' }", ['abc-session-1']],
    ['{"password":"p@ss \\"word\\" with spaces"}', ['p@ss', 'with spaces']],
    ['password=Hunter2&user=x', ['Hunter2']],
    ['{"session_id":"sess-123"}', ['sess-123']],
    ['failed with Basic dXNlcjpwYXNz inside', ['dXNlcjpwYXNz']],
  ];
  for (const [input, secrets] of cases) {
    void test(JSON.stringify(input), () => {
      const output = redactSecrets(input);
      for (const secret of secrets) assert.ok(!output.includes(secret), `${output} still holds ${secret}`);
      assert.match(output, /\[REDACTED\]/);
    });
  }

  void test('leaves ordinary text alone', () => {
    const text = 'VR 404 Not Found on GET /api/rest/vr/v2/pairings/abc: PAIRING_NOT_FOUND';
    assert.equal(redactSecrets(text), text);
  });

  void test('error constructor redacts messages, and toJSON flattens the cause', () => {
    const error = new VrNetworkError({
      message: 'oops Authorization: Basic c2VjcmV0OnNlY3JldA==',
      method: 'POST',
      path: '/session',
      cause: new Error('x-dr-session: leaked-id'),
    });
    const serialized = JSON.stringify(error);
    assert.ok(!serialized.includes('c2VjcmV0OnNlY3JldA'));
    assert.ok(!serialized.includes('leaked-id'));
    assert.ok(!error.message.includes('c2VjcmV0OnNlY3JldA'));
    assert.ok(!error.stack?.includes('c2VjcmV0OnNlY3JldA'));
  });
});

void describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const rows: Array<[string | string[] | undefined, number]> = [
    ['30', 30_000],
    ['0', 0],
    ['1.5', 1500],
    [' 7 ', 7000],
    [['5', '9'], 5000],
    ['Wed, 01 Jan 2025 00:00:45 GMT', 45_000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0],
    [undefined, DEFAULT_RETRY_AFTER_MS],
    ['', DEFAULT_RETRY_AFTER_MS],
    ['soon', DEFAULT_RETRY_AFTER_MS],
    ['-5', DEFAULT_RETRY_AFTER_MS],
  ];
  for (const [header, expected] of rows) {
    void test(`${JSON.stringify(header)} -> ${expected}`, () => {
      assert.equal(parseRetryAfterMs(header, now), expected);
    });
  }
});
