/** Package entry `temporal-vsphere-replication/client`: the typed client API (no worker code is loaded). */
export * from '../client/api';
export {
  DEFAULT_NAMESPACE,
  DEFAULT_TASK_QUEUE,
  DEFAULT_TEMPORAL_ADDRESS,
  DEFAULT_TEMPORAL_UI_URL,
} from '../worker/defaults';
export type {
  ConfigureReplicationInput,
  ConfigureReplicationProgress,
  ConfigureReplicationResult,
} from '../workflows/configure-replication-input';
