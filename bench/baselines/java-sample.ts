/**
 * Baseline (a): the way VMware's own Java sample configures replication. Per batch of ≤20 VMs: a capability lookup
 * per VM, one batched POST, then every task polled on its own (GET /tasks/{id}) every 500 ms until all are done.
 * The VMs come from one paged list of suitable VMs. No pacing; a 429 is waited out (Retry-After) and repeated.
 */
import { collect, MAX_SPECS_PER_CONFIGURE, type VirtualMachine } from '../../vr';
import { isDone, ScriptSession, sleep, specFor, type BaselineOptions, type BaselineResult } from './shared';

/** Real poll interval of the sample. */
export const JAVA_SAMPLE_POLL_MS = 500;

export async function runJavaSample(options: BaselineOptions): Promise<BaselineResult> {
  const script = new ScriptSession(options.url);
  const result: BaselineResult = { rateLimited: 0, configured: 0, failed: 0 };
  await script.login();
  try {
    for (const work of options.work) {
      const { datastoreId } = await script.prepare(work);
      const suitable = await script.call((session) =>
        collect(session.listVms(work.pairingId, work.localVcenterId, { suitableForReplication: true })),
      );
      const byName = new Map(suitable.map((vm) => [vm.name, vm]));
      const vms = work.vmNames.map((name) => byName.get(name)).filter((vm): vm is VirtualMachine => !!vm);
      result.failed += work.vmNames.length - vms.length;
      for (let start = 0; start < vms.length; start += MAX_SPECS_PER_CONFIGURE) {
        const batch = vms.slice(start, start + MAX_SPECS_PER_CONFIGURE);
        for (const vm of batch) {
          await script.call((session) => session.getVmCapability(work.pairingId, work.localVcenterId, vm.id));
        }
        const tasks = await script.call((session) =>
          session.configureReplications(
            work.pairingId,
            batch.map((vm) => specFor(vm, work, datastoreId)),
          ),
        );
        let pending = tasks.map((task) => task.id);
        while (pending.length > 0) {
          await sleep(options.pollIntervalMs);
          const still: string[] = [];
          for (const id of pending) {
            const task = await script.call((session) => session.getTask(id));
            if (!isDone(task.status)) still.push(id);
            else if (task.status === 'SUCCESS') result.configured += 1;
            else result.failed += 1;
          }
          pending = still;
        }
      }
    }
  } finally {
    await script.close();
  }
  result.rateLimited = script.rateLimited;
  return result;
}
