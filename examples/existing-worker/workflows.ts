/** The existing worker's own workflow. The plugin adds configureReplicationWorkflow next to it. */
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { composeGreeting } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });

export async function greetingWorkflow(name: string): Promise<string> {
  return await composeGreeting(name);
}
