/**
 * `npm run docs`: writes docs/configuration.md from the zod schemas (sites file, configure spec) and the list of
 * environment variables below, so the reference cannot drift: test/ops/docs.test.ts fails when the committed file
 * differs from this generator's output.
 */
import { ReplicationCampaignInputSchema } from '../workflows/campaign-input';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { ConfigureReplicationInputSchema } from '../workflows/configure-replication-input';
import { sitesFileSchema } from '../worker/sites';

type JsonSchema = {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  pattern?: string;
};

/** Every environment variable the worker, CLI and demo read. */
export const ENVIRONMENT_VARIABLES: Array<[name: string, usedBy: string, meaning: string]> = [
  ['VR_SITES_FILE', 'worker', 'Sites file (YAML or JSON); same as `--sites`. Required.'],
  ['TEMPORAL_ADDRESS', 'worker, CLI', 'Temporal front end host:port. Default `127.0.0.1:7233`.'],
  ['TEMPORAL_NAMESPACE', 'worker, CLI', 'Temporal namespace. Default `default`.'],
  ['TEMPORAL_TASK_QUEUE', 'worker, CLI', 'Task queue. Default `vsphere-replication`.'],
  ['TEMPORAL_UI_URL', 'CLI', 'Temporal Web UI base URL for links. Default `http://127.0.0.1:8233`.'],
  [
    'VR_METRICS_ADDRESS',
    'worker',
    'Serve Prometheus metrics at `http://<host:port>/metrics`; same as `--metrics`. Default off.',
  ],
  ['LOG_LEVEL', 'worker', '`debug`, `info`, `warn` or `error`. Default `info`.'],
  [
    'TEMPORAL_CLI_PATH',
    'demo, tests',
    'Temporal CLI binary for the embedded dev server. Default: found on PATH.',
  ],
  [
    'VR_CODEC_KEY',
    'worker, CLI',
    'Payload encryption key: base64 of 32 bytes, or a JSON keyring `{ "activeKeyId", "keys": { id: key } }`. Default off.',
  ],
  [
    'VR_CODEC_KEY_FILE',
    'worker, CLI, codec server',
    'File holding the key or keyring (instead of `VR_CODEC_KEY`).',
  ],
  [
    'VR_CODEC_UI_ORIGIN',
    'codec server',
    'Origins of the Temporal UI allowed by CORS, comma-separated. Default `http://127.0.0.1:8233`.',
  ],
  ['VR_CODEC_SERVER_TOKEN', 'codec server', 'Bearer token the codec server requires. Default none.'],
  [
    'VR_OTEL_TRACES',
    'worker',
    'OpenTelemetry tracing: `off`, `console` or `file:<path>` (JSON lines). Default off.',
  ],
  [
    'VR_OPENAPI_SPEC',
    'conformance check',
    'The official OpenAPI document. Default `../shared/reference/...`.',
  ],
  ['(any name)', 'worker', 'Passwords referenced from the sites file as `{ env: NAME }`.'],
];

const typeOf = (schema: JsonSchema): string => {
  if (schema.enum) return schema.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' \\| ');
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' \\| ');
  if (schema.type === 'array') return `array of ${schema.items ? typeOf(schema.items) : 'any'}`;
  if (Array.isArray(schema.type)) return schema.type.join(' \\| ');
  if (schema.type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') {
    return `map of ${typeOf(schema.additionalProperties)}`;
  }
  return schema.type ?? 'any';
};

const constraintsOf = (schema: JsonSchema): string =>
  [
    schema.minimum !== undefined ? `≥ ${schema.minimum}` : '',
    schema.exclusiveMinimum !== undefined ? `> ${schema.exclusiveMinimum}` : '',
    schema.maximum !== undefined ? `≤ ${schema.maximum}` : '',
    schema.minLength !== undefined ? `length ≥ ${schema.minLength}` : '',
    schema.maxLength !== undefined ? `length ≤ ${schema.maxLength}` : '',
    schema.minItems !== undefined ? `items ≥ ${schema.minItems}` : '',
    schema.maxItems !== undefined ? `items ≤ ${schema.maxItems}` : '',
    schema.default !== undefined ? `default \`${JSON.stringify(schema.default)}\`` : '',
    schema.description ?? '',
  ]
    .filter(Boolean)
    .join('; ');

/** One table row per field, depth first; `[]` marks array items, `<name>` map values. */
function rows(schema: JsonSchema, prefix: string, required: boolean, out: string[]): void {
  if (prefix)
    out.push(`| \`${prefix}\` | ${typeOf(schema)} | ${required ? 'yes' : 'no'} | ${constraintsOf(schema)} |`);
  const objectSchema = schema.type === 'array' ? schema.items : schema;
  const childPrefix = schema.type === 'array' ? `${prefix}[]` : prefix;
  if (!objectSchema) return;
  for (const [name, child] of Object.entries(objectSchema.properties ?? {})) {
    rows(
      child,
      childPrefix ? `${childPrefix}.${name}` : name,
      objectSchema.required?.includes(name) ?? false,
      out,
    );
  }
  if (!objectSchema.properties && typeof objectSchema.additionalProperties === 'object') {
    rows(objectSchema.additionalProperties, `${childPrefix}.<name>`, true, out);
  }
  for (const variant of objectSchema.anyOf ?? [])
    if (variant.properties) rows(variant, childPrefix, false, out);
}

const table = (schema: z.ZodType): string => {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out = ['| field | type | required | constraints, default, notes |', '| --- | --- | --- | --- |'];
  rows(json, '', true, out);
  return out.join('\n');
};

const OUTPUT = path.resolve(__dirname, '../docs/configuration.md');

/** The whole of docs/configuration.md, formatted by prettier with the project's settings (npm run lint checks it). */
export async function configurationReference(): Promise<string> {
  const options = (await resolveConfig(OUTPUT)) ?? {};
  return format(rawReference(), { ...options, parser: 'markdown' });
}

function rawReference(): string {
  const sites = sitesFileSchema({ baseDirectory: '.', env: {} });
  return [
    '<!-- Generated by scripts/gen-docs.ts from the zod schemas (npm run docs). Do not edit by hand. -->',
    '# Configuration reference',
    '',
    '## Sites file (worker)',
    '',
    'YAML or JSON, given by `--sites` or `VR_SITES_FILE`; checked by `loadSitesFile` (worker/sites.ts), which',
    'lists every problem at once. Passwords are references, never inline: `{ env: VARIABLE }` or `{ file: PATH }`',
    '(relative paths are resolved from the sites file folder; a trailing newline in a file is ignored). Fields typed',
    '`any` below are such references or values checked by code (URL: the gateway base URL, no path or credentials;',
    '`caFile`: a readable PEM file).',
    '',
    table(sites),
    '',
    '## Configure spec (ConfigureReplication input)',
    '',
    'The input of `configureReplicationWorkflow`, also the spec file of `npm run cli -- configure --spec <file>`;',
    'checked by `ConfigureReplicationInputSchema` (workflows/configure-replication-input.ts).',
    '',
    table(ConfigureReplicationInputSchema),
    '',
    '## Campaign file (replicationCampaignWorkflow input)',
    '',
    'The file of `npm run cli -- campaign start --file <file>`; checked by `ReplicationCampaignInputSchema`',
    '(workflows/campaign-input.ts). Each group takes `vms` (as in the configure spec) or a `selector`.',
    '',
    table(ReplicationCampaignInputSchema),
    '',
    '## Environment variables',
    '',
    '| variable | used by | meaning |',
    '| --- | --- | --- |',
    ...ENVIRONMENT_VARIABLES.map(([name, usedBy, meaning]) => `| \`${name}\` | ${usedBy} | ${meaning} |`),
    '',
  ].join('\n');
}

if (require.main === module) {
  void configurationReference().then((text) => {
    writeFileSync(OUTPUT, text);
    console.log(`wrote ${path.relative(process.cwd(), OUTPUT)}`);
  });
}
