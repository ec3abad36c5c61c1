/** Pairings, VRMS and replication servers, pairing issues. */
import type { IssueInfo, Pairing, ReplicationServerInfo, ServerInfo, VrmsInfo } from '../vr/schemas';
import { badRequest, booleanQuery, notFound, SimHttpError } from './http-types';
import type { SimReplicationServer } from './inventory';
import { listResponse } from './listing';
import { accepted, objectBody, pairingOf, requireRemote, vcServerInfo, vrmsInfo } from './route-helpers';
import type { Route, RouteContext } from './router';
import { SIM_SITES, siteByVcenterId } from './sites';
import { isRobo, type SimPairing, type SimulatorState } from './state';

export function pairingView(pairing: SimPairing): Pairing {
  return {
    pairing_id: pairing.id,
    local_vc_server: vcServerInfo(pairing.localVcId),
    remote_vc_server: vcServerInfo(pairing.remoteVcId),
    local_vrms: serverInfoOf(vrmsInfo(pairing.localVrmsId)),
    remote_vrms: serverInfoOf(vrmsInfo(pairing.remoteVrmsId)),
  };
}

/** A pairing's VRMS entries are plain ServerInfo: no vc_guid / vc_name / extension_key. */
function serverInfoOf(info: VrmsInfo): ServerInfo {
  return {
    id: info.id,
    url: info.url,
    name: info.name,
    server_status: info.server_status,
    version: info.version,
  };
}

function pairingSpec(context: RouteContext): { vcenterId: string; username?: string; password?: string } {
  const body = objectBody(context, 'PairingSpec');
  const vcenterId = body['pair_vc_id'];
  if (typeof vcenterId !== 'string' || vcenterId === '')
    throw badRequest("'pair_vc_id' is required.", 'VALIDATION_ERROR');
  const psc = body['pair_psc_info'];
  if (psc === null || typeof psc !== 'object' || Array.isArray(psc)) {
    throw badRequest("'pair_psc_info' is required.", 'VALIDATION_ERROR');
  }
  const info = psc as Record<string, unknown>;
  for (const field of ['url', 'username', 'password', 'thumbprint']) {
    if (info[field] != null && typeof info[field] !== 'string') {
      throw badRequest(`'pair_psc_info.${field}' must be a string.`, 'VALIDATION_ERROR');
    }
  }
  if (info['port'] != null && !Number.isInteger(info['port'])) {
    throw badRequest("'pair_psc_info.port' must be an integer.", 'VALIDATION_ERROR');
  }
  return {
    vcenterId,
    username: info['username'] as string | undefined,
    password: info['password'] as string | undefined,
  };
}

/** Why pairing with this spec fails, or undefined when the credentials are right. */
function pairingProblem(spec: {
  vcenterId: string;
  username?: string;
  password?: string;
}): string | undefined {
  const site = siteByVcenterId(spec.vcenterId);
  if (!site) return `vCenter Server ${spec.vcenterId} was not found in the Lookup Service.`;
  const ok = spec.username?.toLowerCase() === site.username.toLowerCase() && spec.password === site.password;
  return ok
    ? undefined
    : `Cannot log in to the Platform Services Controller of ${site.vcenterName}: invalid credentials.`;
}

function serverView(state: SimulatorState, server: SimReplicationServer): ReplicationServerInfo {
  let count = 0;
  for (const replication of state.replications.values())
    if (replication.replicationServerId === server.id) count += 1;
  return { ...server, replication_count: count };
}

function vrmsOfPairing(context: RouteContext, pairing: SimPairing): string {
  const id = context.request.params['vr_id'] ?? '';
  if (id !== pairing.localVrmsId && id !== pairing.remoteVrmsId)
    throw notFound('vSphere Replication server', id, 'VR_NOT_FOUND');
  if (id === pairing.remoteVrmsId) requireRemote(context, pairing);
  return id;
}

function servers(state: SimulatorState, vrmsId: string): ReplicationServerInfo[] {
  return (state.inventory.vrms.get(vrmsId)?.replicationServers ?? []).map((server) =>
    serverView(state, server),
  );
}

export const pairingRoutes: Route[] = [
  {
    method: 'GET',
    template: '/pairings',
    auth: 'session',
    handler: ({ state, request }) => ({
      status: 200,
      body: listResponse(request, state.pairings.map(pairingView), state.settings.defaultPageSize),
    }),
  },
  {
    method: 'POST',
    template: '/pairings',
    auth: 'session',
    handler: (context) => {
      const { state } = context;
      const spec = pairingSpec(context);
      const site = siteByVcenterId(spec.vcenterId);
      const task = state.tasks.create({
        description: 'Pair sites',
        descriptionId: 'com.vmware.vr.pairSites',
        entity: spec.vcenterId,
        entityName: site?.vcenterName,
        failure: state.faults.taskShouldFail() ? 'Simulated task failure (fault injection).' : undefined,
        effect: () => {
          const problem = pairingProblem(spec);
          if (problem) return { error: problem };
          if (state.pairings.some((pairing) => pairing.remoteVcId === spec.vcenterId)) {
            return {
              error: `A pairing with vCenter Server ${site?.vcenterName ?? spec.vcenterId} already exists.`,
            };
          }
          const remoteVrmsId = site?.vrmsId ?? SIM_SITES.recovery.vrmsId;
          const pairing: SimPairing = {
            id: state.inventory.random.uuid(),
            localVcId: state.localSite.vcenterId,
            remoteVcId: spec.vcenterId,
            localVrmsId: state.localSite.vrmsId,
            remoteVrmsId,
          };
          state.pairings.push(pairing);
          return { result: { pairing_id: pairing.id } };
        },
      });
      return accepted(context, task);
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}',
    auth: 'session',
    handler: (context) => ({ status: 200, body: pairingView(pairingOf(context)) }),
  },
  {
    method: 'DELETE',
    template: '/pairings/{pairing_id}',
    auth: 'session',
    handler: (context) => {
      const { state, request } = context;
      const pairing = pairingOf(context);
      const force = booleanQuery(request.query, 'force');
      const replications = [...state.replications.values()].filter(
        (replication) => replication.pairingId === pairing.id,
      );
      if (!force) {
        requireRemote(context, pairing);
        if (replications.length > 0) {
          throw new SimHttpError(
            400,
            'PAIRING_HAS_REPLICATIONS',
            `Pairing ${pairing.id} still has ${replications.length} replication(s); remove them first or use force=true.`,
          );
        }
      }
      const task = state.tasks.create({
        description: 'Break site pairing',
        descriptionId: 'com.vmware.vr.breakPairing',
        entity: pairing.id,
        failure: state.faults.taskShouldFail() ? 'Simulated task failure (fault injection).' : undefined,
        effect: () => {
          const index = state.pairings.indexOf(pairing);
          if (index < 0) return { error: `Pairing ${pairing.id} no longer exists.` };
          state.pairings.splice(index, 1);
          for (const replication of [...state.replications.values()]) {
            if (replication.pairingId === pairing.id) state.replications.delete(replication.id);
          }
          for (const session of state.sessions.active()) session.remote.delete(pairing.id);
          return undefined;
        },
      });
      return accepted(context, task);
    },
  },
  {
    method: 'POST',
    template: '/pairings/{pairing_id}/actions/reconnect',
    auth: 'session',
    handler: (context) => {
      const { state } = context;
      const pairing = pairingOf(context);
      const spec = pairingSpec(context);
      if (spec.vcenterId !== pairing.remoteVcId) {
        throw badRequest(
          `'pair_vc_id' must be the remote vCenter Server of pairing ${pairing.id}.`,
          'VALIDATION_ERROR',
        );
      }
      const task = state.tasks.create({
        description: 'Reconnect site pairing',
        descriptionId: 'com.vmware.vr.reconnectPairing',
        entity: pairing.id,
        failure: state.faults.taskShouldFail() ? 'Simulated task failure (fault injection).' : undefined,
        effect: () => {
          const problem = pairingProblem(spec);
          return problem ? { error: problem } : undefined;
        },
      });
      return accepted(context, task);
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/issues',
    auth: 'session',
    handler: (context) => {
      const { state, request } = context;
      const pairing = pairingOf(context);
      const issues: IssueInfo[] = [];
      if (!isRobo(pairing) && state.faults.remoteSiteUnreachable) {
        issues.push({
          entity: pairing.id,
          entity_name: siteByVcenterId(pairing.remoteVcId)?.vrmsHost ?? pairing.remoteVrmsId,
          description: 'The remote vSphere Replication Management Server is not reachable.',
          timestamp: state.clock.now(),
          status: 'ERROR',
          issue_type: 'VRMS',
        });
      }
      return { status: 200, body: listResponse(request, issues, state.settings.defaultPageSize) };
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/vrs',
    auth: 'session',
    handler: (context) => {
      const pairing = pairingOf(context);
      const ids = isRobo(pairing) ? [pairing.localVrmsId] : [pairing.localVrmsId, pairing.remoteVrmsId];
      return {
        status: 200,
        body: listResponse(context.request, ids.map(vrmsInfo), context.state.settings.defaultPageSize),
      };
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/vrs/{vr_id}',
    auth: 'session',
    handler: (context) => ({ status: 200, body: vrmsInfo(vrmsOfPairing(context, pairingOf(context))) }),
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/vrs/{vr_id}/replication-servers',
    auth: 'session',
    handler: (context) => {
      const vrmsId = vrmsOfPairing(context, pairingOf(context));
      const list = servers(context.state, vrmsId);
      return {
        status: 200,
        body: listResponse(context.request, list, context.state.settings.defaultPageSize),
      };
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/vrs/{vr_id}/replication-servers/{replication_server_id}',
    auth: 'session',
    handler: (context) => {
      const vrmsId = vrmsOfPairing(context, pairingOf(context));
      const id = context.request.params['replication_server_id'] ?? '';
      const server = servers(context.state, vrmsId).find((candidate) => candidate.id === id);
      if (!server) throw notFound('Replication server', id, 'REPLICATION_SERVER_NOT_FOUND');
      return { status: 200, body: server };
    },
  },
  {
    method: 'GET',
    template: '/replication-servers',
    auth: 'session',
    handler: ({ state, request }) => ({
      status: 200,
      body: listResponse(request, servers(state, state.localSite.vrmsId), state.settings.defaultPageSize),
    }),
  },
  {
    method: 'GET',
    template: '/replication-servers/{replication_server_id}',
    auth: 'session',
    handler: ({ state, request }) => {
      const id = request.params['replication_server_id'] ?? '';
      const server = servers(state, state.localSite.vrmsId).find((candidate) => candidate.id === id);
      if (!server) throw notFound('Replication server', id, 'REPLICATION_SERVER_NOT_FOUND');
      return { status: 200, body: server };
    },
  },
];
