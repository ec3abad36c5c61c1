/**
 * Activity proxies shared by the lifecycle, pairing and report workflows, with a retry policy the input may lower
 * (to fail fast against an unreachable site), and a readable cause for failures.
 */
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { VrActivities } from '../activities';
import type { ActivityRetry } from './lifecycle-input';

/**
 * Retries follow the VR client's error classification (activities throw non-retryable failures for 400/403/404 and
 * set nextRetryDelay from a 429's Retry-After), so one policy fits every call. Defaults: 15 attempts, 2 s → 60 s.
 */
export function activitiesWithRetry(options: ActivityRetry = {}) {
  const retry: RetryPolicy = {
    initialInterval: `${options.initialIntervalSeconds ?? 2}s`,
    backoffCoefficient: 2,
    maximumInterval: `${options.maximumIntervalSeconds ?? 60}s`,
    maximumAttempts: options.maximumAttempts ?? 15,
  };
  return {
    vr: proxyActivities<VrActivities>({ startToCloseTimeout: '3m', heartbeatTimeout: '30s', retry }),
    /**
     * Activities that heartbeat after every VR call: a worker that dies mid-batch is noticed within a minute
     * (not after the 10 min start-to-close), and the retry reads the tasks the dead attempt started.
     */
    heartbeating: proxyActivities<VrActivities>({
      startToCloseTimeout: '10m',
      heartbeatTimeout: '1m',
      retry,
    }),
    cleanup: proxyActivities<VrActivities>({
      startToCloseTimeout: '1m',
      retry: { ...retry, maximumAttempts: Math.min(retry.maximumAttempts ?? 5, 5) },
    }),
  };
}

/** The innermost message of a failure chain (an ActivityFailure says only "Activity task failed"). */
export function causeOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
