/** Deployment defaults shared by the worker and the client (plain constants: the CLI must not load worker code). */

/** Task queue the worker polls and the client starts workflows on. */
export const DEFAULT_TASK_QUEUE = 'vsphere-replication';
/** Temporal front end (a local dev server). */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
/** Temporal namespace. */
export const DEFAULT_NAMESPACE = 'default';
/** Temporal Web UI (the dev server's). */
export const DEFAULT_TEMPORAL_UI_URL = 'http://127.0.0.1:8233';
