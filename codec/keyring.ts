/**
 * Key material of the payload codec: one base64 AES-256 key, or a JSON keyring naming the active key, so keys can
 * rotate (new payloads use the active key; old payloads name theirs in their metadata). Error messages name the
 * source (variable or file) and the rule, never a key.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Environment variable holding a base64 32-byte key or a JSON keyring. */
export const CODEC_KEY_ENV = 'VR_CODEC_KEY';
/** Environment variable naming a file that holds a base64 32-byte key or a JSON keyring. */
export const CODEC_KEY_FILE_ENV = 'VR_CODEC_KEY_FILE';
/** Key id of a single key given without a keyring; name the old key so in a keyring when you start rotating. */
export const DEFAULT_KEY_ID = 'default';
/** AES-256 needs 32 bytes. */
export const KEY_BYTES = 32;

/** Keys by id, and the id new payloads are encrypted with. */
export interface CodecKeyring {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** The key material is missing, unreadable or malformed; the message says where it came from and what to fix. */
export class CodecKeyError extends Error {
  override readonly name = 'CodecKeyError';
}

const HOW_TO_MAKE_A_KEY = 'make one with `openssl rand -base64 32`';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeKey(value: unknown, where: string): Buffer {
  if (typeof value !== 'string' || value.trim() === '')
    throw new CodecKeyError(`${where}: must be a base64 string of ${KEY_BYTES} bytes (${HOW_TO_MAKE_A_KEY})`);
  const text = value.trim();
  if (!BASE64.test(text) || text.length % 4 !== 0)
    throw new CodecKeyError(`${where}: is not valid base64 (${HOW_TO_MAKE_A_KEY})`);
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new CodecKeyError(
      `${where}: the key is ${key.length} bytes, AES-256 needs exactly ${KEY_BYTES} (${HOW_TO_MAKE_A_KEY})`,
    );
  }
  return key;
}

const KeyringFile = z
  .object({
    activeKeyId: z.string().min(1),
    keys: z.record(z.string().min(1), z.unknown()),
  })
  .strict();

/** Parses a base64 key or a JSON keyring `{ "activeKeyId": "k2", "keys": { "k1": "...", "k2": "..." } }`. */
export function parseKeyMaterial(text: string, source: string): CodecKeyring {
  const trimmed = text.trim();
  if (trimmed === '') throw new CodecKeyError(`${source}: is empty (${HOW_TO_MAKE_A_KEY})`);
  if (!trimmed.startsWith('{')) {
    return { activeKeyId: DEFAULT_KEY_ID, keys: new Map([[DEFAULT_KEY_ID, decodeKey(trimmed, source)]]) };
  }
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    // The SyntaxError quotes the text, which holds keys: never pass it on.
    throw new CodecKeyError(`${source}: starts with "{" but is not valid JSON (expected a keyring)`);
  }
  const parsed = KeyringFile.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const field = issue.path.map(String).join('.') || '(top level)';
      const message =
        issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.join(', ')}` : issue.message;
      return `${field}: ${message}`;
    });
    throw new CodecKeyError(
      `${source}: not a keyring { "activeKeyId": "...", "keys": { "<id>": "<base64>" } }: ${issues.join('; ')}`,
    );
  }
  const keys = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(parsed.data.keys))
    keys.set(id, decodeKey(value, `${source}: keys.${id}`));
  if (!keys.has(parsed.data.activeKeyId)) {
    throw new CodecKeyError(
      `${source}: activeKeyId "${parsed.data.activeKeyId}" is not in keys (known: ${[...keys.keys()].join(', ') || 'none'})`,
    );
  }
  return { activeKeyId: parsed.data.activeKeyId, keys };
}

/**
 * The keyring from `VR_CODEC_KEY` or the file named by `VR_CODEC_KEY_FILE`; undefined when neither is set (the
 * codec is optional). Both set is an error: the reader could not tell which one is meant.
 */
export function keyringFromEnvironment(env: Record<string, string | undefined>): CodecKeyring | undefined {
  const inline = env[CODEC_KEY_ENV];
  const file = env[CODEC_KEY_FILE_ENV];
  if (inline !== undefined && file !== undefined)
    throw new CodecKeyError(`set only one of ${CODEC_KEY_ENV} and ${CODEC_KEY_FILE_ENV}, not both`);
  if (inline !== undefined) return parseKeyMaterial(inline, `environment variable ${CODEC_KEY_ENV}`);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CodecKeyError(`${CODEC_KEY_FILE_ENV}: cannot read key file ${file} (${code})`);
  }
  return parseKeyMaterial(text, `key file ${file} (${CODEC_KEY_FILE_ENV})`);
}
