/**
 * AES-256-GCM PayloadCodec: every payload (its data and metadata) is serialized, encrypted with the keyring's active
 * key and a fresh 12-byte nonce, and replaced by a payload whose metadata says `encoding: binary/encrypted` and names
 * the key (`encryption-key-id`), so a rotated keyring still decrypts old histories. GCM's tag makes tampering fail
 * loudly instead of decoding to garbage. Payloads that are not encrypted pass through decode unchanged (histories
 * written before the codec was turned on stay readable).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { keyringFromEnvironment, type CodecKeyring } from './keyring';

/** `encoding` metadata of an encrypted payload. */
export const ENCODING_ENCRYPTED = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with. */
export const METADATA_KEY_ID = 'encryption-key-id';
/** Metadata naming the cipher (the name other Temporal SDK samples use). */
export const METADATA_CIPHER = 'encryption-cipher';
const CIPHER_NAME = 'AES/GCM/NoPadding';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A payload cannot be decrypted: unknown key id, missing metadata, or authentication failed (wrong key, tampering). */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

const text = (bytes: Uint8Array | null | undefined): string | undefined =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

// The key id and encoding are authenticated too: a payload cannot be relabelled to another key undetected.
const additionalData = (keyId: string): Buffer => Buffer.from(`${ENCODING_ENCRYPTED}\0${keyId}`, 'utf8');

/** The encryption codec. Build it with `new AesGcmCodec(keyring)` or `loadCodecFromEnvironment()`. */
export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly keyring: CodecKeyring) {
    if (!keyring.keys.has(keyring.activeKeyId))
      throw new PayloadDecryptionError(`active key "${keyring.activeKeyId}" is not in the keyring`);
  }

  /** The id new payloads are encrypted with. */
  get activeKeyId(): string {
    return this.keyring.activeKeyId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keyring.activeKeyId;
    const key = this.keyring.keys.get(keyId)!;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(keyId));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCODING_ENCRYPTED),
        [METADATA_KEY_ID]: Buffer.from(keyId),
        [METADATA_CIPHER]: Buffer.from(CIPHER_NAME),
      },
      data: sealed,
    };
  }

  private decrypt(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCODING_ENCRYPTED) return payload;
    const keyId = text(payload.metadata?.[METADATA_KEY_ID]);
    if (!keyId) throw new PayloadDecryptionError(`encrypted payload has no ${METADATA_KEY_ID} metadata`);
    const key = this.keyring.keys.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `payload was encrypted with key id "${keyId}", which this keyring does not hold ` +
          `(known: ${[...this.keyring.keys.keys()].join(', ')}); add that key to the keyring in VR_CODEC_KEY / VR_CODEC_KEY_FILE`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < NONCE_BYTES + TAG_BYTES)
      throw new PayloadDecryptionError(`encrypted payload (key id "${keyId}") is too short to be valid`);
    const bytes = Buffer.from(data);
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(additionalData(keyId));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadDecryptionError(
        `payload failed authentication with key id "${keyId}": the key is not the one it was encrypted with, ` +
          'or the payload was altered',
      );
    }
    const inner = temporal.api.common.v1.Payload.decode(plain);
    return { metadata: inner.metadata, data: inner.data };
  }
}

/**
 * The codec configured by `VR_CODEC_KEY` (base64 key or JSON keyring) or `VR_CODEC_KEY_FILE`; undefined when neither
 * is set (payloads stay plain). Throws CodecKeyError for a missing file, a short key or a malformed keyring.
 * Default env: process.env.
 */
export function loadCodecFromEnvironment(
  env: Record<string, string | undefined> = process.env,
): AesGcmCodec | undefined {
  const keyring = keyringFromEnvironment(env);
  return keyring ? new AesGcmCodec(keyring) : undefined;
}
