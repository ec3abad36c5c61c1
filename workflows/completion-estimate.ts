/**
 * How long until a run's outstanding VMs are all done, from the progress VR reports (task or sync %). Pure and
 * deterministic: workflows feed it the workflow clock.
 */
import type { VmProgress } from './configure-replication-input';

/**
 * How long until a run's outstanding VMs are all done, from the progress VR reports (task or sync %): each VM's rate
 * since its first answer with some progress, on the workflow clock. Undefined until every VM has moved since then.
 */
export class CompletionEstimate {
  private readonly first = new Map<VmProgress, { progress: number; at: number }>();

  observe(vms: VmProgress[], now: number): number | undefined {
    let latest = 0;
    let known = true;
    for (const vm of vms) {
      const progress = vm.progress ?? 0;
      const first = this.first.get(vm);
      if (!first) {
        if (progress > 0) this.first.set(vm, { progress, at: now });
        known = false;
        continue;
      }
      if (progress <= first.progress || progress >= 100 || now <= first.at) {
        known = false;
        continue;
      }
      const rate = (progress - first.progress) / (now - first.at);
      latest = Math.max(latest, (100 - progress) / rate);
    }
    // A margin for rounding (VR reports whole percents) and the round trip.
    return known ? Math.round(latest * 1.03 + 300) : undefined;
  }
}
