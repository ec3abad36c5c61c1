/**
 * Workflow interceptor bundled by the plugin: counts VMs by outcome when a configure run completes.
 * Outcomes are decided in the workflow, and the workflow's metricMeter is the replay-safe way to count them there
 * (the SDK emits workflow metrics only outside replay, through the worker's runtime meter). Doing it in an
 * interceptor rather than in the workflow changes no history: no activity is added, so recorded histories still
 * replay (test/replay) and running workflows need no patch.
 */
import { metricMeter, workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

/** Same name as VR_METRIC_NAMES.vmOutcomes (worker/metrics.ts is Node code and cannot be imported here). */
const VM_OUTCOMES_METRIC = 'vr_vms_total';
const COUNTED_WORKFLOW_TYPES = new Set(['configureReplicationWorkflow']);

const totalsOf = (result: unknown): Record<string, number> | undefined => {
  if (typeof result !== 'object' || result === null) return undefined;
  const totals = (result as { totals?: unknown }).totals;
  return typeof totals === 'object' && totals !== null ? (totals as Record<string, number>) : undefined;
};

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      execute: async (input, next) => {
        const result = await next(input);
        // The SDK tags workflow metrics with workflowType, namespace and taskQueue itself.
        const totals = COUNTED_WORKFLOW_TYPES.has(workflowInfo().workflowType) ? totalsOf(result) : undefined;
        if (totals) {
          const counter = metricMeter.createCounter(
            VM_OUTCOMES_METRIC,
            '1',
            'VMs by outcome of completed configure runs',
          );
          for (const [outcome, count] of Object.entries(totals)) {
            if (typeof count === 'number' && count > 0) counter.add(count, { outcome });
          }
        }
        return result;
      },
    },
  ],
});
