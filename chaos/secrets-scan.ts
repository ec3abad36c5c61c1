/**
 * The secrets scan over a chaos run: the complete history of every workflow in the namespace (every run, payloads
 * decoded to text), the worker's log and the CLI's output must hold none of the site passwords, their Basic
 * headers or any session id the simulator issued. A scan that finds nothing proves little unless it read the right
 * text, so it also reports how much it read and whether the campaign's VM names were visible in it.
 */
import type { Client } from '@temporalio/client';

export interface ScanSource {
  name: string;
  text: string;
}

export interface SecretsScanResult {
  workflowsScanned: number;
  historyEvents: number;
  historyBytes: number;
  logBytes: number;
  cliBytes: number;
  secretsSearched: number;
  sessionIdsSearched: number;
  /** Source name -> how many secrets it contained (only sources with hits). */
  hits: Record<string, number>;
  /** The histories' text held `"name":"<a VM name>"`, which only a decoded payload holds (proof of decoding). */
  sampleVmNameVisible: boolean;
}

/**
 * A history as text with every byte field (payload data, metadata) decoded: plain JSON payloads become readable,
 * and the base64 form is kept as well. A walk of our own: the proto messages' toJSON would turn bytes into base64
 * only, and a plaintext secret would then go unseen.
 */
export function historyToText(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Uint8Array) {
    const buffer = Buffer.from(value);
    return `${buffer.toString('utf8')} ${buffer.toString('base64')}`;
  }
  if (typeof value !== 'object') return String(value);
  if (depth > 40) return '';
  if (Array.isArray(value)) return value.map((item) => historyToText(item, depth + 1)).join('\n');
  return Object.entries(value as Record<string, unknown>)
    .map(([key, item]) => `${key}: ${historyToText(item, depth + 1)}`)
    .join('\n');
}

/** Text of the complete history of every run of every workflow in the client's namespace. */
export async function historiesText(
  client: Client,
): Promise<{ sources: ScanSource[]; workflows: number; events: number }> {
  const executions: Array<{ workflowId: string; runId: string }> = [];
  for await (const execution of client.workflow.list()) {
    executions.push({ workflowId: execution.workflowId, runId: execution.runId });
  }
  const sources: ScanSource[] = [];
  let events = 0;
  for (let start = 0; start < executions.length; start += 8) {
    const histories = await Promise.all(
      executions.slice(start, start + 8).map(async ({ workflowId, runId }) => ({
        name: `history ${workflowId} ${runId}`,
        history: await client.workflow.getHandle(workflowId, runId).fetchHistory(),
      })),
    );
    for (const { name, history } of histories) {
      events += history.events?.length ?? 0;
      sources.push({ name, text: historyToText(history) });
    }
  }
  return { sources, workflows: executions.length, events };
}

/** Counts, per source, the secrets it contains. Secrets shorter than 8 characters are refused (false hits). */
export function findSecrets(sources: ScanSource[], secrets: string[]): Record<string, number> {
  const usable = [...new Set(secrets)];
  for (const secret of usable)
    if (secret.length < 8)
      throw new Error(`a secret of ${secret.length} characters cannot be scanned reliably`);
  const hits: Record<string, number> = {};
  for (const source of sources) {
    const count = usable.filter((secret) => source.text.includes(secret)).length;
    if (count > 0) hits[source.name] = count;
  }
  return hits;
}

export async function scanForSecrets(options: {
  client: Client;
  secrets: string[];
  sessionIds: number;
  logText: string;
  cliOutputs: ScanSource[];
  sampleVmName: string;
}): Promise<SecretsScanResult> {
  const histories = await historiesText(options.client);
  const logs: ScanSource = { name: 'worker log', text: options.logText };
  const hits = findSecrets([...histories.sources, logs, ...options.cliOutputs], options.secrets);
  return {
    workflowsScanned: histories.workflows,
    historyEvents: histories.events,
    historyBytes: histories.sources.reduce((sum, source) => sum + source.text.length, 0),
    logBytes: options.logText.length,
    cliBytes: options.cliOutputs.reduce((sum, source) => sum + source.text.length, 0),
    secretsSearched: new Set(options.secrets).size,
    sessionIdsSearched: options.sessionIds,
    hits,
    sampleVmNameVisible: histories.sources.some((source) =>
      source.text.includes(`"name":${JSON.stringify(options.sampleVmName)}`),
    ),
  };
}
