/** The data converter for client and worker when the payload codec is on. */
import type { DataConverter, PayloadCodec } from '@temporalio/common';

/** Path of the failure converter module that encodes failure messages and stack traces (see failure-converter.ts). */
export const ENCODED_FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

/**
 * A DataConverter that runs `codec` over every payload and encodes failure messages and stack traces, so they are
 * encrypted too. Give the same converter to the Client and the Worker; a prebuilt workflow bundle must be built with
 * `failureConverterPath: ENCODED_FAILURE_CONVERTER_PATH`. Without a codec: the SDK defaults (plain payloads).
 */
export function createDataConverter(codec: PayloadCodec | undefined): DataConverter {
  if (!codec) return {};
  return { payloadCodecs: [codec], failureConverterPath: ENCODED_FAILURE_CONVERTER_PATH };
}
