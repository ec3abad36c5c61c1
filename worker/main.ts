/**
 * `npm run worker -- --sites sites.yaml`: runs the VR worker until SIGINT / SIGTERM. Every setting is an option,
 * then an environment variable, then a default (the sites file has no default: a clear error names both ways).
 */
import { Command } from 'commander';
import { CodecKeyError, loadCodecFromEnvironment } from '../codec';
import { tracingPluginFromEnvironment } from './tracing';
import { createJsonLogger, installTemporalRuntimeLogger } from './logger';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from './defaults';
import { metricsAddressProblem, prometheusTelemetryOptions } from './metrics';
import { runWorker } from './run-worker';
import { loadSitesFile, SitesFileError } from './sites';

interface WorkerCommandOptions {
  sites?: string;
  address?: string;
  namespace?: string;
  taskQueue?: string;
  metrics?: string;
}

/** Exit code for configuration problems found before the worker starts. */
const EXIT_CONFIGURATION = 2;

async function main(): Promise<void> {
  const program = new Command('worker')
    .description('Run the vSphere Replication Temporal worker')
    .option('--sites <file>', 'sites file (YAML or JSON); env VR_SITES_FILE')
    .option(
      '--address <host:port>',
      `Temporal front end; env TEMPORAL_ADDRESS, default ${DEFAULT_TEMPORAL_ADDRESS}`,
    )
    .option('--namespace <name>', `Temporal namespace; env TEMPORAL_NAMESPACE, default ${DEFAULT_NAMESPACE}`)
    .option('--task-queue <name>', `task queue; env TEMPORAL_TASK_QUEUE, default ${DEFAULT_TASK_QUEUE}`)
    .option(
      '--metrics <host:port>',
      'serve Prometheus metrics at http://<host:port>/metrics; env VR_METRICS_ADDRESS, default off',
    )
    .parse();
  const options = program.opts<WorkerCommandOptions>();
  const logger = createJsonLogger();
  const metricsAddress = options.metrics ?? process.env.VR_METRICS_ADDRESS;
  const metricsProblem = metricsAddress ? metricsAddressProblem(metricsAddress) : undefined;
  if (metricsProblem) {
    console.error(`--metrics / VR_METRICS_ADDRESS: ${metricsProblem}`);
    process.exitCode = EXIT_CONFIGURATION;
    return;
  }
  installTemporalRuntimeLogger(logger, {
    ...(metricsAddress ? { telemetryOptions: prometheusTelemetryOptions(metricsAddress) } : {}),
  });
  if (metricsAddress) logger.info('metrics endpoint', { url: `http://${metricsAddress}/metrics` });

  const sitesFile = options.sites ?? process.env.VR_SITES_FILE;
  if (!sitesFile) {
    console.error('no sites file: pass --sites <file> or set the environment variable VR_SITES_FILE');
    process.exitCode = EXIT_CONFIGURATION;
    return;
  }
  let sites;
  try {
    sites = loadSitesFile(sitesFile);
  } catch (error) {
    if (!(error instanceof SitesFileError)) throw error;
    // Plain text, not a JSON log line: a person fixes the file, and the log redactor would mangle lines such as
    // `sites.x.password: inline passwords are not allowed` (they hold no secret: SitesFileError never quotes one).
    console.error(error.message);
    process.exitCode = EXIT_CONFIGURATION;
    return;
  }

  // Payload encryption: on when VR_CODEC_KEY or VR_CODEC_KEY_FILE is set (clients must use the same keys).
  let codec;
  try {
    codec = loadCodecFromEnvironment();
  } catch (error) {
    if (!(error instanceof CodecKeyError)) throw error;
    console.error(error.message);
    process.exitCode = EXIT_CONFIGURATION;
    return;
  }

  let tracing;
  try {
    tracing = tracingPluginFromEnvironment();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = EXIT_CONFIGURATION;
    return;
  }

  const address = options.address ?? process.env.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS;
  let running;
  try {
    running = await runWorker({
      sites,
      address,
      namespace: options.namespace ?? process.env.TEMPORAL_NAMESPACE ?? DEFAULT_NAMESPACE,
      taskQueue: options.taskQueue ?? process.env.TEMPORAL_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
      logger,
      codec,
      plugins: tracing ? [tracing] : [],
      installSignalHandlers: true,
    });
  } catch (error) {
    logger.error(
      `cannot start the worker against Temporal at ${address} (--address or env TEMPORAL_ADDRESS)`,
      {
        error,
      },
    );
    process.exitCode = 1;
    return;
  }
  await running.finished;
}

main().catch((error: unknown) => {
  createJsonLogger().error('worker exited with an error', { error });
  process.exitCode = 1;
});
