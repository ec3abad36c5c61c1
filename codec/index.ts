/** Payload encryption for client and worker (AES-256-GCM, rotating keys) and the codec server for the Temporal UI. */
export {
  AesGcmCodec,
  PayloadDecryptionError,
  loadCodecFromEnvironment,
  ENCODING_ENCRYPTED,
  METADATA_KEY_ID,
  METADATA_CIPHER,
} from './aes-gcm-codec';
export {
  CodecKeyError,
  parseKeyMaterial,
  keyringFromEnvironment,
  CODEC_KEY_ENV,
  CODEC_KEY_FILE_ENV,
  DEFAULT_KEY_ID,
  KEY_BYTES,
  type CodecKeyring,
} from './keyring';
export { createDataConverter, ENCODED_FAILURE_CONVERTER_PATH } from './data-converter';
export {
  startCodecServer,
  createCodecRequestHandler,
  DEFAULT_UI_ORIGIN,
  DEFAULT_CODEC_SERVER_PORT,
  type CodecServerOptions,
  type RunningCodecServer,
} from './codec-server';
export { failureConverter as encodedFailureConverter } from './failure-converter';
