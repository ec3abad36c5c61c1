/**
 * Typed programmatic API over @temporalio/client for the configure-replication workflow. The workflow is addressed
 * by its type name and the query by its name, so a client process never loads workflow code.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import {
  ConfigureReplicationInputSchema,
  formatInputIssues,
  type ConfigureReplicationInput,
  type ConfigureReplicationProgress,
  type ConfigureReplicationResult,
} from '../workflows/configure-replication-input';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from '../worker/defaults';

const WORKFLOW_TYPE = 'configureReplicationWorkflow';
const PROGRESS_QUERY = 'progress';

/** The workflow's signature, for typed handles. */
export type ConfigureReplicationWorkflow = (
  input: ConfigureReplicationInput,
) => Promise<ConfigureReplicationResult>;

/** The input failed ConfigureReplicationInputSchema; nothing was started. `issues` has one line per problem. */
export class InvalidConfigureInputError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid configure-replication input:\n${issues.join('\n')}`);
    this.name = 'InvalidConfigureInputError';
    this.issues = issues;
  }
}

/**
 * Validates an input (e.g. parsed from a spec file) against the workflow's schema. `source` prefixes every issue
 * (default 'input'), e.g. `input.vms[2].name: ...`.
 */
export function validateConfigureInput(input: unknown, source = 'input'): ConfigureReplicationInput {
  const parsed = ConfigureReplicationInputSchema.safeParse(input);
  if (!parsed.success)
    throw new InvalidConfigureInputError(formatInputIssues(parsed.error, source).split('\n'));
  return parsed.data;
}

/** A workflow id like `configure-protected-3f9a1c2e`. */
export const defaultConfigureWorkflowId = (site: string): string =>
  `configure-${site}-${randomBytes(4).toString('hex')}`;

export interface StartConfigureOptions {
  /** Default `configure-<site>-<8 random hex digits>`. */
  workflowId?: string;
  /** Default 'vsphere-replication'. */
  taskQueue?: string;
}

/**
 * Validates `input` (throws InvalidConfigureInputError listing every issue, before any call to Temporal) and
 * starts configureReplicationWorkflow.
 */
export async function startConfigureReplication(
  client: Client,
  input: ConfigureReplicationInput,
  options: StartConfigureOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<ConfigureReplicationWorkflow>> {
  const valid = validateConfigureInput(input);
  return client.workflow.start<ConfigureReplicationWorkflow>(WORKFLOW_TYPE, {
    args: [valid],
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    workflowId: options.workflowId ?? defaultConfigureWorkflowId(valid.site),
  });
}

/** Waits for the run to finish and returns its result (a cancelled run returns `cancelled: true`). */
export async function getConfigureResult(
  client: Client,
  workflowId: string,
): Promise<ConfigureReplicationResult> {
  return client.workflow.getHandle<ConfigureReplicationWorkflow>(workflowId).result();
}

/** Asks the run where every VM stands (works on running and closed runs while a worker is up). */
export async function queryConfigureProgress(
  client: Client,
  workflowId: string,
): Promise<ConfigureReplicationProgress> {
  return client.workflow.getHandle(workflowId).query<ConfigureReplicationProgress>(PROGRESS_QUERY);
}

/** Requests cancellation; the run stops at its next step, logs out, and completes with `cancelled: true`. */
export async function cancelConfigure(client: Client, workflowId: string): Promise<void> {
  await client.workflow.getHandle(workflowId).cancel();
}

/**
 * Link to a run in the Temporal Web UI; without runId, to the list of runs with that workflow id (the UI has no
 * page for "the latest run").
 */
export function temporalUiLink(
  uiBase: string,
  namespace: string,
  workflowId: string,
  runId?: string,
): string {
  const base = `${uiBase.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows`;
  if (runId) return `${base}/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
  return `${base}?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`;
}

export interface ConnectOptions {
  /** Default: env TEMPORAL_ADDRESS, else 127.0.0.1:7233. */
  address?: string;
  /** Default: env TEMPORAL_NAMESPACE, else 'default'. */
  namespace?: string;
  /** E.g. createDataConverter(loadCodecFromEnvironment()) from codec/ to encrypt payloads. Default: the SDK's. */
  dataConverter?: DataConverter;
}

/** Connects a Temporal client; close it with `client.connection.close()`. */
export async function connectTemporalClient(options: ConnectOptions = {}): Promise<Client> {
  const address = options.address ?? process.env.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS;
  const namespace = options.namespace ?? process.env.TEMPORAL_NAMESPACE ?? DEFAULT_NAMESPACE;
  const connection = await Connection.connect({ address, connectTimeout: 10_000 });
  return new Client({
    connection,
    namespace,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}
