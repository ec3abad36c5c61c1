/**
 * The package entry points: each `exports` entry resolves (by the package's own name) to a module that loads and
 * exports what it promises, and the `./workflow` entry reaches no Node module at run time (walking its value
 * imports; type-only imports vanish at compile time).
 */
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string>;
};

/** Packages workflow code may load at run time (they are bundled into the workflow sandbox). */
const WORKFLOW_SAFE_PACKAGES = ['@temporalio/workflow', '@temporalio/common', 'zod'];

function resolveRelative(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && candidate.endsWith('.ts')) return candidate;
  }
  throw new Error(`cannot resolve ${specifier} from ${from}`);
}

/** Every module specifier reached through value (not type-only) imports and re-exports from `file`. */
function valueImports(file: string, seen = new Set<string>()): Map<string, string> {
  const found = new Map<string, string>();
  if (seen.has(file)) return found;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  const pattern = /^(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'([^']+)'|^import\s+'([^']+)'/gms;
  for (const match of source.matchAll(pattern)) {
    const typeOnly = match[2] !== undefined || /^\{\s*(type\s+\w+\s*,?\s*)+\}$/.test(match[3] ?? '');
    const specifier = match[4] ?? match[5] ?? '';
    if (typeOnly) continue;
    if (specifier.startsWith('.')) {
      for (const [key, value] of valueImports(resolveRelative(file, specifier), seen)) found.set(key, value);
    } else {
      found.set(specifier, path.relative(root, file));
    }
  }
  return found;
}

describe('package exports', () => {
  test('every entry resolves through the package name and loads', () => {
    assert.deepEqual(Object.keys(pkg.exports).sort(), [
      '.',
      './client',
      './package.json',
      './simulator',
      './vr',
      './workflow',
    ]);
    for (const entry of Object.keys(pkg.exports)) {
      const specifier = entry === '.' ? pkg.name : `${pkg.name}/${entry.slice(2)}`;
      const resolved = require.resolve(specifier);
      assert.equal(resolved, path.join(root, pkg.exports[entry] ?? ''));
    }
    /* eslint-disable @typescript-eslint/no-require-imports */
    const main = require(pkg.name) as Record<string, unknown>;
    assert.equal(typeof main.vsphereReplicationPlugin, 'function');
    assert.equal(typeof main.loadSitesFile, 'function');
    const workflow = require(`${pkg.name}/workflow`) as Record<string, unknown>;
    assert.equal(typeof workflow.configureReplicationWorkflow, 'function');
    assert.ok(workflow.progressQuery);
    assert.ok(workflow.ConfigureReplicationInputSchema);
    const client = require(`${pkg.name}/client`) as Record<string, unknown>;
    assert.equal(typeof client.startConfigureReplication, 'function');
    const vr = require(`${pkg.name}/vr`) as Record<string, unknown>;
    assert.equal(typeof vr.VrClient, 'function');
    const simulator = require(`${pkg.name}/simulator`) as Record<string, unknown>;
    assert.equal(typeof simulator.startSimulator, 'function');
    /* eslint-enable @typescript-eslint/no-require-imports */
  });

  test('the ./workflow entry loads no Node module and no worker/client/activity SDK', () => {
    const imports = valueImports(path.join(root, pkg.exports['./workflow'] ?? ''));
    assert.ok(imports.has('@temporalio/workflow'), 'the walk sees the workflow code');
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    for (const [specifier, file] of imports) {
      assert.ok(!builtins.has(specifier), `${file} imports the Node module ${specifier}`);
      assert.ok(
        WORKFLOW_SAFE_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`)),
        `${file} imports ${specifier}, which is not workflow-safe`,
      );
    }
  });

  test('the walker is not vacuous: the main entry does reach Node modules', () => {
    const imports = valueImports(path.join(root, pkg.exports['.'] ?? ''));
    assert.ok([...imports.keys()].some((specifier) => specifier.startsWith('node:')));
  });
});
