/** Lookups and checks shared by the route handlers. */
import type { ApiVersion, ServerInfo, Task, VrmsInfo } from '../vr/schemas';
import { badRequest, notFound, SimHttpError, type SimResponse } from './http-types';
import type { SimVcenter } from './inventory';
import type { RouteContext } from './router';
import { SIM_SITES, siteByVcenterId, type SimSite } from './sites';
import { isRobo, type SimPairing } from './state';
import type { SimTask } from './tasks';

export const SERVER_VERSION = '9.0.2.0';

export function pairingOf(context: RouteContext): SimPairing {
  const id = context.request.params['pairing_id'] ?? '';
  const pairing = context.state.pairings.find((candidate) => candidate.id === id);
  if (!pairing) throw notFound('Pairing', id, 'PAIRING_NOT_FOUND');
  return pairing;
}

/** Calls that reach the remote site need a remote login on this session (never for ROBO pairings). */
export function requireRemote(context: RouteContext, pairing: SimPairing): void {
  if (isRobo(pairing)) return;
  if (context.state.faults.remoteSiteUnreachable) {
    const remote = siteByVcenterId(pairing.remoteVcId);
    throw new SimHttpError(
      503,
      'REMOTE_SITE_UNREACHABLE',
      `The remote site ${remote?.vrmsHost ?? pairing.remoteVrmsId} cannot be reached.`,
    );
  }
  if (!context.session.remote.has(pairing.id)) {
    throw new SimHttpError(
      401,
      'REMOTE_SESSION_REQUIRED',
      `This operation needs a session to the remote site of pairing ${pairing.id}; log in with POST /pairings/${pairing.id}/remote-session first.`,
    );
  }
}

/** The vCenter named in the path: the pairing's local or remote one (the remote one needs a remote login). */
export function vcenterOf(context: RouteContext, pairing: SimPairing): SimVcenter {
  const id = context.request.params['vcenter_id'] ?? '';
  if (id !== pairing.localVcId && id !== pairing.remoteVcId)
    throw notFound('vCenter Server', id, 'VCENTER_NOT_FOUND');
  if (id === pairing.remoteVcId) requireRemote(context, pairing);
  const vcenter = context.state.inventory.vcenters.get(id);
  if (!vcenter) throw notFound('vCenter Server', id, 'VCENTER_NOT_FOUND');
  return vcenter;
}

const siteOfVrms = (vrmsId: string): SimSite | undefined =>
  [SIM_SITES.protected, SIM_SITES.recovery].find((site) => site.vrmsId === vrmsId);

export function vcServerInfo(vcenterId: string): ServerInfo {
  const site = siteByVcenterId(vcenterId);
  return {
    id: vcenterId,
    url: `https://${site?.vcenterName ?? vcenterId}:443`,
    name: site?.vcenterName ?? vcenterId,
    server_status: 'OK',
    version: '8.0.3',
  };
}

export function vrmsInfo(vrmsId: string): VrmsInfo {
  const site = siteOfVrms(vrmsId);
  return {
    id: vrmsId,
    url: `https://${site?.vrmsHost ?? vrmsId}:443`,
    name: site?.vrmsName ?? vrmsId,
    server_status: 'OK',
    version: SERVER_VERSION,
    // The document types vc_guid as a non-null uuid: leave both out rather than null for an unknown VRMS.
    ...(site ? { vc_guid: site.vcenterId, vc_name: site.vcenterName } : {}),
    extension_key: 'com.vmware.vcHms',
  };
}

const TIME_FIELDS = new Set(['queued_time', 'start_time', 'complete_time', 'last_sync_time']);

/** v1 (VR 8.6) reports times as ISO-8601 strings; v2 as epoch milliseconds. */
export function forVersion<T>(value: T, version: ApiVersion): T {
  if (version === 'v2' || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => forVersion(item, version)) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    copy[key] =
      TIME_FIELDS.has(key) && typeof field === 'number'
        ? new Date(field).toISOString()
        : forVersion(field, version);
  }
  return copy as T;
}

export function taskView(context: RouteContext, task: SimTask): Task {
  return forVersion(context.state.tasks.view(task), context.request.version);
}

export const accepted = (context: RouteContext, task: SimTask): SimResponse => ({
  status: 202,
  body: taskView(context, task),
});

/** The request body must be a JSON object. */
export function objectBody(context: RouteContext, what: string): Record<string, unknown> {
  const body = context.request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`The request body must be a ${what} JSON object.`, 'INVALID_REQUEST_BODY');
  }
  return body as Record<string, unknown>;
}
