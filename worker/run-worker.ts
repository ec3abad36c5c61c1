/**
 * Builds and runs the worker: one NativeConnection, the VR activities for the configured sites, the workflows, and
 * an orderly stop. The stop order matters: the worker first stops polling and lets running activities finish, and
 * only then are the cached VR sessions logged out (VR keeps a bounded session pool) and the connection closed.
 */
import type { PayloadCodec } from '@temporalio/common';
import type { WorkerPlugin } from '@temporalio/worker';
import { hostname } from 'node:os';
import type { Duration } from '@temporalio/common';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { vsphereReplicationPlugin } from '../plugin/plugin';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from './defaults';
import { createJsonLogger, type JsonLogger } from './logger';
import { describeSite, type SiteConfig } from './sites';

export interface RunWorkerOptions {
  /** The resolved sites (see loadSitesFile). */
  sites: SiteConfig[];
  /** Temporal front-end host:port. Default 127.0.0.1:7233. */
  address?: string;
  /** Default 'default'. */
  namespace?: string;
  /** Default 'vsphere-replication'. */
  taskQueue?: string;
  /** Default: a JSON-lines logger on stderr. */
  logger?: JsonLogger;
  /** Stop gracefully on SIGINT / SIGTERM. Default false (tests and the demo stop the worker themselves). */
  installSignalHandlers?: boolean;
  /** How long running activities get to finish on shutdown. Default 30 s. */
  shutdownGraceTime?: Duration;
  /** A prebuilt workflow bundle (tests reuse one). Default: bundle workflows/ at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Worker identity shown in the Temporal UI. Default `vr-worker@<host>:<pid>`. */
  identity?: string;
  /** Payload codec (e.g. the AES-GCM codec from codec/). Default: none; worker/main.ts reads VR_CODEC_KEY(_FILE). */
  codec?: PayloadCodec;
  /** More worker plugins, e.g. tracing (worker/tracing.ts). Default none. */
  plugins?: WorkerPlugin[];
}

export interface RunningWorker {
  worker: Worker;
  taskQueue: string;
  /** Settles when the worker has stopped and everything is closed; rejects if the worker failed. */
  finished: Promise<void>;
  /** Stops polling, waits for running tasks, logs out cached VR sessions, closes the connection. Idempotent. */
  shutdown(): Promise<void>;
}

/** Connects to Temporal and starts a worker for the VR workflows and activities; resolves once it is polling. */
export async function runWorker(options: RunWorkerOptions): Promise<RunningWorker> {
  const logger = options.logger ?? createJsonLogger();
  const address = options.address ?? DEFAULT_TEMPORAL_ADDRESS;
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;

  for (const site of options.sites) {
    if (site.insecureSkipVerify) {
      logger.warn('TLS verification is disabled for this site; set caFile to trust its certificate instead', {
        site: site.name,
        url: site.url,
      });
    }
  }

  const connection = await NativeConnection.connect({ address });
  // One code path with users' workers: the plugin contributes the activities, workflows and interceptors.
  const vr = vsphereReplicationPlugin({ sites: options.sites, logger, codec: options.codec });
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace,
      taskQueue,
      identity: options.identity ?? `vr-worker@${hostname()}:${process.pid}`,
      plugins: [vr, ...(options.plugins ?? [])],
      ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
      shutdownGraceTime: options.shutdownGraceTime ?? '30s',
    });
  } catch (error) {
    await vr.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    throw error;
  }

  const closeResources = async (): Promise<void> => {
    removeSignalHandlers();
    try {
      await vr.close();
    } catch (error) {
      logger.warn('could not log out every cached VR session', { error });
    }
    try {
      await connection.close();
    } catch (error) {
      logger.warn('could not close the Temporal connection', { error });
    }
    logger.info('worker stopped', { taskQueue });
  };

  const finished = worker.run().then(
    () => closeResources(),
    async (error: unknown) => {
      logger.error('worker failed', { error, taskQueue });
      await closeResources();
      throw error;
    },
  );
  // Callers that only use shutdown() must not see an unhandled rejection; `finished` still rejects for those who await it.
  finished.catch(() => undefined);

  const shutdown = async (): Promise<void> => {
    if (worker.getState() === 'RUNNING') {
      logger.info('worker shutting down: finishing running tasks', { taskQueue });
      worker.shutdown();
    }
    await finished.catch(() => undefined);
  };

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      // A second Ctrl-C means the operator will not wait for running activities.
      logger.warn('second signal: exiting without waiting for running tasks', { signal });
      process.exit(130);
    }
    signalled = true;
    logger.info('signal received', { signal });
    void shutdown();
  };
  function removeSignalHandlers(): void {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (options.installSignalHandlers) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  logger.info('worker started', {
    address,
    namespace,
    taskQueue,
    sites: options.sites.map(describeSite),
  });
  return { worker, taskQueue, finished, shutdown };
}
