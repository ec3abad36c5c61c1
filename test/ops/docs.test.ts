/** docs/configuration.md is generated from the zod schemas: it must equal the generator's output (npm run docs). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { configurationReference } from '../../scripts/gen-docs';

test('docs/configuration.md is up to date with the schemas (run `npm run docs` after a schema change)', async () => {
  const committed = readFileSync(path.resolve(__dirname, '../../docs/configuration.md'), 'utf8');
  assert.equal(committed, await configurationReference());
});

test('the reference covers every field family and every environment variable the worker reads', async () => {
  const text = await configurationReference();
  for (const field of [
    'sites.<name>.password',
    'remoteCredentials[].vcenter',
    'vms[].overrides.rpoMinutes',
  ]) {
    assert.ok(text.includes(field), field);
  }
  for (const variable of ['VR_SITES_FILE', 'VR_METRICS_ADDRESS', 'TEMPORAL_ADDRESS', 'LOG_LEVEL']) {
    assert.ok(text.includes(`\`${variable}\``), variable);
  }
});
