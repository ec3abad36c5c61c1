/**
 * Package entry `temporal-vsphere-replication`: the plugin and the types a worker needs to configure it.
 * Workflow code imports `temporal-vsphere-replication/workflow` instead (this entry loads Node modules).
 */
export {
  vsphereReplicationPlugin,
  VsphereReplicationPlugin,
  PLUGIN_NAME,
  type VsphereReplicationPluginOptions,
} from './plugin';
export {
  loadSitesFile,
  describeSite,
  SitesFileError,
  type SiteConfig,
  type RemoteCredentials,
} from '../worker/sites';
export {
  createJsonLogger,
  installTemporalRuntimeLogger,
  type JsonLogger,
  type LogLevel,
} from '../worker/logger';
export { VR_METRIC_NAMES, prometheusTelemetryOptions } from '../worker/metrics';
export { runWorker, type RunWorkerOptions, type RunningWorker } from '../worker/run-worker';
export { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from '../worker/defaults';
export { currentActivityLogContext, type ActivityLogContext } from './activity-context';
export type { VrActivities } from '../activities';
export type * from '../activities/types';
