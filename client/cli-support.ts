/**
 * What every CLI command shares: exit codes, global Temporal settings (option, then environment variable, then
 * default), a connected client, and readable failure chains. Command groups live in their own modules and register
 * themselves on the program through `CommandContext`.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import {
  DEFAULT_NAMESPACE,
  DEFAULT_TASK_QUEUE,
  DEFAULT_TEMPORAL_ADDRESS,
  DEFAULT_TEMPORAL_UI_URL,
} from '../worker/defaults';
import { CodecKeyError, createDataConverter, loadCodecFromEnvironment } from '../codec';
import { parseYamlOrJson } from '../worker/structured-file';
import { connectTemporalClient } from './api';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Raised to end the command with a message on stderr and an exit code. */
export class CliExit extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface GlobalOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  uiUrl?: string;
}

export interface Settings {
  address: string;
  namespace: string;
  taskQueue: string;
  uiUrl: string;
}

export const settingsOf = (options: GlobalOptions): Settings => ({
  address: options.address ?? process.env.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS,
  namespace: options.namespace ?? process.env.TEMPORAL_NAMESPACE ?? DEFAULT_NAMESPACE,
  taskQueue: options.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
  uiUrl: options.uiUrl ?? process.env.TEMPORAL_UI_URL ?? DEFAULT_TEMPORAL_UI_URL,
});

export async function withClient<T>(settings: Settings, use: (client: Client) => Promise<T>): Promise<T> {
  let client: Client;
  let dataConverter;
  try {
    // The same payload encryption as the worker, when VR_CODEC_KEY or VR_CODEC_KEY_FILE is set.
    dataConverter = createDataConverter(loadCodecFromEnvironment());
  } catch (error) {
    if (error instanceof CodecKeyError) throw new CliExit(error.message, EXIT_USAGE);
    throw error;
  }
  try {
    client = await connectTemporalClient({
      address: settings.address,
      namespace: settings.namespace,
      dataConverter,
    });
  } catch (error) {
    throw new CliExit(
      `cannot connect to Temporal at ${settings.address} (--address or env TEMPORAL_ADDRESS): ${(error as Error).message}`,
      EXIT_FAILED,
    );
  }
  try {
    return await use(client);
  } finally {
    await client.connection.close();
  }
}

/** The failure chain of a workflow error, outermost first (WorkflowFailedError says little on its own). */
export function describeFailure(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error && messages.length < 5; current = current.cause) {
    messages.push(current.message);
  }
  return messages.join(': ') || String(error);
}

/** Handed to each command group's `register(program, context)`. */
export interface CommandContext {
  /** The global settings, read when a command runs. */
  settings: () => Settings;
  /** Runs a command's promise; its number is the exit code. */
  run: (exitCode: Promise<number>) => void;
}

export type RegisterCommands = (program: Command, context: CommandContext) => void;

/**
 * Reads a YAML or JSON file and validates it (`validate` throws an error with `issues`); every problem names the
 * file and the field. `what` names the file in messages, e.g. 'spec' or 'campaign file'.
 */
export function readValidatedFile<T>(file: string, validate: (value: unknown) => T, what: string): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliExit(
      `${file}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code})`,
      EXIT_USAGE,
    );
  }
  const parsed = parseYamlOrJson(file, text, { yamlByDefault: true });
  if (parsed.problems.length > 0)
    throw new CliExit(parsed.problems.map((problem) => `${file}: ${problem}`).join('\n'), EXIT_USAGE);
  try {
    return validate(parsed.value ?? {});
  } catch (error) {
    const issues = (error as { issues?: string[] }).issues;
    if (!Array.isArray(issues)) throw error;
    throw new CliExit(
      `invalid ${what}, nothing started:\n${issues.map((i) => `${file}: ${i}`).join('\n')}`,
      EXIT_USAGE,
    );
  }
}
