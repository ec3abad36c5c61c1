/**
 * `npm run codec-server -- [--port 8888] [--ui-origin http://127.0.0.1:8233]`: serves /encode and /decode for the
 * Temporal UI with the key from VR_CODEC_KEY or VR_CODEC_KEY_FILE. In the UI, set the codec endpoint to the URL
 * this prints. Every setting: option, then environment variable, then default.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import {
  CODEC_KEY_ENV,
  CODEC_KEY_FILE_ENV,
  CodecKeyError,
  DEFAULT_CODEC_SERVER_PORT,
  DEFAULT_UI_ORIGIN,
  loadCodecFromEnvironment,
  startCodecServer,
} from '../codec';

const EXIT_CONFIGURATION = 2;

interface Options {
  port?: string;
  host?: string;
  uiOrigin?: string;
  tokenFile?: string;
}

function fail(message: string): never {
  console.error(message);
  process.exit(EXIT_CONFIGURATION);
}

async function main(): Promise<void> {
  const options = new Command('codec-server')
    .description('Decode encrypted Temporal payloads for the Temporal UI (and encode them for the CLI)')
    .option('--port <port>', `port; env VR_CODEC_SERVER_PORT, default ${DEFAULT_CODEC_SERVER_PORT} (0 = any)`)
    .option('--host <host>', 'interface to bind; env VR_CODEC_SERVER_HOST, default 127.0.0.1')
    .option(
      '--ui-origin <origins>',
      `comma-separated browser origins allowed (CORS); env VR_CODEC_UI_ORIGIN, default ${DEFAULT_UI_ORIGIN}`,
    )
    .option(
      '--token-file <file>',
      'require "Authorization: Bearer <token in file>"; env VR_CODEC_SERVER_TOKEN (the token itself)',
    )
    .parse()
    .opts<Options>();

  let codec;
  try {
    codec = loadCodecFromEnvironment(process.env);
  } catch (error) {
    if (error instanceof CodecKeyError) fail(error.message);
    throw error;
  }
  if (!codec) fail(`no key: set ${CODEC_KEY_ENV} (base64 key or JSON keyring) or ${CODEC_KEY_FILE_ENV}`);

  const portText = options.port ?? process.env.VR_CODEC_SERVER_PORT ?? String(DEFAULT_CODEC_SERVER_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port: not a port number: ${portText}`);
  const uiOrigins = (options.uiOrigin ?? process.env.VR_CODEC_UI_ORIGIN ?? DEFAULT_UI_ORIGIN)
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  let token = process.env.VR_CODEC_SERVER_TOKEN;
  if (options.tokenFile) {
    try {
      token = readFileSync(options.tokenFile, 'utf8').trim();
    } catch (error) {
      fail(`--token-file: cannot read ${options.tokenFile} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  if (token === '') fail('the bearer token is empty');

  let running;
  try {
    running = await startCodecServer({
      codec,
      port,
      host: options.host ?? process.env.VR_CODEC_SERVER_HOST ?? '127.0.0.1',
      uiOrigins,
      token,
      log: (line) => console.error(line),
    });
  } catch (error) {
    fail(`cannot start the codec server: ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(`codec server listening on ${running.url}`);
  console.log(
    `allowed UI origins: ${uiOrigins.join(', ')}; active key id: ${codec.activeKeyId}; bearer token ${token ? 'required' : 'not required'}`,
  );
  const stop = (): void => {
    void running.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
