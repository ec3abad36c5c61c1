import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSitesFile, SitesFileError } from '../../worker/sites';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PROTECTED_SECRET = 'Pr0tected-S3cret!';
const RECOVERY_SECRET = 'Rec0very-S3cret!';

let directory: string;
const write = (name: string, text: string): string => {
  const file = path.join(directory, name);
  writeFileSync(file, text);
  return file;
};
const env = { VR_PROTECTED_PASSWORD: PROTECTED_SECRET, VR_EMPTY: '' };

/** Loads and returns the SitesFileError, failing when the file loads. */
function problemsOf(file: string, environment: Record<string, string | undefined> = env): SitesFileError {
  try {
    loadSitesFile(file, environment);
  } catch (error) {
    assert.ok(error instanceof SitesFileError, `expected SitesFileError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the sites file to be rejected');
}

before(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'sites-test-'));
  write('ca.pem', PEM);
  write('recovery.secret', `${RECOVERY_SECRET}\n`);
});
after(() => rmSync(directory, { recursive: true, force: true }));

void describe('loadSitesFile', () => {
  void test('loads a valid YAML file, resolving env and file references and the relative caFile', () => {
    const file = write(
      'sites.yaml',
      `sites:
  protected:
    url: https://vrms.example.com/
    caFile: ca.pem
    username: administrator@vsphere.local
    password: { env: VR_PROTECTED_PASSWORD }
    remoteCredentials:
      - vcenter: vc-recovery.sim.local
        username: administrator@recovery.local
        password: { file: recovery.secret }
      - username: fallback@recovery.local
        password: { env: VR_PROTECTED_PASSWORD }
    pacing: { perClientPerMinute: 80, perSessionPerMinute: 40 }
  robo:
    url: http://127.0.0.1:8443
    apiVersion: v1
    insecureSkipVerify: true
    username: robo@vsphere.local
    password: { file: ${path.join(directory, 'recovery.secret')} }
`,
    );
    const [protectedSite, robo] = loadSitesFile(file, env);
    assert.deepEqual(protectedSite, {
      name: 'protected',
      url: 'https://vrms.example.com',
      apiVersion: 'v2',
      caFile: path.join(directory, 'ca.pem'),
      insecureSkipVerify: false,
      username: 'administrator@vsphere.local',
      password: PROTECTED_SECRET,
      remoteCredentials: [
        {
          vcenter: 'vc-recovery.sim.local',
          username: 'administrator@recovery.local',
          password: RECOVERY_SECRET,
        },
        { username: 'fallback@recovery.local', password: PROTECTED_SECRET },
      ],
      pacing: { perClientPerMinute: 80, perSessionPerMinute: 40 },
    });
    assert.equal(robo?.apiVersion, 'v1');
    assert.equal(robo?.insecureSkipVerify, true);
    assert.equal(robo?.password, RECOVERY_SECRET);
    assert.equal(robo?.url, 'http://127.0.0.1:8443');
  });

  void test('loads JSON by extension', () => {
    const file = write(
      'sites.json',
      JSON.stringify({
        sites: {
          protected: { url: 'https://vrms', username: 'u', password: { env: 'VR_PROTECTED_PASSWORD' } },
        },
      }),
    );
    assert.equal(loadSitesFile(file, env)[0]?.password, PROTECTED_SECRET);
  });

  void test('reports every problem at once, each naming the file and the field, and never a secret', () => {
    const file = write(
      'bad.yaml',
      `sites:
  protected:
    url: https://user:${PROTECTED_SECRET}@vrms.example.com/api
    apiVersion: v3
    caFile: missing-ca.pem
    username: 42
    password: ${PROTECTED_SECRET}
    colour: blue
    remoteCredentials:
      - vcenter: vc-recovery
        username: administrator@recovery.local
        password: { env: VR_RECOVERY_PASSWORD }
      - username: other
        password: { file: no-such.secret }
      - username: third
        password: { env: VR_EMPTY }
      - username: fourth
    pacing: { perClientPerMinute: -1 }
`,
    );
    const error = problemsOf(file);
    const expected: Array<[string, RegExp]> = [
      ['sites.protected.url', /must not contain credentials/],
      ['sites.protected.url', /without a path/],
      ['sites.protected.apiVersion', /v1.*v2/],
      ['sites.protected.caFile', /CA file .*missing-ca\.pem not found/],
      ['sites.protected.username', /expected string/],
      [
        'sites.protected.password',
        /inline passwords are not allowed: use \{ env: VARIABLE \} or \{ file: PATH \}/,
      ],
      ['sites.protected.colour', /unknown key/],
      [
        'sites.protected.remoteCredentials[0].password.env',
        /environment variable VR_RECOVERY_PASSWORD is not set/,
      ],
      [
        'sites.protected.remoteCredentials[1].password.file',
        /cannot read password file .*no-such\.secret \(ENOENT\)/,
      ],
      ['sites.protected.remoteCredentials[2].password.env', /environment variable VR_EMPTY is empty/],
      ['sites.protected.remoteCredentials[3].password', /required/],
      ['sites.protected.pacing.perClientPerMinute', /./],
    ];
    for (const [field, message] of expected) {
      const line = error.problems.find(
        (problem) => problem.startsWith(`${file}: ${field}: `) && message.test(problem),
      );
      assert.ok(line, `no problem for ${field} matching ${message}; got:\n${error.message}`);
    }
    assert.equal(error.problems.length, expected.length, error.message);
    assert.ok(!error.message.includes(PROTECTED_SECRET), 'a password leaked into the error');
    assert.ok(!JSON.stringify(error).includes(PROTECTED_SECRET), 'a password leaked into the error JSON');
  });

  void test('resolved secrets from env and files never appear in errors about other fields', () => {
    const file = write(
      'mixed.yaml',
      `sites:
  protected:
    url: not a url
    username: administrator@vsphere.local
    password: { env: VR_PROTECTED_PASSWORD }
    remoteCredentials:
      - username: r
        password: { file: recovery.secret }
`,
    );
    const error = problemsOf(file);
    assert.deepEqual(error.problems, [
      `${file}: sites.protected.url: not a valid URL; expected e.g. https://vrms.example.com`,
    ]);
    assert.ok(!error.message.includes(PROTECTED_SECRET) && !error.message.includes(RECOVERY_SECRET));
  });

  void test('no sites, missing sites, unknown top-level keys', () => {
    assert.match(problemsOf(write('empty.yaml', 'sites: {}\n')).message, /empty\.yaml: sites: no sites/);
    const missing = problemsOf(write('missing.yaml', 'site:\n  a: 1\n'));
    assert.ok(
      missing.problems.some((line) => /missing\.yaml: sites: required/.test(line)),
      missing.message,
    );
    assert.ok(
      missing.problems.some((line) => /missing\.yaml: site: unknown key/.test(line)),
      missing.message,
    );
    assert.match(problemsOf(write('blank.yaml', '')).message, /blank\.yaml: sites: required/);
  });

  void test('password reference shapes', () => {
    const site = (password: string) =>
      write('shape.yaml', `sites:\n  s:\n    url: https://v\n    username: u\n    password: ${password}\n`);
    assert.match(
      problemsOf(site('{ env: A, file: b }')).message,
      /sites\.s\.password: must have exactly one key/,
    );
    assert.match(
      problemsOf(site('{ vault: x }')).message,
      /sites\.s\.password: must have exactly one key.*vault/,
    );
    assert.match(problemsOf(site('{ env: "" }')).message, /sites\.s\.password\.env: must be a variable name/);
    assert.match(problemsOf(site('[a]')).message, /sites\.s\.password: must be \{ env: VARIABLE \}/);
    assert.match(problemsOf(site('12345')).message, /sites\.s\.password: inline passwords are not allowed/);
    assert.ok(!problemsOf(site('12345')).message.includes('12345'));
  });

  void test('caFile that is not a PEM bundle, or unreadable, and insecureSkipVerify together with caFile', () => {
    write('not-pem.txt', 'hello');
    const file = write(
      'ca.yaml',
      `sites:\n  a:\n    url: https://v\n    caFile: not-pem.txt\n    username: u\n    password: { env: VR_PROTECTED_PASSWORD }\n` +
        `  b:\n    url: https://v\n    caFile: ca.pem\n    insecureSkipVerify: true\n    username: u\n    password: { env: VR_PROTECTED_PASSWORD }\n`,
    );
    const error = problemsOf(file);
    assert.ok(
      error.problems.some((line) => line.includes('sites.a.caFile: ') && /no PEM certificate/.test(line)),
    );
    assert.ok(
      error.problems.some((line) => line.includes('sites.b.insecureSkipVerify: cannot be true together')),
    );
    if (process.getuid?.() !== 0) {
      const locked = write('locked.secret', 'x');
      chmodSync(locked, 0o000);
      const lockedFile = write(
        'locked.yaml',
        `sites:\n  a:\n    url: https://v\n    username: u\n    password: { file: locked.secret }\n`,
      );
      assert.match(
        problemsOf(lockedFile).message,
        /sites\.a\.password\.file: cannot read password file .*EACCES/,
      );
    }
  });

  void test('syntax errors name the file and position without quoting the source', () => {
    const yamlError = problemsOf(
      write('syntax.yaml', `sites:\n  a:\n    password: "${PROTECTED_SECRET}\n  b: [\n`),
    );
    assert.match(yamlError.message, /syntax\.yaml: not valid YAML at line \d+, column \d+/);
    assert.ok(!yamlError.message.includes(PROTECTED_SECRET));
    const jsonError = problemsOf(
      write('syntax.json', `{"sites": {"a": {"password": "${PROTECTED_SECRET}" "x": 1}}}`),
    );
    assert.match(jsonError.message, /syntax\.json: not valid JSON/);
    assert.ok(!jsonError.message.includes(PROTECTED_SECRET));
    assert.match(problemsOf(write('sites.toml', 'x')).message, /sites\.toml: unsupported extension/);
    assert.match(
      problemsOf(path.join(directory, 'absent.yaml')).message,
      /absent\.yaml: cannot read the file \(ENOENT\)/,
    );
  });
});
