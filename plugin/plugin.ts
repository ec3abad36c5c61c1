/**
 * vsphereReplicationPlugin: adds the VR activities, the VR workflows, their interceptors and the data converter
 * to a user's existing Worker, Client and bundler (`plugins: [vsphereReplicationPlugin({ sites })]`).
 * Built on SimplePlugin for the client, connection and data-converter merging; worker, replay worker and bundler
 * configuration are overridden because SimplePlugin replaces a worker's workflowsPath (ours would evict the
 * worker's own workflows, see combine-workflows.ts) and would add our workflow interceptor twice when the
 * worker bundles its own code.
 */
import { ENCODED_FAILURE_CONVERTER_PATH } from '../codec';
import type { DataConverter, MetricMeter, PayloadCodec } from '@temporalio/common';
import { SimplePlugin } from '@temporalio/plugin';
import {
  Runtime,
  type BundleOptions,
  type ReplayWorkerOptions,
  type Worker,
  type WorkerInterceptors,
  type WorkerOptions,
} from '@temporalio/worker';
import { createVrActivities, type VrActivities } from '../activities';
import type { SessionManager } from '../activities/session-manager';
import { noopLogger, type VrLogger } from '../vr';
import { VrMetrics } from '../worker/metrics';
import type { SiteConfig } from '../worker/sites';
import { activityContextInterceptor, withActivityContext } from './activity-context';
import { combineWorkflowsPath } from './combine-workflows';

/** The plugin's name as Temporal reports it. */
export const PLUGIN_NAME = 'vsphere-replication';

const WORKFLOW_INTERCEPTORS_PATH = require.resolve('./workflow-interceptors');

export interface VsphereReplicationPluginOptions {
  /** The worker's sites (see loadSitesFile). Not used by clients: `[]` is fine for a client-only process. */
  sites: SiteConfig[];
  /** Receives the VR activities' log lines, with run and VM context added. Default: none (no-op). */
  logger?: VrLogger;
  /**
   * Payload codec for the worker's and client's data converter (e.g. the encryption codec), appended after any
   * codec the user's data converter already has. Default: none.
   */
  codec?: PayloadCodec;
  /** Log out cached VR sessions unused this long. Default 5 min. */
  idleLogoutMs?: number;
  /**
   * Our counters and histograms (docs/operations.md). Default: the Temporal runtime's meter, which the SDK
   * exports when the runtime was installed with a metrics exporter; `false` records nothing.
   */
  metrics?: MetricMeter | boolean;
}

/** The plugin; also owns the VR sessions of the workers it is added to. */
export class VsphereReplicationPlugin extends SimplePlugin {
  private vr: ReturnType<typeof createVrActivities> | undefined;
  private readonly settings: VsphereReplicationPluginOptions;
  private runningWorkers = 0;

  constructor(options: VsphereReplicationPluginOptions) {
    const codec = options.codec;
    super({
      name: PLUGIN_NAME,
      ...(codec
        ? {
            dataConverter: (existing: DataConverter | undefined): DataConverter => ({
              ...existing,
              payloadCodecs: [...(existing?.payloadCodecs ?? []), codec],
              // Failure messages name VMs and datastores: encode them too, unless the user chose a converter.
              failureConverterPath: existing?.failureConverterPath ?? ENCODED_FAILURE_CONVERTER_PATH,
            }),
          }
        : {}),
    });
    this.settings = options;
  }

  /** The VR session cache of this plugin's workers (undefined until a worker was configured). */
  get sessions(): SessionManager | undefined {
    return this.vr?.sessions;
  }

  /** The activities, created on first use so that a client-only process opens no VR connection pools. */
  private activities(): VrActivities {
    if (!this.vr) {
      const logger = withActivityContext(this.settings.logger ?? noopLogger);
      const metrics = this.metrics();
      this.vr = createVrActivities({
        sites: this.settings.sites,
        logger,
        ...(this.settings.idleLogoutMs === undefined ? {} : { idleLogoutMs: this.settings.idleLogoutMs }),
        ...(metrics
          ? {
              onExchange: (site, exchange) =>
                metrics.observeExchange(site, exchange, this.vr?.sessions.site(site).client.pacerStats()),
            }
          : {}),
      });
      this.metricsRecorder = metrics;
    }
    return this.vr.activities;
  }

  private metricsRecorder: VrMetrics | undefined;

  private metrics(): VrMetrics | undefined {
    const setting = this.settings.metrics ?? true;
    if (setting === false) return undefined;
    // Runtime.instance() installs the default runtime when none was; by the time a worker is configured the
    // worker's connection has already done so.
    return new VrMetrics(setting === true ? Runtime.instance().metricMeter : setting);
  }

  private interceptors(
    existing: WorkerInterceptors | undefined,
    withWorkflowModule: boolean,
  ): WorkerInterceptors {
    const names = new Set(Object.keys(this.activities()));
    const metrics = this.metricsRecorder;
    const workflowModules = existing?.workflowModules ?? [];
    return {
      ...existing,
      activity: [
        ...(existing?.activity ?? []),
        activityContextInterceptor(names, (type, attempt) => metrics?.observeActivityAttempt(type, attempt)),
      ],
      workflowModules:
        withWorkflowModule && !workflowModules.includes(WORKFLOW_INTERCEPTORS_PATH)
          ? [...workflowModules, WORKFLOW_INTERCEPTORS_PATH]
          : workflowModules,
    };
  }

  override configureWorker(options: WorkerOptions): WorkerOptions {
    // SimplePlugin merges the data converter; everything else is ours.
    const base = super.configureWorker({ ...options, workflowsPath: undefined, workflowBundle: undefined });
    const ours = this.activities();
    const existing = (options.activities ?? {}) as Record<string, unknown>;
    const clash = Object.keys(ours).filter(
      (name) => name in existing && existing[name] !== ours[name as keyof VrActivities],
    );
    if (clash.length > 0) {
      throw new Error(
        `vsphereReplicationPlugin: the worker already has activities named ${clash.join(', ')}; rename them`,
      );
    }
    // A prebuilt bundle must have been built with the plugin (bundleWorkflowCode({ plugins })): it is left alone.
    const prebuilt = options.workflowBundle !== undefined;
    return {
      ...base,
      activities: { ...existing, ...ours },
      ...(prebuilt
        ? { workflowBundle: options.workflowBundle }
        : { workflowsPath: combineWorkflowsPath(options.workflowsPath) }),
      interceptors: this.interceptors(options.interceptors, !prebuilt),
    };
  }

  override configureReplayWorker(options: ReplayWorkerOptions): ReplayWorkerOptions {
    const base = super.configureReplayWorker({
      ...options,
      workflowsPath: undefined,
      workflowBundle: undefined,
    });
    const prebuilt = options.workflowBundle !== undefined;
    const workflowModules = options.interceptors?.workflowModules ?? [];
    return {
      ...base,
      ...(prebuilt
        ? { workflowBundle: options.workflowBundle }
        : { workflowsPath: combineWorkflowsPath(options.workflowsPath) }),
      interceptors: {
        ...options.interceptors,
        workflowModules:
          prebuilt || workflowModules.includes(WORKFLOW_INTERCEPTORS_PATH)
            ? workflowModules
            : [...workflowModules, WORKFLOW_INTERCEPTORS_PATH],
      },
    };
  }

  override configureBundler(options: BundleOptions): BundleOptions {
    const modules = options.workflowInterceptorModules ?? [];
    return {
      ...options,
      workflowsPath: combineWorkflowsPath(options.workflowsPath),
      workflowInterceptorModules: modules.includes(WORKFLOW_INTERCEPTORS_PATH)
        ? modules
        : [...modules, WORKFLOW_INTERCEPTORS_PATH],
    };
  }

  /** Runs the worker; when the last worker using this plugin stops, logs out the cached VR sessions. */
  override async runWorker(worker: Worker, next: (worker: Worker) => Promise<void>): Promise<void> {
    this.runningWorkers += 1;
    try {
      await super.runWorker(worker, next);
    } finally {
      this.runningWorkers -= 1;
      if (this.runningWorkers === 0) await this.close();
    }
  }

  /** Logs out every cached VR session and closes the HTTP clients. Idempotent; the plugin can be reused after. */
  async close(): Promise<void> {
    const vr = this.vr;
    this.vr = undefined;
    this.metricsRecorder = undefined;
    if (!vr) return;
    try {
      await vr.close();
    } catch (error) {
      this.settings.logger?.warn('could not log out every cached VR session', { error });
    }
  }
}

/**
 * The vSphere Replication plugin for Temporal workers, clients and bundlers:
 * `Worker.create({ ..., plugins: [vsphereReplicationPlugin({ sites })] })`.
 */
export function vsphereReplicationPlugin(options: VsphereReplicationPluginOptions): VsphereReplicationPlugin {
  return new VsphereReplicationPlugin(options);
}
