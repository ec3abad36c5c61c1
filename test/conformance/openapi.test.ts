/**
 * Unit tests of the OpenAPI validator: they prove it matches paths the way the gateway routes them and that it
 * CAN fail, so that a green conformance run means something.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadOpenApiValidator } from '../../conformance/openapi';
import {
  SPEC_PATH_ENVIRONMENT_VARIABLE,
  defaultSpecPath,
  loadOpenApiDocument,
  resolveSpecPath,
} from '../../conformance/spec-document';

const validator = loadOpenApiValidator();
const TASK_TEMPLATE = '/tasks/{task_id}';
const CONFIGURE_TEMPLATE = '/pairings/{pairing_id}/replications';
const OP_ID = '3f2a1b2c-1111-4222-8333-444455556666';

const validTask = {
  id: 'HmsTask:task-1',
  description: 'Configure replication',
  status: 'RUNNING',
  progress: 40,
  entity: null,
  error: null,
  result: null,
  queued_time: 1_700_000_000_000,
  start_time: 1_700_000_000_500,
  complete_time: null,
};

const validDisk = {
  vm_disk: { vm_id: 'VirtualMachine:vm-1', device_key: 2000, is_vm_home: false, capacity: 1024 },
  enabled_for_replication: true,
  destination_datastore_id: 'Datastore:datastore-1',
  destination_disk_format: 'SAME_AS_SOURCE',
  destination_storage_policy_id: null,
};

const validSpec = {
  rpo: 60,
  network_compression_enabled: true,
  mpit_enabled: false,
  auto_replicate_new_disks: true,
  lwd_encryption_enabled: false,
  target_vc_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c62',
  vm_id: 'VirtualMachine:vm-1',
  disks: [validDisk],
};

const issuesMention = (issues: string[], text: string): boolean =>
  issues.some((issue) => issue.includes(text));

void describe('matchOperation', () => {
  void test('strips the v1/v2 base and the query, and reports the version', () => {
    const match = validator.matchOperation(
      'GET',
      '/api/rest/vr/v1/pairings/p-1/replications?limit=5&offset=0',
    );
    assert.equal(match?.pathTemplate, CONFIGURE_TEMPLATE);
    assert.equal(match?.operationId, 'getAllReplications');
    assert.equal(match?.apiVersion, 'v1');
    assert.deepEqual(match?.parameters, { pairing_id: 'p-1' });
    assert.equal(validator.matchOperation('get', '/api/rest/vr/v2/tasks/t-1/')?.pathTemplate, TASK_TEMPLATE);
  });

  void test('literal segments win over parameters', () => {
    assert.equal(
      validator.matchOperation('GET', '/pairings/p/replications/count')?.pathTemplate,
      '/pairings/{pairing_id}/replications/count',
    );
    assert.equal(
      validator.matchOperation('GET', '/pairings/p/replications/r-1')?.pathTemplate,
      '/pairings/{pairing_id}/replications/{replication_id}',
    );
    assert.equal(
      validator.matchOperation('POST', '/pairings/p/replications/r-1/actions/pause')?.operationId,
      'pauseReplication',
    );
  });

  void test('unknown paths and methods the path does not have are undefined', () => {
    assert.equal(validator.matchOperation('GET', '/api/rest/vr/v2/nope'), undefined);
    assert.equal(validator.matchOperation('PUT', '/api/rest/vr/v2/tasks/t-1'), undefined);
    // The path decides first: /replications/count has no DELETE, and it is not taken for a replication id.
    assert.equal(validator.matchOperation('DELETE', '/pairings/p/replications/count'), undefined);
  });

  void test('lists every operation of the document', () => {
    const operations = validator.listOperations();
    assert.ok(operations.length >= 40);
    assert.ok(operations.some((operation) => operation.operationId === 'configureReplication'));
  });
});

void describe('validateResponse', () => {
  void test('accepts a conforming task, entity _meta included', () => {
    assert.deepEqual(validator.validateResponse('GET', TASK_TEMPLATE, 200, { ...validTask, _meta: {} }), []);
  });

  void test('a Task without status fails', () => {
    const { status: _status, ...withoutStatus } = validTask;
    const issues = validator.validateResponse('GET', TASK_TEMPLATE, 200, withoutStatus);
    assert.ok(issuesMention(issues, "required property 'status' is missing"), issues.join('\n'));
  });

  void test('a list without list fails', () => {
    const issues = validator.validateResponse('GET', '/tasks', 200, {
      _meta: { total: 0, offset: 0, limit: 100 },
    });
    assert.ok(issuesMention(issues, "required property 'list' is missing"), issues.join('\n'));
    assert.deepEqual(
      validator.validateResponse('GET', '/tasks', 200, { list: [validTask], _meta: { total: 1 } }),
      [],
    );
  });

  void test('a wrong enum value fails and names the field and the allowed values', () => {
    const issues = validator.validateResponse('GET', TASK_TEMPLATE, 200, { ...validTask, status: 'DONE' });
    assert.ok(issuesMention(issues, '/status: "DONE" is not one of QUEUED|RUNNING'), issues.join('\n'));
  });

  void test('a 204 with a body fails; without one it passes', () => {
    const issues = validator.validateResponse('DELETE', '/session', 204, { ok: true });
    assert.ok(issuesMention(issues, '204 No Content must have no body'), issues.join('\n'));
    assert.deepEqual(validator.validateResponse('DELETE', '/session', 204, undefined), []);
  });

  void test('a property the document does not declare fails (unless allowed)', () => {
    const body = { ...validTask, percent: 40 };
    const issues = validator.validateResponse('GET', TASK_TEMPLATE, 200, body);
    assert.ok(issuesMention(issues, "property 'percent' is not in the document"), issues.join('\n'));
    const lenient = loadOpenApiValidator({ allowUnknownProperties: true });
    assert.deepEqual(lenient.validateResponse('GET', TASK_TEMPLATE, 200, body), []);
  });

  void test('undeclared statuses fail, except 429 and 503 whose bodies must be ResponseError', () => {
    const undeclared = validator.validateResponse('GET', TASK_TEMPLATE, 409, { error_code: 'X' });
    assert.ok(issuesMention(undeclared, 'status 409 is not declared'), undeclared.join('\n'));
    const error = { error_code: 'RATE_LIMITED', message: 'Too many requests', op_id: OP_ID };
    assert.deepEqual(validator.validateResponse('GET', TASK_TEMPLATE, 429, error), []);
    assert.deepEqual(validator.validateResponse('GET', TASK_TEMPLATE, 503, error), []);
    const badOpId = validator.validateResponse('GET', TASK_TEMPLATE, 429, { ...error, op_id: 'op-1' });
    assert.ok(issuesMention(badOpId, '/op_id: must match format "uuid"'), badOpId.join('\n'));
  });

  void test('error statuses declared without content still get their body checked as ResponseError', () => {
    assert.deepEqual(
      validator.validateResponse('GET', TASK_TEMPLATE, 404, { error_code: 'TASK_NOT_FOUND', op_id: OP_ID }),
      [],
    );
    assert.deepEqual(validator.validateResponse('GET', TASK_TEMPLATE, 404, undefined), []);
    const issues = validator.validateResponse('GET', TASK_TEMPLATE, 404, { errorCode: 'TASK_NOT_FOUND' });
    assert.ok(issuesMention(issues, "property 'errorCode' is not in the document"), issues.join('\n'));
  });

  void test('a declared body that is missing fails', () => {
    const issues = validator.validateResponse('GET', TASK_TEMPLATE, 200, undefined);
    assert.ok(issuesMention(issues, 'missing JSON body'), issues.join('\n'));
  });

  void test('string times are accepted for v1 only', () => {
    const v1Task = { ...validTask, queued_time: '2024-05-01T10:00:00Z' };
    assert.deepEqual(validator.validateResponse('GET', TASK_TEMPLATE, 200, v1Task, { apiVersion: 'v1' }), []);
    const issues = validator.validateResponse('GET', TASK_TEMPLATE, 200, v1Task, { apiVersion: 'v2' });
    assert.ok(issuesMention(issues, '/queued_time'), issues.join('\n'));
    const replication = { id: 'r-1', last_sync_time: '2024-05-01T10:00:00Z' };
    const template = '/pairings/{pairing_id}/replications/{replication_id}';
    assert.deepEqual(validator.validateResponse('GET', template, 200, replication, { apiVersion: 'v1' }), []);
    assert.notDeepEqual(validator.validateResponse('GET', template, 200, replication), []);
  });

  void test('int32 bounds are enforced', () => {
    const issues = validator.validateResponse('GET', TASK_TEMPLATE, 200, { ...validTask, progress: 101 });
    assert.ok(issuesMention(issues, '/progress: must be <= 100'), issues.join('\n'));
  });
});

void describe('validateRequestBody', () => {
  void test('a conforming ConfigureReplicationSpec array passes', () => {
    assert.deepEqual(validator.validateRequestBody('POST', CONFIGURE_TEMPLATE, [validSpec]), []);
  });

  void test('a ConfigureReplicationSpec with rpo 2 fails', () => {
    const issues = validator.validateRequestBody('POST', CONFIGURE_TEMPLATE, [{ ...validSpec, rpo: 2 }]);
    assert.ok(issuesMention(issues, '/0/rpo: must be >= 5 (got 2)'), issues.join('\n'));
  });

  void test('a missing required body and a body for an operation without one both fail', () => {
    assert.ok(
      issuesMention(
        // The document marks the PairingSpec body required (the configure body it leaves optional).
        validator.validateRequestBody('POST', '/pairings', undefined),
        'required but missing',
      ),
    );
    const pause = '/pairings/{pairing_id}/replications/{replication_id}/actions/pause';
    assert.deepEqual(validator.validateRequestBody('POST', pause, undefined), []);
    assert.ok(issuesMention(validator.validateRequestBody('POST', pause, {}), 'takes no request body'));
  });

  void test('values of secret fields are never shown', () => {
    const secret = 'Very-Secret-Password-1';
    const issues = validator.validateRequestBody('POST', '/pairings', {
      pair_vc_id: 'vc',
      pair_psc_info: { username: 'admin', password: [secret] },
    });
    assert.ok(issuesMention(issues, '/pair_psc_info/password'), issues.join('\n'));
    assert.ok(!issues.join('\n').includes(secret));
  });
});

void describe('validateQuery', () => {
  void test('declared list parameters pass; filter may repeat', () => {
    const path =
      '/api/rest/vr/v2/pairings/p/replications?limit=10&offset=0&filter_property=name&filter=a&filter=b';
    assert.deepEqual(validator.validateQuery('GET', CONFIGURE_TEMPLATE, `${path}&extended_info=true`), []);
  });

  void test('undeclared names, repeated scalars and bad booleans or uuids fail', () => {
    const issues = validator.validateQuery(
      'GET',
      CONFIGURE_TEMPLATE,
      '?pageSize=5&limit=1&limit=2&extended_info=yes&source_vc_guid=vc-1',
    );
    assert.ok(issuesMention(issues, "parameter 'pageSize' is not declared"), issues.join('\n'));
    assert.ok(issuesMention(issues, "parameter 'limit' given 2 times"), issues.join('\n'));
    assert.ok(issuesMention(issues, "parameter 'extended_info' must be true or false"), issues.join('\n'));
    assert.ok(issuesMention(issues, "parameter 'source_vc_guid' must be a uuid"), issues.join('\n'));
    assert.deepEqual(validator.validateQuery('GET', '/pairings/{pairing_id}/vrs', '/pairings/p/vrs'), []);
  });
});

void describe('the document location', () => {
  void test(`${SPEC_PATH_ENVIRONMENT_VARIABLE} wins over the default`, () => {
    assert.equal(resolveSpecPath({ [SPEC_PATH_ENVIRONMENT_VARIABLE]: '/tmp/spec.json' }), '/tmp/spec.json');
    assert.equal(resolveSpecPath({}), defaultSpecPath);
    assert.ok(defaultSpecPath.endsWith(path.join('shared', 'reference', 'vsphere-replication-api-v2.json')));
  });

  void test('a missing document is a clear error naming the variable and the default', () => {
    assert.throws(
      () => loadOpenApiDocument('/nonexistent/vsphere-replication-api-v2.json'),
      (error: Error) =>
        error.message.includes('/nonexistent/vsphere-replication-api-v2.json') &&
        error.message.includes(SPEC_PATH_ENVIRONMENT_VARIABLE) &&
        error.message.includes(defaultSpecPath),
    );
  });
});
