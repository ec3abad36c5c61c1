/** Session endpoints: local login/logout, remote login per pairing, and GET /info. */
import type { SessionIdData, SessionInfo } from '../vr/schemas';
import { SimHttpError, type SimRequest } from './http-types';
import { pairingOf, vrmsInfo } from './route-helpers';
import type { Route } from './router';
import { siteByVcenterId, type SimSite } from './sites';
import { isRobo } from './state';

function basicCredentials(request: SimRequest): { username: string; password: string } | undefined {
  const header = request.headers.authorization;
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** SSO user names are case-insensitive; passwords are not. */
function credentialsMatch(request: SimRequest, site: SimSite): string | undefined {
  const credentials = basicCredentials(request);
  if (!credentials) return undefined;
  const ok =
    credentials.username.toLowerCase() === site.username.toLowerCase() &&
    credentials.password === site.password;
  return ok ? site.username : undefined;
}

/**
 * Wrong credentials. The document declares 401 for the remote login but only 200/400/500 for `POST /session`,
 * so the local login answers 400.
 */
const invalidCredentials = (status: 400 | 401) =>
  new SimHttpError(
    status,
    'AUTHENTICATION_FAILED',
    'Cannot authenticate user: invalid user name or password.',
  );

const poolExhausted = (site: SimSite) =>
  new SimHttpError(
    503,
    'SESSION_POOL_EXHAUSTED',
    `No more sessions can be created on ${site.vrmsHost}: the session pool is full. Log out unused sessions.`,
  );

export const sessionRoutes: Route[] = [
  {
    method: 'POST',
    template: '/session',
    auth: 'basic',
    handler: ({ state, request }) => {
      const site = state.localSite;
      const username = credentialsMatch(request, site);
      if (!username) {
        state.stats.loginFailures += 1;
        throw invalidCredentials(400);
      }
      if (!state.sessions.hasRoom(site.key)) {
        state.stats.loginFailures += 1;
        throw poolExhausted(site);
      }
      const session = state.sessions.create(username, site.key);
      state.stats.logins += 1;
      const body: SessionIdData = { session_id: session.id };
      return { status: 200, body };
    },
  },
  {
    method: 'GET',
    template: '/session',
    auth: 'session',
    handler: ({ session }) => ({ status: 200, body: { username: session.username } satisfies SessionInfo }),
  },
  {
    method: 'DELETE',
    template: '/session',
    auth: 'session',
    handler: ({ state, session }) => {
      state.sessions.delete(session.id);
      state.stats.logouts += 1;
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    template: '/pairings/{pairing_id}/remote-session',
    auth: 'session',
    handler: (context) => {
      const { state, request, session } = context;
      const pairing = pairingOf(context);
      const remoteSite = siteByVcenterId(pairing.remoteVcId);
      if (!remoteSite)
        throw new SimHttpError(500, 'INTERNAL_ERROR', 'Remote site of the pairing is unknown.');
      if (!isRobo(pairing) && state.faults.remoteSiteUnreachable) {
        throw new SimHttpError(
          503,
          'REMOTE_SITE_UNREACHABLE',
          `The remote site ${remoteSite.vrmsHost} cannot be reached.`,
        );
      }
      const username = credentialsMatch(request, remoteSite);
      if (!username) throw invalidCredentials(401);
      if (isRobo(pairing)) return { status: 204 };
      if (!session.remote.has(pairing.id) && !state.sessions.hasRoom(remoteSite.key))
        throw poolExhausted(remoteSite);
      session.remote.set(pairing.id, { username, site: remoteSite.key });
      state.stats.remoteLogins += 1;
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    template: '/pairings/{pairing_id}/remote-session',
    auth: 'session',
    handler: (context) => {
      const pairing = pairingOf(context);
      if (isRobo(pairing))
        return { status: 200, body: { username: context.session.username } satisfies SessionInfo };
      const remote = context.session.remote.get(pairing.id);
      if (!remote) {
        throw new SimHttpError(
          401,
          'REMOTE_SESSION_REQUIRED',
          `No remote session for pairing ${pairing.id}.`,
        );
      }
      return { status: 200, body: { username: remote.username } satisfies SessionInfo };
    },
  },
  {
    method: 'GET',
    template: '/info',
    auth: 'session',
    handler: ({ state }) => ({ status: 200, body: vrmsInfo(state.localSite.vrmsId) }),
  },
];
