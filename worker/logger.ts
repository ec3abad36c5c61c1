/**
 * The worker's logger: one JSON object per line on stderr (`level`, `time`, `msg`, then the fields), so that log
 * shippers can read it without a parser of their own. Every string is passed through `redactSecrets`, and fields
 * whose name says they hold a secret are replaced outright: the VR client promises not to log secrets, this is the
 * second line of defence for everything else (Temporal SDK messages, activity errors).
 */
import {
  DefaultLogger,
  Runtime,
  type LogLevel as TemporalLogLevel,
  type RuntimeOptions,
} from '@temporalio/worker';
import { redactSecrets } from '../vr/errors';
import type { VrLogger } from '../vr/logger';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLogger extends VrLogger {
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): JsonLogger;
}

export interface JsonLoggerOptions {
  /** Lowest level written. Default: env LOG_LEVEL, else 'info'. */
  level?: LogLevel;
  /** Where lines go (without the newline added). Default: process.stderr. */
  write?: (line: string) => void;
  /** Fields added to every line. Default none. */
  fields?: Record<string, unknown>;
}

const REDACTED = '[REDACTED]';
const SECRET_KEY = /pass(word|wd)?$|^pwd$|secret|authorization|x-dr-session|session_?id|token|credential/i;
const MAX_DEPTH = 6;

/** A JSON-safe, redacted copy of a log field value. */
export function sanitizeLogValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) {
    const { name, message } = value;
    const code = (value as { code?: unknown }).code;
    const cause = value.cause === undefined ? undefined : sanitizeLogValue(value.cause, depth + 1);
    return {
      name,
      message: redactSecrets(message),
      ...(code === undefined ? {} : { code }),
      ...(cause ? { cause } : {}),
    };
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => sanitizeLogValue(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key,
      SECRET_KEY.test(key) && item !== undefined && item !== null
        ? REDACTED
        : sanitizeLogValue(item, depth + 1),
    ]),
  );
}

const envLevel = (): LogLevel | undefined => {
  const value = process.env.LOG_LEVEL?.toLowerCase();
  return value && value in LEVELS ? (value as LogLevel) : undefined;
};

/** Creates a JSON-lines logger (default: level from LOG_LEVEL or info, written to stderr). */
export function createJsonLogger(options: JsonLoggerOptions = {}): JsonLogger {
  const threshold = LEVELS[options.level ?? envLevel() ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const base = options.fields ?? {};
  const emit = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const line = {
      level,
      time: new Date().toISOString(),
      msg: redactSecrets(message),
      ...(sanitizeLogValue({ ...base, ...fields }) as Record<string, unknown>),
    };
    write(JSON.stringify(line));
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) =>
      createJsonLogger({ ...options, level: options.level ?? envLevel(), fields: { ...base, ...fields } }),
  };
}

const TEMPORAL_LEVELS: Record<TemporalLogLevel, LogLevel> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the Temporal SDK's own log (worker state, activity and workflow loggers) through `logger`. The SDK runtime
 * is process-wide and can be installed once, before the first connection; returns false when it already was.
 * `shutdownSignals` are the signals on which the SDK itself shuts every worker down (default SIGINT, SIGTERM,
 * SIGQUIT, SIGUSR2); pass [] when the process handles signals itself and needs the worker a while longer.
 * `telemetryOptions` (default none) e.g. expose the Prometheus endpoint, see worker/metrics.ts.
 */
export function installTemporalRuntimeLogger(
  logger: VrLogger,
  options: {
    level?: TemporalLogLevel;
    shutdownSignals?: NodeJS.Signals[];
    telemetryOptions?: RuntimeOptions['telemetryOptions'];
  } = {},
): boolean {
  try {
    Runtime.install({
      logger: new DefaultLogger(options.level ?? 'INFO', (entry) => {
        logger[TEMPORAL_LEVELS[entry.level]](entry.message, { source: 'temporal', ...entry.meta });
      }),
      ...(options.shutdownSignals ? { shutdownSignals: options.shutdownSignals } : {}),
      ...(options.telemetryOptions ? { telemetryOptions: options.telemetryOptions } : {}),
    });
    return true;
  } catch {
    return false;
  }
}
