/**
 * Configure, task polling, replication status and logout activities.
 * Configure is idempotent: a retry (the only attempt that can follow a POST whose answer was lost) first asks VR
 * which VMs already have a replication or a configure task still running, and sends specs only for the others, so
 * a crash between the POST and the record of its answer never configures a VM twice.
 */
import { Context } from '@temporalio/activity';
import {
  collect,
  VrBadRequestError,
  VrForbiddenError,
  type ConfigureReplicationSpec,
  toEpochMillis,
  type Task,
  type VrSession,
} from '../vr';
import { asActivity, describeVrError } from './failures';
import { TASK_IDS_PER_REQUEST, TaskPoller } from './task-poller';
import type { SessionManager } from './session-manager';
import type {
  ConfigureBatchInput,
  ConfigureBatchResult,
  ConfigureVmOutcome,
  LogoutResult,
  PollTasksInput,
  PollTasksResult,
  ReplicationStatusInput,
  ReplicationStatusResult,
  SessionRef,
  TaskSummary,
} from './types';

/** Ids per list request (repeated `filter` values). */
const IDS_PER_REQUEST = 20;

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );

export function buildSpec(
  input: ConfigureBatchInput,
  vm: ConfigureBatchInput['vms'][number],
): ConfigureReplicationSpec {
  const { settings } = vm;
  return {
    vm_id: vm.vmId,
    target_vc_id: input.pairing.remoteVcenterId,
    rpo: settings.rpoMinutes,
    mpit_enabled: settings.pointInTimeEnabled,
    ...(settings.pointInTimeEnabled
      ? { mpit_instances: settings.pointInTimeInstancesPerDay, mpit_days: settings.pointInTimeDays }
      : {}),
    quiesce_enabled: settings.quiescing,
    network_compression_enabled: settings.networkCompression,
    lwd_encryption_enabled: settings.encryption,
    auto_replicate_new_disks: settings.autoReplicateNewDisks,
    target_replication_server_id: input.replicationServerId,
    disks: vm.disks.map((disk) => ({
      vm_disk: {
        vm_id: disk.vmId,
        device_key: disk.deviceKey,
        is_vm_home: disk.isVmHome,
        capacity: disk.capacityKb,
        source_disk_format: disk.sourceDiskFormat,
        label: disk.label,
        controller_key: disk.controllerKey,
      },
      // VR refuses the whole request if a disk it cannot replicate is enabled; replicate the others.
      enabled_for_replication: disk.supportedForReplication !== false,
      use_seeds: false,
      destination_datastore_id: input.datastoreId,
      destination_storage_policy_id: input.storagePolicyId,
      destination_disk_format: settings.destinationDiskFormat,
    })),
  };
}

const isConfigureTask = (task: Task): boolean =>
  /configure/i.test(`${task.description_id ?? ''} ${task.description ?? ''}`) &&
  !/unconfigure|reconfigure/i.test(`${task.description_id ?? ''} ${task.description ?? ''}`);

const replicationIdOf = (task: Task): string | undefined => {
  const result = task.result as Record<string, unknown> | null | undefined;
  const id = result?.replication_id ?? result?.replicationId;
  return typeof id === 'string' ? id : undefined;
};

async function existingWork(session: VrSession, input: ConfigureBatchInput) {
  const vmIds = input.vms.map((vm) => vm.vmId);
  const replications = new Map<string, string>();
  const runningTasks = new Map<string, string>();
  for (const filter of chunks(vmIds, IDS_PER_REQUEST)) {
    for await (const replication of session.listReplications(input.pairing.pairingId, {
      filterProperty: 'vm_id',
      filter,
    })) {
      if (replication.vm_id && filter.includes(replication.vm_id))
        replications.set(replication.vm_id, replication.id);
    }
    for await (const task of session.listTasks({ filterProperty: 'entity', filter })) {
      const running = task.status === 'QUEUED' || task.status === 'RUNNING';
      if (running && task.entity && filter.includes(task.entity) && isConfigureTask(task))
        runningTasks.set(task.entity, task.id);
    }
  }
  return { replications, runningTasks };
}

const summarizeTask = (task: Task): TaskSummary => ({
  taskId: task.id,
  status: task.status,
  progress: task.progress ?? undefined,
  error: [task.error?.message, task.error?.details].filter(Boolean).join(': ') || undefined,
  replicationId: replicationIdOf(task),
  entity: task.entity ?? undefined,
  queuedAt: toEpochMillis(task.queued_time),
});

/** POSTs the specs; when VR rejects the whole request (400/403), sends them one by one to find the VMs at fault. */
async function postSpecs(
  session: VrSession,
  pairingId: string,
  specs: ConfigureReplicationSpec[],
  record: (tasks: TaskSummary[]) => void,
): Promise<ConfigureVmOutcome[]> {
  try {
    const tasks = await session.configureReplications(pairingId, specs);
    record(tasks.map(summarizeTask));
    return specs.map((spec, index) => {
      const task = tasks.find((candidate) => candidate.entity === spec.vm_id) ?? tasks[index];
      if (!task) return { vmId: spec.vm_id, kind: 'rejected', reason: 'VR returned no task for this VM' };
      return { vmId: spec.vm_id, kind: 'task', taskId: task.id, adopted: false };
    });
  } catch (error) {
    const rejected = error instanceof VrBadRequestError || error instanceof VrForbiddenError;
    if (!rejected) throw error;
    if (specs.length === 1) {
      const privilege =
        error instanceof VrForbiddenError &&
        !error.message.includes('VirtualMachine.Hbr.ConfigureReplication')
          ? ' (is the privilege VirtualMachine.Hbr.ConfigureReplication missing?)'
          : '';
      return [
        {
          vmId: specs[0]!.vm_id,
          kind: 'rejected',
          reason: `VR refused the configure request: ${describeVrError(error)}${privilege}`,
        },
      ];
    }
    const outcomes: ConfigureVmOutcome[] = [];
    for (const spec of specs) outcomes.push(...(await postSpecs(session, pairingId, [spec], record)));
    return outcomes;
  }
}

/** Largest page asked for when listing recent tasks (a server with a lower cap pages; nothing is lost). */
const RECENT_TASKS_PAGE = 1000;

/**
 * One poll round for `ids`. Up to TASK_IDS_PER_REQUEST tasks: one request filtered by id. More (a campaign's
 * hundreds of tasks): the site's most recent tasks, newest first in pages of up to RECENT_TASKS_PAGE, until every
 * wanted task was seen or the list reaches tasks queued before the oldest wanted one; so one request usually
 * answers a round for a thousand tasks. Whatever that did not find is asked for by id, so every id comes back as a
 * task or as missing.
 */
export async function fetchTasks(
  session: VrSession,
  ids: string[],
  hint: { oldestQueuedAt?: number },
): Promise<{ tasks: TaskSummary[]; missing: string[] }> {
  const wanted = new Set(ids);
  const found = new Map<string, TaskSummary>();
  if (ids.length > TASK_IDS_PER_REQUEST && hint.oldestQueuedAt !== undefined) {
    const pageSize = Math.min(RECENT_TASKS_PAGE, ids.length + TASK_IDS_PER_REQUEST);
    for await (const task of session.listTasks({ sortBy: 'queued_time', orderBy: 'desc', pageSize })) {
      if (wanted.has(task.id)) found.set(task.id, summarizeTask(task));
      if (found.size === wanted.size) break;
      const queuedAt = toEpochMillis(task.queued_time);
      if (queuedAt !== undefined && queuedAt < hint.oldestQueuedAt) break;
    }
  }
  for (const filter of chunks(
    ids.filter((id) => !found.has(id)),
    TASK_IDS_PER_REQUEST,
  )) {
    for await (const task of session.listTasks({ filterProperty: 'id', filter, pageSize: filter.length })) {
      if (wanted.has(task.id)) found.set(task.id, summarizeTask(task));
    }
  }
  return { tasks: [...found.values()], missing: ids.filter((id) => !found.has(id)) };
}

export function createReplicationActivities(sessions: SessionManager, poller = new TaskPoller()) {
  return {
    async configureReplicationBatch(input: ConfigureBatchInput): Promise<ConfigureBatchResult> {
      const names = input.vms.map((vm) => vm.name).join(', ');
      return asActivity(`configure replication of ${names}`, () =>
        sessions.withSession(
          input,
          async (session) => {
            // A first attempt sends specs only for VMs the run found suitable (not replicated) moments ago. Only a
            // retry can follow a POST whose answer was lost, so only a retry asks VR what already exists.
            const retried = Context.current().info.attempt > 1;
            const { replications, runningTasks } = retried
              ? await existingWork(session, input)
              : { replications: new Map<string, string>(), runningTasks: new Map<string, string>() };
            const outcomes = new Map<string, ConfigureVmOutcome>();
            for (const vm of input.vms) {
              const replicationId = replications.get(vm.vmId);
              const taskId = runningTasks.get(vm.vmId);
              if (replicationId !== undefined) {
                // On a retry the replication is most likely this request's own work from the attempt that died.
                outcomes.set(
                  vm.vmId,
                  retried
                    ? { vmId: vm.vmId, kind: 'configured', replicationId }
                    : { vmId: vm.vmId, kind: 'already-replicated', replicationId },
                );
              } else if (taskId !== undefined) {
                outcomes.set(vm.vmId, { vmId: vm.vmId, kind: 'task', taskId, adopted: true });
              }
            }
            const specs = input.vms.filter((vm) => !outcomes.has(vm.vmId)).map((vm) => buildSpec(input, vm));
            if (specs.length > 0) {
              const record = (tasks: TaskSummary[]) => poller.record(input.site, tasks);
              for (const outcome of await postSpecs(session, input.pairing.pairingId, specs, record))
                outcomes.set(outcome.vmId, outcome);
            }
            return { vms: input.vms.map((vm) => outcomes.get(vm.vmId)!) };
          },
          input.pairing,
        ),
      );
    },

    /**
     * The run's outstanding tasks, through the worker's task poller: it answers from a cache no older than
     * `maxAgeMs` and otherwise asks VR once for every task any run on this worker waits for (filter on id).
     */
    async pollTasks(input: PollTasksInput): Promise<PollTasksResult> {
      return asActivity(`poll ${input.taskIds.length} VR tasks`, () =>
        sessions.withSession(input, (session) =>
          poller.poll(input.site, input.taskIds, input.maxAgeMs ?? 0, (ids, hint) =>
            fetchTasks(session, ids, hint),
          ),
        ),
      );
    },

    async getReplicationStatus(input: ReplicationStatusInput): Promise<ReplicationStatusResult> {
      return asActivity(`read replication status of ${input.vmIds.length} VMs`, () =>
        sessions.withSession(
          input,
          async (session) => {
            const replications: ReplicationStatusResult['replications'] = [];
            for (const filter of chunks(input.vmIds, IDS_PER_REQUEST)) {
              const list = await collect(
                session.listReplications(input.pairing.pairingId, { filterProperty: 'vm_id', filter }),
              );
              for (const replication of list) {
                if (!replication.vm_id || !filter.includes(replication.vm_id)) continue;
                replications.push({
                  vmId: replication.vm_id,
                  replicationId: replication.id,
                  status: replication.status?.status ?? undefined,
                  rpoViolation: replication.status?.rpo_violation ?? undefined,
                  syncProgress: replication.sync_progress?.progress ?? undefined,
                  configurationError: replication.configuration_error?.message ?? undefined,
                });
              }
            }
            return { replications };
          },
          input.pairing,
        ),
      );
    },

    async logout(input: SessionRef): Promise<LogoutResult> {
      return asActivity(`logout from site ${input.site}`, async () => ({
        loggedOut: await sessions.logout(input.sessionHandle),
      }));
    },
  };
}
