/**
 * Test support: one embedded Temporal dev server per test file, a workflow bundle built once, and in-process
 * workers on their own task queues (house style point 11: every test its own task queue and workflow ids).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  NativeConnection,
  Runtime,
  Worker,
  DefaultLogger,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createVrActivities } from '../../activities';
import { startEmbeddedTemporal, type EmbeddedTemporal } from '../../worker/embedded-temporal';
import type { SiteConfig } from '../../worker/sites';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

let runtimeInstalled = false;
/** Keeps the SDK's own logging to warnings so test output stays readable. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}

export interface TestTemporal {
  server: EmbeddedTemporal;
  client: Client;
  connection: Connection;
  workDir: string;
  close(): Promise<void>;
}

export async function startTestTemporal(
  options: { persistent?: boolean; ui?: boolean } = {},
): Promise<TestTemporal> {
  quietRuntime();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'vr-test-'));
  const server = await startEmbeddedTemporal({
    dbFile: options.persistent ? path.join(workDir, 'temporal.sqlite') : undefined,
    uiPort: options.ui ? undefined : false,
    searchAttributes: SEARCH_ATTRIBUTES,
  });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  return {
    server,
    client,
    connection,
    workDir,
    close: async () => {
      await connection.close();
      await server.stop();
    },
  };
}

export interface TestWorker {
  taskQueue: string;
  sessions: ReturnType<typeof createVrActivities>['sessions'];
  /** Shuts the worker down, then logs out its cached sessions. */
  stop(): Promise<void>;
}

export async function startTestWorker(
  temporal: TestTemporal,
  sites: SiteConfig[],
  options: { taskQueue?: string; idleLogoutMs?: number } = {},
): Promise<TestWorker> {
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: temporal.server.address });
  const { activities, sessions, close } = createVrActivities({ sites, idleLogoutMs: options.idleLogoutMs });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    shutdownGraceTime: '5s',
  });
  const running = worker.run();
  return {
    taskQueue,
    sessions,
    stop: async () => {
      worker.shutdown();
      await running;
      await close();
      await connection.close();
    },
  };
}

export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;
