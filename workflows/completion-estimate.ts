/**
 * How long until a run's outstanding VMs are all done, from the progress VR reports (task or sync %). Pure and
 * deterministic: workflows feed it the workflow clock and the time of each answer.
 */
import type { VmProgress } from './configure-replication-input';

export class CompletionEstimate {
  private readonly first = new Map<VmProgress, { progress: number; at: number }>();
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
      if (progress <= first.progress || progress >= 100) {
        known = false;
        continue;
      }
      const rate = (progress - first.progress) / (at - first.at);
      latest = Math.max(latest, (100 - progress) / rate - (now - at));
    }
    // A margin for rounding (VR reports whole percents) and the round trip.
    return known ? Math.max(0, Math.round(latest * 1.03 + 300)) : undefined;
  }
}
