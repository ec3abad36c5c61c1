/**
 * Run and VM context for the VR activities' log lines. An activity interceptor stores, for the duration of each VR
 * activity, which workflow run it serves and which site and VMs it handles; the plugin's logger adds those fields
 * to every line written inside the activity (VR client and session manager lines included), so one run's lines
 * can be found with a single filter on `workflowId`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { VrLogger } from '../vr';

export interface ActivityLogContext {
  /** Absent for standalone activities (started by a client, not a workflow). */
  workflowId?: string;
  runId?: string;
  workflowType?: string;
  activityType: string;
  attempt: number;
  site?: string;
  /** VM names or ids the activity handles (at most MAX_LOGGED_VMS). */
  vms?: string[];
  vmCount?: number;
  taskCount?: number;
}

/** More would make every line of a 200-VM lookup long; vmCount still tells the size. */
const MAX_LOGGED_VMS = 20;

const storage = new AsyncLocalStorage<ActivityLogContext>();

/** The context of the VR activity running in the current async chain, if any. */
export const currentActivityLogContext = (): ActivityLogContext | undefined => storage.getStore();

const vmLabel = (vm: unknown): string | undefined => {
  if (typeof vm === 'string') return vm;
  if (typeof vm !== 'object' || vm === null) return undefined;
  const { name, vmId, id } = vm as Record<string, unknown>;
  const label = name ?? vmId ?? id;
  return typeof label === 'string' ? label : undefined;
};

/** Site and VM fields of an activity input (the activities take one plain object, see activities/types.ts). */
export function describeActivityInput(
  input: unknown,
): Pick<ActivityLogContext, 'site' | 'vms' | 'vmCount' | 'taskCount'> {
  if (typeof input !== 'object' || input === null) return {};
  const { site, vms, vmIds, taskIds } = input as Record<string, unknown>;
  const list = Array.isArray(vms) ? vms : Array.isArray(vmIds) ? vmIds : undefined;
  const labels = list?.map(vmLabel).filter((label): label is string => label !== undefined);
  return {
    ...(typeof site === 'string' ? { site } : {}),
    ...(labels && labels.length > 0 ? { vms: labels.slice(0, MAX_LOGGED_VMS), vmCount: labels.length } : {}),
    ...(Array.isArray(taskIds) ? { taskCount: taskIds.length } : {}),
  };
}

/** Builds the context of one activity execution. */
export function activityLogContext(context: Context, input: unknown): ActivityLogContext {
  const { info } = context;
  return {
    ...(info.workflowExecution
      ? { workflowId: info.workflowExecution.workflowId, runId: info.workflowExecution.runId }
      : {}),
    ...(info.workflowType ? { workflowType: info.workflowType } : {}),
    activityType: info.activityType,
    attempt: info.attempt,
    ...describeActivityInput(input),
  };
}

/**
 * An activity interceptor for the activities named in `activityNames` (the worker's other activities pass
 * through untouched): runs them inside their log context and reports each attempt to `onAttempt`.
 */
export function activityContextInterceptor(
  activityNames: ReadonlySet<string>,
  onAttempt?: (activityType: string, attempt: number) => void,
): ActivityInterceptorsFactory {
  return (context) => ({
    inbound: {
      execute: (input, next) => {
        if (!activityNames.has(context.info.activityType)) return next(input);
        onAttempt?.(context.info.activityType, context.info.attempt);
        return storage.run(activityLogContext(context, input.args[0]), () => next(input));
      },
    },
  });
}

/** A logger that adds the current activity's context to every line. */
export function withActivityContext(logger: VrLogger): VrLogger {
  const emit =
    (level: keyof VrLogger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      const context = storage.getStore();
      logger[level](message, context ? { ...context, ...fields } : fields);
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
