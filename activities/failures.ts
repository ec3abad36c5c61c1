/**
 * Turns errors into Temporal ApplicationFailures (house style point 5): `type` is the VR client's error code,
 * `nonRetryable` comes from the client's one retry table, and a 429's Retry-After becomes `nextRetryDelay`, so the
 * Temporal retry policy is the only layer that retries. Messages name the endpoint, VR's own error_code and
 * message, and what the activity was doing (which VM, which lookup); they never carry secrets.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { classifyVrError, redactSecrets, VrError } from '../vr';
import { MissingRemoteCredentialsError, UnknownSiteError } from './session-manager';

/** Errors of our own making that no retry can fix (bad input, missing configuration). */
export class NonRetryableActivityError extends Error {
  constructor(
    message: string,
    readonly type: string,
  ) {
    super(message);
    this.name = type;
  }
}

/**
 * The client's own message already names the method, path, status, VR's error_code / message / op_id, and for
 * transport and schema errors what was wrong and how to fix it (e.g. "set the site's caFile"): keep all of it.
 */
export function describeVrError(error: VrError): string {
  return error.message;
}

/** Converts any error into the ApplicationFailure an activity should throw. `context` says what was being done. */
export function toApplicationFailure(error: unknown, context: string): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof NonRetryableActivityError) {
    return ApplicationFailure.create({
      message: `${context}: ${error.message}`,
      type: error.type,
      nonRetryable: true,
    });
  }
  if (error instanceof UnknownSiteError || error instanceof MissingRemoteCredentialsError) {
    return ApplicationFailure.create({
      message: `${context}: ${error.message}`,
      type: error.name,
      nonRetryable: true,
    });
  }
  if (error instanceof VrError) {
    const classification = classifyVrError(error);
    return ApplicationFailure.create({
      message: `${context}: ${describeVrError(error)}`,
      type: error.code,
      nonRetryable: !classification.retryable,
      nextRetryDelay: classification.retryAfterMs,
      details: [
        {
          status: error.status,
          vrErrorCode: error.vrErrorCode,
          opId: error.opId,
          method: error.method,
          path: error.path,
        },
      ],
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({
    message: redactSecrets(`${context}: ${message}`),
    type: 'UNKNOWN',
    nonRetryable: false,
  });
}

/** Runs an activity body and converts whatever it throws. */
export async function asActivity<T>(
  context: string,
  body: () => Promise<T>,
  options: { heartbeat?: boolean } = {},
): Promise<T> {
  // Heartbeats while VR works (or the pacer waits): when this worker dies, the workflows' heartbeat timeout
  // hands the activity to another worker within seconds instead of after the whole start-to-close timeout.
  const activity = currentContext();
  // (An activity that heartbeats its own progress details passes heartbeat: false, so they are not overwritten.)
  const heartbeat = setInterval(() => {
    if (options.heartbeat !== false) activity?.heartbeat();
  }, HEARTBEAT_EVERY_MS);
  try {
    return await body();
  } catch (error) {
    throw toApplicationFailure(error, context);
  } finally {
    clearInterval(heartbeat);
  }
}

/** The activity context, or undefined when an activity function is called directly (unit tests). */
function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Heartbeat period; the workflows set a heartbeat timeout of three periods (30 s). */
export const HEARTBEAT_EVERY_MS = 10_000;
