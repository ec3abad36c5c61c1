/**
 * The AES-256-GCM payload codec on its own: round trip, key rotation, tampering, wrong keys, and the key-material
 * errors (which must name the source and the rule and never echo a key).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { AesGcmCodec } from '../../codec';
import {
  CodecKeyError,
  createDataConverter,
  ENCODING_ENCRYPTED,
  loadCodecFromEnvironment,
  METADATA_KEY_ID,
  PayloadDecryptionError,
} from '../../codec';

const newKey = (): string => randomBytes(32).toString('base64');
const keyring = (activeKeyId: string, keys: Record<string, string>): string =>
  JSON.stringify({ activeKeyId, keys });
const codecOf = (value: string): AesGcmCodec => loadCodecFromEnvironment({ VR_CODEC_KEY: value })!;

const plainPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const valueOf = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const text = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('utf8');

const secretInput = { vms: [{ name: 'payroll-db-1' }], targetDatastore: 'recovery-ds-1', rpoMinutes: 15 };

const directory = mkdtempSync(path.join(tmpdir(), 'codec-test-'));
after(() => rmSync(directory, { recursive: true, force: true }));

describe('AesGcmCodec', () => {
  test('round trip: the encoded payload is opaque, marked, and decodes to the same value', async () => {
    const codec = codecOf(newKey());
    const [encoded] = await codec.encode([plainPayload(secretInput)]);
    assert.ok(encoded);
    assert.equal(text(encoded.metadata?.encoding), ENCODING_ENCRYPTED);
    assert.equal(text(encoded.metadata?.[METADATA_KEY_ID]), 'default');
    const raw = Buffer.from(encoded.data!).toString('latin1');
    for (const word of ['payroll-db-1', 'recovery-ds-1', 'rpoMinutes', 'json/plain'])
      assert.ok(!raw.includes(word), word);
    const [decoded] = await codec.decode([encoded]);
    assert.deepEqual(valueOf(decoded!), secretInput);
    assert.equal(text(decoded!.metadata?.encoding), 'json/plain', 'the inner metadata is restored');
  });

  test('each encoding uses a fresh nonce; plain payloads pass through decode untouched', async () => {
    const codec = codecOf(newKey());
    const [first, second] = await codec.encode([plainPayload('same'), plainPayload('same')]);
    assert.notDeepEqual(Buffer.from(first!.data!), Buffer.from(second!.data!));
    const plain = plainPayload({ written: 'before the codec was on' });
    const [passed] = await codec.decode([plain]);
    assert.equal(passed, plain);
  });

  test('rotation: new payloads carry the new key id, payloads of the old key still decrypt', async () => {
    const k1 = newKey();
    const k2 = newKey();
    const before = codecOf(keyring('k1', { k1 }));
    const [old] = await before.encode([plainPayload(secretInput)]);
    assert.equal(text(old!.metadata?.[METADATA_KEY_ID]), 'k1');

    const rotated = codecOf(keyring('k2', { k1, k2 }));
    assert.equal(rotated.activeKeyId, 'k2');
    const [fresh] = await rotated.encode([plainPayload('new')]);
    assert.equal(text(fresh!.metadata?.[METADATA_KEY_ID]), 'k2');
    const [oldDecoded, freshDecoded] = await rotated.decode([old!, fresh!]);
    assert.deepEqual(valueOf(oldDecoded!), secretInput);
    assert.equal(valueOf(freshDecoded!), 'new');

    // A single key given without a keyring is the key id "default": it can join a keyring under that name.
    const single = newKey();
    const [legacy] = await codecOf(single).encode([plainPayload('legacy')]);
    const [legacyDecoded] = await codecOf(keyring('k3', { default: single, k3: newKey() })).decode([legacy!]);
    assert.equal(valueOf(legacyDecoded!), 'legacy');
  });

  test('tampering fails: a flipped ciphertext bit, a cut tag, or a relabelled key id', async () => {
    const k1 = newKey();
    const codec = codecOf(keyring('k1', { k1, k2: k1 }));
    const [encoded] = await codec.encode([plainPayload(secretInput)]);
    const flipped = Buffer.from(encoded!.data!);
    flipped[20] = flipped[20]! ^ 0x01;
    await assert.rejects(codec.decode([{ ...encoded!, data: flipped }]), (error: unknown) => {
      assert.ok(error instanceof PayloadDecryptionError);
      assert.match(error.message, /failed authentication with key id "k1".*altered/);
      return true;
    });
    await assert.rejects(
      codec.decode([{ ...encoded!, data: Buffer.from(encoded!.data!).subarray(0, 20) }]),
      PayloadDecryptionError,
    );
    // Same key bytes under another id: the id is authenticated, so relabelling is detected.
    const relabelled = {
      ...encoded!,
      metadata: { ...encoded!.metadata, [METADATA_KEY_ID]: Buffer.from('k2') },
    };
    await assert.rejects(codec.decode([relabelled]), /failed authentication with key id "k2"/);
  });

  test('wrong key and unknown key id fail clearly, without key material in the message', async () => {
    const right = newKey();
    const wrong = newKey();
    const [encoded] = await codecOf(keyring('k1', { k1: right })).encode([plainPayload('x')]);
    await assert.rejects(codecOf(keyring('k1', { k1: wrong })).decode([encoded!]), (error: Error) => {
      assert.match(error.message, /key id "k1".*not the one it was encrypted with/);
      assert.ok(!error.message.includes(wrong) && !error.message.includes(right));
      return true;
    });
    await assert.rejects(codecOf(keyring('k9', { k9: right })).decode([encoded!]), (error: Error) => {
      assert.ok(error instanceof PayloadDecryptionError);
      assert.match(
        error.message,
        /encrypted with key id "k1", which this keyring does not hold \(known: k9\)/,
      );
      assert.match(error.message, /VR_CODEC_KEY/);
      return true;
    });
    const noKeyId = { ...encoded!, metadata: { encoding: Buffer.from(ENCODING_ENCRYPTED) } };
    await assert.rejects(codecOf(right).decode([noKeyId]), /no encryption-key-id metadata/);
  });
});

describe('key material', () => {
  const rejects = (env: Record<string, string>, pattern: RegExp, secret?: string): void => {
    assert.throws(
      () => loadCodecFromEnvironment(env),
      (error: unknown) => {
        assert.ok(error instanceof CodecKeyError, String(error));
        assert.match(error.message, pattern);
        if (secret) assert.ok(!error.message.includes(secret), 'the message quotes key material');
        return true;
      },
    );
  };

  test('no key: the codec is off', () => {
    assert.equal(loadCodecFromEnvironment({}), undefined);
    assert.deepEqual(createDataConverter(undefined), {});
    const converter = createDataConverter(codecOf(newKey()));
    assert.equal(converter.payloadCodecs?.length, 1);
    assert.match(converter.failureConverterPath ?? '', /failure-converter/);
  });

  test('short, empty, non-base64 keys and bad keyrings name the source and the rule', () => {
    const short = randomBytes(16).toString('base64');
    rejects({ VR_CODEC_KEY: short }, /VR_CODEC_KEY: the key is 16 bytes, AES-256 needs exactly 32/, short);
    rejects({ VR_CODEC_KEY: '' }, /VR_CODEC_KEY: is empty/);
    rejects(
      { VR_CODEC_KEY: 'not base64 at all!' },
      /VR_CODEC_KEY: is not valid base64/,
      'not base64 at all!',
    );
    rejects(
      { VR_CODEC_KEY: '{"activeKeyId": "k1", "keys": ' },
      /VR_CODEC_KEY: starts with "\{" but is not valid JSON/,
    );
    rejects(
      { VR_CODEC_KEY: keyring('k2', { k1: newKey() }) },
      /activeKeyId "k2" is not in keys \(known: k1\)/,
    );
    rejects({ VR_CODEC_KEY: keyring('k1', { k1: short }) }, /keys\.k1: the key is 16 bytes/, short);
    rejects({ VR_CODEC_KEY: JSON.stringify({ keys: { k1: newKey() } }) }, /activeKeyId/);
    rejects(
      { VR_CODEC_KEY: JSON.stringify({ activeKeyId: 'k1', keys: { k1: newKey() }, extra: 1 }) },
      /unknown key extra/,
    );
    rejects(
      { VR_CODEC_KEY: newKey(), VR_CODEC_KEY_FILE: '/x' },
      /set only one of VR_CODEC_KEY and VR_CODEC_KEY_FILE/,
    );
  });

  test('a key file: read, trimmed; a missing file names the variable and the path', async () => {
    const file = path.join(directory, 'codec.key');
    const k1 = newKey();
    writeFileSync(file, `${keyring('k1', { k1 })}\n`);
    const codec = loadCodecFromEnvironment({ VR_CODEC_KEY_FILE: file })!;
    const [encoded] = await codec.encode([plainPayload('from file')]);
    assert.equal(valueOf((await codecOf(keyring('k1', { k1 })).decode([encoded!]))[0]!), 'from file');
    const single = path.join(directory, 'single.key');
    writeFileSync(single, `${newKey()}\n`);
    assert.equal(loadCodecFromEnvironment({ VR_CODEC_KEY_FILE: single })?.activeKeyId, 'default');
    const missing = path.join(directory, 'absent.key');
    rejects(
      { VR_CODEC_KEY_FILE: missing },
      new RegExp(`VR_CODEC_KEY_FILE: cannot read key file .*absent\\.key \\(ENOENT\\)`),
    );
    writeFileSync(single, randomBytes(31).toString('base64'));
    rejects({ VR_CODEC_KEY_FILE: single }, /single\.key \(VR_CODEC_KEY_FILE\): the key is 31 bytes/);
  });
});
