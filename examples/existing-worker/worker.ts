/**
 * An existing Temporal worker that adds vSphere Replication with one line: `plugins: [vsphereReplicationPlugin(...)]`.
 * Its own activities and workflows keep running; the plugin adds the VR activities and workflows beside them.
 * In your project, import from 'temporal-vsphere-replication' (this repository imports its sources directly).
 *
 *   VR_SITES_FILE=sites.yaml TEMPORAL_ADDRESS=127.0.0.1:7233 npx tsx examples/existing-worker/worker.ts
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import { createJsonLogger, loadSitesFile, vsphereReplicationPlugin, type SiteConfig } from '../../plugin';
import * as activities from './activities';

export interface ExistingWorkerOptions {
  address: string;
  taskQueue: string;
  sites: SiteConfig[];
  /** Optional payload codec, given to the plugin (the client must use the same). */
  codec?: PayloadCodec;
}

/** Creates the worker (not yet running); the caller runs it and closes the connection after. */
export async function createExistingWorker(
  options: ExistingWorkerOptions,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: options.address });
  const worker = await Worker.create({
    connection,
    taskQueue: options.taskQueue,
    // The worker's own code, exactly as before the plugin was added.
    activities,
    workflowsPath: require.resolve('./workflows'),
    // The one added line.
    plugins: [
      vsphereReplicationPlugin({
        sites: options.sites,
        logger: createJsonLogger(),
        ...(options.codec ? { codec: options.codec } : {}),
      }),
    ],
  });
  return { worker, connection };
}

async function main(): Promise<void> {
  const sitesFile = process.env.VR_SITES_FILE;
  if (!sitesFile) throw new Error('set VR_SITES_FILE to your sites file');
  const { worker, connection } = await createExistingWorker({
    address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? 'existing-worker',
    sites: loadSitesFile(sitesFile),
  });
  try {
    await worker.run(); // the SDK stops it on SIGINT / SIGTERM; the plugin then logs out its VR sessions
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
