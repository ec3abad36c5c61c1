/** Workflow entry point bundled by the worker: every workflow and its signals, queries and updates. */
export { configureReplicationWorkflow, progressQuery } from './configure-replication';
