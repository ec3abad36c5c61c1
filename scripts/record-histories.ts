/**
 * Records workflow histories for the replay test (test/replay): runs representative workflows against an embedded
 * Temporal dev server and the simulator, then saves each history as JSON under test/fixtures/histories.
 * Re-record after a deliberate, versioned workflow change: `npx tsx scripts/record-histories.ts`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal as proto } from '@temporalio/proto';
import { configureReplicationWorkflow, progressQuery } from '../workflows';
import type { ConfigureReplicationInput } from '../workflows/configure-replication-input';
import { startTestTemporal, startTestWorker, uniqueId } from '../test/support/temporal';
import { simSites, startTestSimulator, suitableVmNames } from '../test/support/simulator';

const outDir = path.resolve(__dirname, '../test/fixtures/histories');

/** Proto3 JSON, the format `temporal workflow show --output json` writes and historyFromJSON reads. */
const historyJson = (history: proto.api.history.v1.IHistory): string =>
  JSON.stringify(proto.api.history.v1.History.fromObject(history).toJSON(), null, 1);

async function main(): Promise<void> {
  const temporal = await startTestTemporal();
  const sim = await startTestSimulator({ initialSyncMs: 3_600_000, clockSpeed: 3600 });
  const worker = await startTestWorker(temporal, simSites(sim));
  const names = await suitableVmNames(sim, 25);
  const base: ConfigureReplicationInput = {
    site: 'protected',
    pairing: { remoteVcenter: 'vc-recovery.sim.local' },
    vms: [],
    targetDatastore: 'recovery-ds-1',
    pollIntervalSeconds: 1,
    pollIntervalCapSeconds: 2,
  };
  const runs: Record<string, ConfigureReplicationInput> = {
    'configure-two-batches': {
      ...base,
      vms: [...names.slice(0, 22), 'app-1', 'tmpl-rhel9', 'replicated-1', 'nope'].map((name) => ({ name })),
    },
    'configure-initial-sync': { ...base, vms: [{ name: names[22]! }], waitFor: 'initial-sync' },
    'configure-policy-not-compliant': {
      ...base,
      vms: [{ name: names[23]! }],
      storagePolicy: 'vSAN Default Storage Policy',
    },
    'configure-invalid-input': { ...base, vms: [] },
  };
  try {
    for (const [name, input] of Object.entries(runs)) {
      const handle = await temporal.client.workflow.start(configureReplicationWorkflow, {
        taskQueue: worker.taskQueue,
        workflowId: uniqueId(name),
        args: [input],
      });
      await handle.result().catch(() => undefined);
      writeFileSync(path.join(outDir, `${name}.json`), historyJson(await handle.fetchHistory()));
      console.log(`recorded ${name}`);
    }
    // A cancelled run: cancel while it waits for its configure tasks.
    await sim.state.faults.set({ taskOutcomes: [] });
    const cancelled = await temporal.client.workflow.start(configureReplicationWorkflow, {
      taskQueue: worker.taskQueue,
      workflowId: uniqueId('configure-cancelled'),
      args: [{ ...base, vms: [{ name: names[24]! }], pollIntervalSeconds: 30 }],
    });
    while ((await cancelled.query(progressQuery)).phase !== 'waiting for configure tasks') {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await cancelled.cancel();
    await cancelled.result();
    writeFileSync(path.join(outDir, 'configure-cancelled.json'), historyJson(await cancelled.fetchHistory()));
    console.log('recorded configure-cancelled');
  } finally {
    await worker.stop();
    await sim.close();
    await temporal.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
