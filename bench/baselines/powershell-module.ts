/**
 * Baseline (b): one POST per VM with a per-VM name lookup, as common PowerShell modules do
 * (`Get-VrVm -Name x | New-VrReplication`), then every task waited for on its own (GET /tasks/{id}) with a
 * `Start-Sleep 5` between rounds. No pacing; a 429 is waited out (Retry-After) and repeated.
 */
import { findVmsByExactName } from '../../vr';
import { isDone, ScriptSession, sleep, specFor, type BaselineOptions, type BaselineResult } from './shared';

/** Real poll interval of the module's wait loop. */
export const POWERSHELL_POLL_MS = 5_000;

export async function runPowerShellModule(options: BaselineOptions): Promise<BaselineResult> {
  const script = new ScriptSession(options.url);
  const result: BaselineResult = { rateLimited: 0, configured: 0, failed: 0 };
  await script.login();
  try {
    let pending: string[] = [];
    for (const work of options.work) {
      const { datastoreId } = await script.prepare(work);
      for (const name of work.vmNames) {
        const match = (
          await script.call((session) =>
            findVmsByExactName(session, work.pairingId, work.localVcenterId, [name]),
          )
        ).get(name);
        if (match?.kind !== 'found') {
          result.failed += 1;
          continue;
        }
        const [task] = await script.call((session) =>
          session.configureReplications(work.pairingId, [specFor(match.item, work, datastoreId)]),
        );
        if (task) pending.push(task.id);
      }
    }
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
  } finally {
    await script.close();
  }
  result.rateLimited = script.rateLimited;
  return result;
}
