/**
 * The worker's sites file: which VRMS gateways it talks to and where their credentials come from. Workflow inputs
 * name a site; the URL, CA bundle and passwords stay here, on the worker. Passwords are references
 * (`{ env: NAME }` or `{ file: PATH }`), never inline, so the file itself can live in version control.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseYamlOrJson } from './structured-file';

/** A password reference in the sites file; resolved at load time. */
export type PasswordReference = { env: string } | { file: string };

/** Credentials for a remote login to a paired site. */
export interface RemoteCredentials {
  /** Name or id of the remote vCenter they are for; undefined = any remote vCenter. */
  vcenter?: string;
  username: string;
  password: string;
}

/** A site, resolved: absolute caFile, passwords read from their env var or file. */
export interface SiteConfig {
  /** The site name workflow inputs use. */
  name: string;
  /** VRMS gateway base URL without path or trailing slash, e.g. https://vrms.example.com. */
  url: string;
  /** Default 'v2'. */
  apiVersion: 'v1' | 'v2';
  /** Absolute path of a PEM bundle to trust. Default: the system trust store. */
  caFile?: string;
  /** Default false. */
  insecureSkipVerify: boolean;
  username: string;
  password: string;
  /** For remote logins to paired sites, in file order. Default []. */
  remoteCredentials: RemoteCredentials[];
  /** Request pacing per VRMS. Default: the VR client's (100 / 45 per minute). */
  pacing?: { perClientPerMinute?: number; perSessionPerMinute?: number };
}

/** Every problem of a sites file, one per line: `<file>: <field path>: <problem>`. Never holds a password. */
export class SitesFileError extends Error {
  readonly file: string;
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(
      `sites file ${file} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.join('\n'),
    );
    this.name = 'SitesFileError';
    this.file = file;
    this.problems = problems;
  }
}

interface ResolveContext {
  baseDirectory: string;
  env: Record<string, string | undefined>;
}

type Issues = { addIssue(issue: { code: 'custom'; message: string; path?: PropertyKey[] }): void };

function readPassword(reference: PasswordReference, resolve: ResolveContext, issues: Issues): string {
  if ('env' in reference) {
    const value = resolve.env[reference.env];
    if (value === undefined) {
      issues.addIssue({
        code: 'custom',
        message: `environment variable ${reference.env} is not set`,
        path: ['env'],
      });
    } else if (value === '') {
      issues.addIssue({
        code: 'custom',
        message: `environment variable ${reference.env} is empty`,
        path: ['env'],
      });
    }
    return value ?? '';
  }
  const absolute = path.resolve(resolve.baseDirectory, reference.file);
  try {
    // Secret files usually end with a newline that is not part of the password.
    const value = readFileSync(absolute, 'utf8').replace(/\r?\n$/, '');
    if (value === '')
      issues.addIssue({ code: 'custom', message: `password file ${absolute} is empty`, path: ['file'] });
    return value;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    issues.addIssue({
      code: 'custom',
      message: `cannot read password file ${absolute} (${code})`,
      path: ['file'],
    });
    return '';
  }
}

// The password is checked by hand (not by a zod union) so that the messages say what to do instead, and so that
// no message can ever quote an inline value.
const passwordField = (resolve: ResolveContext) =>
  z.unknown().transform((value, issues): string => {
    const say = (message: string, pathTail: PropertyKey[] = []) =>
      issues.addIssue({ code: 'custom', message, path: pathTail });
    if (value === undefined || value === null) {
      say('required: give { env: VARIABLE } or { file: PATH }');
    } else if (typeof value !== 'object') {
      say('inline passwords are not allowed: use { env: VARIABLE } or { file: PATH }');
    } else if (Array.isArray(value)) {
      say('must be { env: VARIABLE } or { file: PATH }');
    } else {
      const keys = Object.keys(value);
      const key = keys[0];
      const target = (value as Record<string, unknown>)[key ?? ''];
      if (keys.length !== 1 || (key !== 'env' && key !== 'file')) {
        say(`must have exactly one key, env or file (found: ${keys.join(', ') || 'none'})`);
      } else if (typeof target !== 'string' || target.trim() === '') {
        say(key === 'env' ? 'must be a variable name' : 'must be a file path', [key]);
      } else {
        return readPassword(key === 'env' ? { env: target } : { file: target }, resolve, issues);
      }
    }
    return z.NEVER;
  });

const urlField = z.string().transform((value, issues): string => {
  // The value is never echoed: a URL may carry user:password@.
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    issues.addIssue({ code: 'custom', message: 'not a valid URL; expected e.g. https://vrms.example.com' });
    return z.NEVER;
  }
  const problems: string[] = [];
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    problems.push('must start with https:// or http://');
  if (url.username || url.password) problems.push('must not contain credentials; use username and password');
  if (url.pathname !== '/' && url.pathname !== '')
    problems.push('must be the gateway base URL without a path');
  if (url.search || url.hash) problems.push('must not have a query or fragment');
  for (const message of problems) issues.addIssue({ code: 'custom', message });
  return problems.length > 0 ? z.NEVER : url.origin;
});

const caFileField = (resolve: ResolveContext) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .transform((value, issues): string => {
      const caFile = path.resolve(resolve.baseDirectory, value);
      const say = (message: string) => issues.addIssue({ code: 'custom', message });
      try {
        if (!statSync(caFile).isFile()) say(`${caFile} is not a file`);
        else {
          accessSync(caFile, constants.R_OK);
          if (!readFileSync(caFile, 'utf8').includes('-----BEGIN CERTIFICATE-----')) {
            say(`${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
          }
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        say(code === 'ENOENT' ? `CA file ${caFile} not found` : `cannot read CA file ${caFile} (${code})`);
      }
      return caFile;
    });

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const perMinute = z.number().int().positive().max(100_000);

/** The sites file schema (exported for docs generation: scripts/gen-docs.ts). */
export function sitesFileSchema(resolve: ResolveContext) {
  const remoteCredentials = z
    .object({ vcenter: nonEmpty.optional(), username: nonEmpty, password: passwordField(resolve) })
    .strict();
  const site = z
    .object({
      url: urlField,
      apiVersion: z.enum(['v1', 'v2']).optional(),
      caFile: caFileField(resolve).optional(),
      insecureSkipVerify: z.boolean().optional(),
      username: nonEmpty,
      password: passwordField(resolve),
      remoteCredentials: z.array(remoteCredentials).optional(),
      pacing: z
        .object({ perClientPerMinute: perMinute.optional(), perSessionPerMinute: perMinute.optional() })
        .strict()
        .optional(),
    })
    .strict()
    .refine((value) => !(value.caFile !== undefined && value.insecureSkipVerify), {
      message: 'cannot be true together with caFile; keep caFile and drop insecureSkipVerify',
      path: ['insecureSkipVerify'],
    });
  return z
    .object({
      sites: z
        .record(z.string().min(1, 'site names must not be empty'), site, {
          error: (issue) =>
            issue.input === undefined
              ? 'required: list your sites under sites:'
              : 'must be a map of site name to site',
        })
        .refine((sites) => Object.keys(sites).length > 0, 'no sites: add at least one site under sites:'),
    })
    .strict();
}

/** `sites.protected.remoteCredentials[0].password` */
const fieldPath = (parts: ReadonlyArray<PropertyKey>): string =>
  parts
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');

function zodProblems(error: z.ZodError): Array<{ field: string; message: string }> {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: fieldPath([...issue.path, key]), message: 'unknown key' }));
    }
    // zod keeps no input on issues by default; its message tells a missing field apart from a wrong type.
    const message =
      issue.code === 'invalid_type' && issue.message.endsWith('received undefined')
        ? `required (${issue.expected})`
        : issue.message;
    return [{ field: fieldPath(issue.path) || '(top level)', message }];
  });
}

/**
 * Reads and checks a sites file (.yaml, .yml or .json) and resolves its password references from `env` (default
 * `process.env`) and files. Throws one SitesFileError listing every problem.
 */
export function loadSitesFile(
  file: string,
  env: Record<string, string | undefined> = process.env,
): SiteConfig[] {
  const absoluteFile = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absoluteFile, 'utf8');
  } catch (error) {
    throw new SitesFileError(file, [
      `${file}: cannot read the file (${(error as NodeJS.ErrnoException).code})`,
    ]);
  }
  const parsed = parseYamlOrJson(file, text);
  if (parsed.problems.length > 0) {
    throw new SitesFileError(
      file,
      parsed.problems.map((problem) => `${file}: ${problem}`),
    );
  }
  const checked = sitesFileSchema({ baseDirectory: path.dirname(absoluteFile), env }).safeParse(
    parsed.value ?? {},
  );
  if (!checked.success) {
    throw new SitesFileError(
      file,
      zodProblems(checked.error).map(({ field, message }) => `${file}: ${field}: ${message}`),
    );
  }
  return Object.entries(checked.data.sites).map(([name, site]) => {
    const resolved: SiteConfig = {
      name,
      url: site.url,
      apiVersion: site.apiVersion ?? 'v2',
      insecureSkipVerify: site.insecureSkipVerify ?? false,
      username: site.username,
      password: site.password,
      remoteCredentials: (site.remoteCredentials ?? []).map((remote) => ({
        ...(remote.vcenter === undefined ? {} : { vcenter: remote.vcenter }),
        username: remote.username,
        password: remote.password,
      })),
    };
    if (site.caFile !== undefined) resolved.caFile = site.caFile;
    if (site.pacing !== undefined) resolved.pacing = site.pacing;
    return resolved;
  });
}

/** A site without its secrets, for logs. */
export function describeSite(site: SiteConfig): Record<string, unknown> {
  return {
    name: site.name,
    url: site.url,
    apiVersion: site.apiVersion,
    caFile: site.caFile,
    insecureSkipVerify: site.insecureSkipVerify,
    username: site.username,
    // Not named remoteCredentials: loggers redact fields named like credentials, and these are only user names.
    remoteUsers: site.remoteCredentials.map((entry) => ({
      vcenter: entry.vcenter,
      username: entry.username,
    })),
  };
}
