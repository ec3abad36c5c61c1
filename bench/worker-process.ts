/**
 * The worker of a benchmark scenario, run as its own process (`node --import tsx bench/worker-process.ts <config>`)
 * so its peak RSS and CPU time can be read from /proc. It is `worker/main.ts` minus the sites-file parsing: the
 * sites file has no way to set the pacer's window (SiteConfig.pacing lacks windowMs), which time compression needs,
 * so the bench passes resolved sites with `pacing.windowMs` (the VR client's PacerOptions take it as they are).
 * It uses a workflow bundle built once by the bench, so bundling is not counted as the worker's cost.
 */
import { readFileSync } from 'node:fs';
import { createJsonLogger, installTemporalRuntimeLogger } from '../worker/logger';
import { runWorker } from '../worker/run-worker';
import type { SiteConfig } from '../worker/sites';

export interface BenchWorkerConfig {
  sites: SiteConfig[];
  address: string;
  taskQueue: string;
  bundlePath: string;
}

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (!configFile) throw new Error('usage: bench/worker-process.ts <config.json>');
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as BenchWorkerConfig;
  const logger = createJsonLogger();
  installTemporalRuntimeLogger(logger);
  const running = await runWorker({
    sites: config.sites,
    address: config.address,
    taskQueue: config.taskQueue,
    logger,
    installSignalHandlers: true,
    workflowBundle: { codePath: config.bundlePath },
    shutdownGraceTime: '5s',
  });
  // The bench waits for this line before it starts the campaign.
  process.stdout.write('bench-worker-ready\n');
  await running.finished;
}

main().catch((error: unknown) => {
  console.error(`bench worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
