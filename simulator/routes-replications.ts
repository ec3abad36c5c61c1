/** Replications of a pairing: configure (batch), list/get/count/disks/issues, delete and the lifecycle actions. */
import type { IssueInfo, ListPage, ReplicationInfo, Task } from '../vr/schemas';
import {
  validateConfigureRequest,
  validateReconfigureRequest,
  type ValidatedConfigureSpec,
  type ValidationTarget,
} from './configure-validation';
import { booleanQuery, notFound, SimHttpError } from './http-types';
import { checkCompliance } from './inventory';
import { listResponse } from './listing';
import { replicatedDisksView, replicationView, type SimReplication } from './replications';
import { accepted, forVersion, pairingOf, requireRemote, taskView } from './route-helpers';
import type { Route, RouteContext } from './router';
import { REPLICATION_PRIVILEGE, vmValidation } from './routes-inventory';
import type { SimPairing, SimulatorState } from './state';

const SIMULATED_TASK_FAILURE = 'Simulated task failure (fault injection).';

function targetOf(state: SimulatorState, pairing: SimPairing): ValidationTarget {
  const vcenter = state.inventory.vcenters.get(pairing.remoteVcId);
  const vrms = state.inventory.vrms.get(pairing.remoteVrmsId);
  if (!vcenter || !vrms)
    throw new SimHttpError(500, 'INTERNAL_ERROR', 'The target site of the pairing is unknown.');
  return { vcenter, vrms };
}

/** Reasons a valid spec still fails for this VM (its task ends in ERROR). */
function configureProblem(
  state: SimulatorState,
  spec: ValidatedConfigureSpec,
  target: ValidationTarget,
): string | undefined {
  const { vm } = spec;
  if (state.replicationOfVm(vm.id)) {
    state.stats.alreadyReplicatedConfigureAttempts += 1;
    return `VM '${vm.name}' (${vm.id}) is already configured for replication.`;
  }
  const validation = vmValidation(state, vm);
  if (validation.status === 'NO_PERMISSIONS') {
    return `NOT_AUTHORIZED: permission to perform this operation was denied; privilege ${REPLICATION_PRIVILEGE} is missing on VM '${vm.name}' (${vm.id}).`;
  }
  if (validation.status !== 'OK')
    return `VM '${vm.name}' cannot be replicated (${validation.status}): ${validation.reasons[0] ?? ''}`;
  for (const disk of spec.disks) {
    const datastore = target.vcenter.datastores.find((candidate) => candidate.id === disk.datastoreId);
    if (datastore && datastore.accessible === false)
      return `Datastore '${datastore.name}' is not accessible.`;
    const policy = target.vcenter.storagePolicies.find(
      (candidate) => candidate.storage_policy_id === disk.storagePolicyId,
    );
    const problem = policy && datastore ? checkCompliance(target.vcenter, policy, datastore) : undefined;
    if (problem) return `Storage policy '${policy?.storage_policy_name}' is not compliant: ${problem}`;
  }
  const server = target.vrms.replicationServers.find(
    (candidate) => candidate.id === spec.replicationServerId,
  );
  if (server && server.connected === false) return `Replication server '${server.name}' is not connected.`;
  return undefined;
}

function configure(context: RouteContext): ListPage<Task> {
  const { state, request } = context;
  const pairing = pairingOf(context);
  requireRemote(context, pairing);
  const sourceVcenter = state.inventory.vcenters.get(pairing.localVcId);
  if (!sourceVcenter)
    throw new SimHttpError(500, 'INTERNAL_ERROR', 'The source site of the pairing is unknown.');
  const target = targetOf(state, pairing);
  const specs = validateConfigureRequest(request.body, {
    sourceVcenter,
    targetVcId: pairing.remoteVcId,
    target,
  });
  const tasks = specs.map((spec) => {
    const problem = configureProblem(state, spec, target);
    const forced = problem === undefined ? state.faults.forcedTaskOutcome(spec.vm) : undefined;
    const failure =
      problem ?? forced?.message ?? (state.faults.taskShouldFail() ? SIMULATED_TASK_FAILURE : undefined);
    const task = state.tasks.create({
      description: 'Configure replication',
      descriptionId: 'com.vmware.vr.configureReplication',
      entity: spec.vm.id,
      entityName: spec.vm.name,
      failure,
      cancelled: forced?.status === 'CANCELLED',
    });
    if (failure === undefined) {
      // The group exists (CONFIGURING) as soon as VR accepts the request, so a retry sees it as already configured.
      const connected = target.vrms.replicationServers.filter((server) => server.connected !== false);
      const autoServer = connected[state.replications.size % Math.max(1, connected.length)];
      const replication: SimReplication = {
        id: state.newReplicationId(),
        pairingId: pairing.id,
        vm: spec.vm,
        sourceVcId: pairing.localVcId,
        targetVcId: pairing.remoteVcId,
        settings: spec.settings,
        disks: spec.disks,
        replicationServerId: spec.replicationServerId ?? autoServer?.id ?? '',
        createdAt: task.queuedAt,
        configuredAt: task.completeAt,
        initialSyncMs: state.settings.initialSyncMs,
        pausedTotalMs: 0,
      };
      state.replications.set(replication.id, replication);
      state.stats.recordReplicationCreated(spec.vm.id);
      task.result = { replication_id: replication.id };
    }
    return taskView(context, task);
  });
  const self = { href: `${request.url.pathname}${request.url.search}` };
  return { list: tasks, _meta: { total: tasks.length, offset: 0, limit: tasks.length, links: { self } } };
}

function replicationsOf(context: RouteContext, pairing: SimPairing): SimReplication[] {
  return [...context.state.replications.values()].filter(
    (replication) => replication.pairingId === pairing.id,
  );
}

function replicationOf(
  context: RouteContext,
  scope: 'both-sites' | 'local-only' = 'both-sites',
): { pairing: SimPairing; replication: SimReplication } {
  const pairing = pairingOf(context);
  // The document: DELETE removes the replication "only on the local site" and is the way to go when the remote
  // site is not available, so it needs neither a remote session nor a reachable remote site.
  if (scope === 'both-sites') requireRemote(context, pairing);
  const id = context.request.params['replication_id'] ?? '';
  const replication = context.state.replications.get(id);
  if (!replication || replication.pairingId !== pairing.id)
    throw notFound('Replication', id, 'REPLICATION_NOT_FOUND');
  return { pairing, replication };
}

const view = (context: RouteContext, replication: SimReplication): ReplicationInfo =>
  forVersion(
    replicationView(replication, context.state.inventory, context.state.clock.now()),
    context.request.version,
  );

/** Builds an action route whose effect runs when its task completes. */
function action(
  name: string,
  description: string,
  prepare: (context: RouteContext, replication: SimReplication) => (completeAt: number) => string | undefined,
): Route {
  return {
    method: 'POST',
    template: `/pairings/{pairing_id}/replications/{replication_id}/actions/${name}`,
    auth: 'session',
    handler: (context) => {
      const { state } = context;
      const { replication } = replicationOf(context);
      const effect = prepare(context, replication);
      const task = state.tasks.create({
        description,
        descriptionId: `com.vmware.vr.${name}Replication`,
        entity: replication.id,
        entityName: replication.vm.name,
        failure: state.faults.taskShouldFail() ? SIMULATED_TASK_FAILURE : undefined,
      });
      task.effect = () => {
        if (!state.replications.has(replication.id))
          return { error: `Replication ${replication.id} no longer exists.` };
        const error = effect(task.completeAt);
        return error ? { error } : undefined;
      };
      return accepted(context, task);
    },
  };
}

function removal(
  context: RouteContext,
  descriptionId: string,
  description: string,
  scope: 'both-sites' | 'local-only',
) {
  const { state } = context;
  const { replication } = replicationOf(context, scope);
  booleanQuery(context.request.query, 'retain_replica_disks');
  const task = state.tasks.create({
    description,
    descriptionId,
    entity: replication.id,
    entityName: replication.vm.name,
    failure: state.faults.taskShouldFail() ? SIMULATED_TASK_FAILURE : undefined,
    effect: () =>
      state.replications.delete(replication.id)
        ? undefined
        : { error: `Replication ${replication.id} no longer exists.` },
  });
  return accepted(context, task);
}

export const replicationRoutes: Route[] = [
  {
    method: 'POST',
    template: '/pairings/{pairing_id}/replications',
    auth: 'session',
    handler: (context) => ({ status: 202, body: configure(context) }),
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/replications',
    auth: 'session',
    handler: (context) => {
      const pairing = pairingOf(context);
      requireRemote(context, pairing);
      const { query } = context.request;
      booleanQuery(query, 'extended_info');
      const sourceVcGuid = query.get('source_vc_guid');
      const list = replicationsOf(context, pairing)
        .filter((replication) => !sourceVcGuid || replication.sourceVcId === sourceVcGuid)
        .map((replication) => view(context, replication));
      return {
        status: 200,
        body: listResponse(context.request, list, context.state.settings.defaultPageSize),
      };
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/replications/count',
    auth: 'session',
    handler: (context) => {
      const pairing = pairingOf(context);
      requireRemote(context, pairing);
      return { status: 200, body: { count: replicationsOf(context, pairing).length } };
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/replications/issues',
    auth: 'session',
    handler: (context) => {
      const pairing = pairingOf(context);
      requireRemote(context, pairing);
      const now = context.state.clock.now();
      const issues: IssueInfo[] = replicationsOf(context, pairing)
        .filter((replication) => replication.pausedAt !== undefined)
        .map((replication) => ({
          entity: replication.id,
          entity_name: replication.vm.name,
          description: 'Replication is paused.',
          timestamp: replication.pausedAt ?? now,
          status: 'WARNING',
          issue_type: 'VRS',
        }));
      return {
        status: 200,
        body: listResponse(context.request, issues, context.state.settings.defaultPageSize),
      };
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/replications/{replication_id}',
    auth: 'session',
    handler: (context) => ({ status: 200, body: view(context, replicationOf(context).replication) }),
  },
  {
    method: 'DELETE',
    template: '/pairings/{pairing_id}/replications/{replication_id}',
    auth: 'session',
    handler: (context) =>
      removal(context, 'com.vmware.vr.destroyReplication', 'Remove replication', 'local-only'),
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/replications/{replication_id}/disks',
    auth: 'session',
    handler: (context) => {
      const { replication } = replicationOf(context);
      const disks = replicatedDisksView(replication, context.state.inventory);
      return {
        status: 200,
        body: listResponse(context.request, disks, context.state.settings.defaultPageSize),
      };
    },
  },
  {
    method: 'POST',
    template: '/pairings/{pairing_id}/replications/{replication_id}/actions/unconfigure',
    auth: 'session',
    handler: (context) =>
      removal(context, 'com.vmware.vr.unconfigureReplication', 'Unconfigure replication', 'both-sites'),
  },
  action('pause', 'Pause replication', (_context, replication) => (completeAt) => {
    // Pausing a paused replication is accepted and changes nothing, as in VR.
    if (replication.pausedAt === undefined) replication.pausedAt = completeAt;
    return undefined;
  }),
  action('resume', 'Resume replication', (_context, replication) => (completeAt) => {
    if (replication.pausedAt !== undefined) {
      replication.pausedTotalMs += Math.max(0, completeAt - replication.pausedAt);
      replication.pausedAt = undefined;
    }
    return undefined;
  }),
  action('sync', 'Synchronize replication', (context, replication) => {
    const status = replicationView(replication, context.state.inventory, context.state.clock.now()).status
      ?.status;
    if (status === 'PAUSED' || status === 'CONFIGURING') {
      throw new SimHttpError(
        400,
        'INVALID_STATE',
        `Replication ${replication.id} cannot be synchronized while ${status}.`,
      );
    }
    return (completeAt) => {
      if (replication.pausedAt !== undefined) return `Replication ${replication.id} was paused.`;
      replication.forcedSyncAt = completeAt;
      return undefined;
    };
  }),
  action('reconfigure', 'Reconfigure replication', (context, replication) => {
    const pairing = pairingOf(context);
    const validated = validateReconfigureRequest(
      context.request.body,
      replication.vm,
      targetOf(context.state, pairing),
    );
    return () => {
      replication.settings = validated.settings;
      replication.disks = validated.disks;
      if (validated.replicationServerId) replication.replicationServerId = validated.replicationServerId;
      return undefined;
    };
  }),
];
