/**
 * How long until a run's outstanding VMs are all done, from the progress VR reports (task or sync %). Pure and
 * deterministic: workflows feed it the workflow clock and the time of each answer.
 */
import type { VmProgress } from './configure-replication-input';

/** A progress answer: percent done and when VR gave it (epoch ms). */
export interface ProgressSample {
  progress: number;
  at: number;
}

/**
 * When something is done at the rate it moved between two answers (epoch ms). Undefined when it did not move, the
 * answers are the same moment, or it is already at 100 %. The worker's task poller uses it too.
 */
export function predictEnd(first: ProgressSample, latest: ProgressSample): number | undefined {
  if (latest.at <= first.at || latest.progress <= first.progress || latest.progress >= 100) return undefined;
  const rate = (latest.progress - first.progress) / (latest.at - first.at);
  return latest.at + (100 - latest.progress) / rate;
}

export class CompletionEstimate {
  private readonly first = new Map<VmProgress, ProgressSample>();
  /** The last observe() saw a VM whose answer was the same snapshot as its first one (a cached answer). */
  sawRepeat = false;

  /**
   * Milliseconds until every VM is predicted done: each VM's rate since its first answer with some progress, where
   * an answer is dated when VR gave it (`progressAt`, else `now`). Undefined until every VM has moved since then.
   */
  observe(vms: VmProgress[], now: number): number | undefined {
    let latest = 0;
    let known = true;
    this.sawRepeat = false;
    for (const vm of vms) {
      const progress = vm.progress ?? 0;
      const at = Math.min(vm.progressAt ?? now, now);
      const first = this.first.get(vm);
      if (!first) {
        if (progress > 0) this.first.set(vm, { progress, at });
        known = false;
        continue;
      }
      if (at <= first.at) {
        this.sawRepeat = true;
        known = false;
        continue;
      }
      const end = predictEnd(first, { progress, at });
      if (end === undefined) {
        known = false;
        continue;
      }
      latest = Math.max(latest, end - now);
    }
    // A margin for rounding (VR reports whole percents) and the round trip.
    return known ? Math.max(0, Math.round(latest * 1.03 + 300)) : undefined;
  }
}
