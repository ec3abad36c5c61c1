/**
 * Site pairing activities: list pairings, and start create / reconnect / delete, each returning VR's task. The
 * remote site's password never enters a workflow: the input names the remote vCenter, and the activity takes the
 * matching `remoteCredentials` entry from the worker's sites file. Starting is idempotent: an existing pairing or a
 * running task of the same kind is reported or adopted, not started again.
 */
import {
  collect,
  VrBadRequestError,
  VrNotFoundError,
  type PairingSpec,
  type Task,
  type VrSession,
} from '../vr';
import { asActivity, describeVrError } from './failures';
import { summarizePairing } from './lookup-activities';
import type { SessionManager } from './session-manager';
import type { PairingSummary, SessionRef } from './types';

export interface PairingListEntry extends PairingSummary {
  remoteVcenterStatus?: string;
  remoteVrmsStatus?: string;
  remoteVrmsVersion?: string;
  /** Descriptions of the pairing's issues (e.g. the remote VRMS is not reachable). */
  issues: string[];
}

export interface ListPairingsResult {
  pairings: PairingListEntry[];
}

/** Where the remote Platform Services Controller (vCenter SSO) is; no credentials. */
export interface RemotePscLocation {
  /** Host or URL of the remote PSC / vCenter; default: the remote vCenter name. */
  url?: string;
  /** Default 443 (the document's default). */
  port?: number;
  thumbprint?: string;
}

export type StartPairingOperationInput = SessionRef &
  (
    | {
        operation: 'create';
        /** The remote vCenter's id (PairingSpec.pair_vc_id). */
        remoteVcenterId: string;
        /** The remote vCenter's name: picks the remoteCredentials entry; default the id. */
        remoteVcenter?: string;
        psc?: RemotePscLocation;
      }
    | { operation: 'reconnect'; pairing: PairingSummary; psc?: RemotePscLocation }
    | { operation: 'delete'; pairing: PairingSummary; force: boolean }
  );

export type StartPairingOperationResult =
  | { kind: 'task'; taskId: string; adopted: boolean }
  /** create: a pairing with that vCenter exists already; delete: the pairing is gone already. */
  | { kind: 'already-in-state'; reason: string; pairingId?: string }
  /** The check before the call, or VR, refused the operation; nothing changed. */
  | { kind: 'refused'; reason: string };

const TASK_WORDS = { create: /pair(?!.*break)/i, reconnect: /reconnect/i, delete: /break|delete|unpair/i };

async function runningTask(
  session: VrSession,
  entity: string,
  operation: keyof typeof TASK_WORDS,
): Promise<string | undefined> {
  for await (const task of session.listTasks({ filterProperty: 'entity', filter: [entity] })) {
    const text = `${task.description_id ?? ''} ${task.description ?? ''}`;
    const running = task.status === 'QUEUED' || task.status === 'RUNNING';
    const otherKind = operation === 'create' && /reconnect|break/i.test(text);
    if (running && task.entity === entity && TASK_WORDS[operation].test(text) && !otherKind) return task.id;
  }
  return undefined;
}

function pairingSpec(
  sessions: SessionManager,
  site: string,
  remote: { id: string; name?: string },
  psc: RemotePscLocation | undefined,
): PairingSpec {
  const credentials = sessions.remoteCredentials(site, {
    pairingId: '(new pairing)',
    localVcenterId: '',
    remoteVcenterId: remote.id,
    remoteVcenterName: remote.name,
    robo: false,
  });
  return {
    pair_vc_id: remote.id,
    pair_psc_info: {
      url: psc?.url ?? remote.name ?? remote.id,
      port: psc?.port ?? 443,
      thumbprint: psc?.thumbprint ?? null,
      username: credentials.username,
      password: credentials.password,
    },
  };
}

/** VR's 400 (e.g. PAIRING_HAS_REPLICATIONS) becomes a refusal; other errors go to the retry policy. */
async function started(call: () => Promise<Task>): Promise<StartPairingOperationResult> {
  try {
    return { kind: 'task', taskId: (await call()).id, adopted: false };
  } catch (error) {
    if (error instanceof VrBadRequestError)
      return { kind: 'refused', reason: `VR refused: ${describeVrError(error)}` };
    throw error;
  }
}

async function replicationNames(session: VrSession, pairingId: string): Promise<string[]> {
  const list = await collect(session.listReplications(pairingId, { maxItems: 6 }));
  return list.map((replication) => replication.name ?? replication.id);
}

export function createPairingActivities(sessions: SessionManager) {
  return {
    async listSitePairings(input: SessionRef): Promise<ListPairingsResult> {
      return asActivity(`list the pairings of site ${input.site}`, () =>
        sessions.withSession(input, async (session) => {
          const pairings: PairingListEntry[] = [];
          for (const pairing of await collect(session.listPairings())) {
            const issues = await collect(session.listPairingIssues(pairing.pairing_id));
            pairings.push({
              ...summarizePairing(pairing),
              remoteVcenterStatus: pairing.remote_vc_server.server_status ?? undefined,
              remoteVrmsStatus: pairing.remote_vrms?.server_status ?? undefined,
              remoteVrmsVersion: pairing.remote_vrms?.version ?? undefined,
              issues: issues.map((issue) => issue.description ?? issue.status ?? 'issue without description'),
            });
          }
          return { pairings };
        }),
      );
    },

    async startPairingOperation(input: StartPairingOperationInput): Promise<StartPairingOperationResult> {
      const what =
        input.operation === 'create'
          ? `pair with vCenter ${input.remoteVcenter ?? input.remoteVcenterId}`
          : `${input.operation} pairing ${input.pairing.pairingId}`;
      return asActivity(what, () => {
        if (input.operation === 'create') {
          return sessions.withSession(input, async (session) => {
            const existing = (await collect(session.listPairings())).find(
              (pairing) => pairing.remote_vc_server.id === input.remoteVcenterId,
            );
            if (existing) {
              return {
                kind: 'already-in-state',
                reason: `pairing ${existing.pairing_id} with this vCenter exists`,
                pairingId: existing.pairing_id,
              };
            }
            const adopted = await runningTask(session, input.remoteVcenterId, 'create');
            if (adopted) return { kind: 'task', taskId: adopted, adopted: true };
            const remote = { id: input.remoteVcenterId, name: input.remoteVcenter };
            return started(() => session.createPairing(pairingSpec(sessions, input.site, remote, input.psc)));
          });
        }
        const { pairing } = input;
        if (input.operation === 'reconnect') {
          return sessions.withSession(input, async (session) => {
            const adopted = await runningTask(session, pairing.pairingId, 'reconnect');
            if (adopted) return { kind: 'task', taskId: adopted, adopted: true };
            const remote = { id: pairing.remoteVcenterId, name: pairing.remoteVcenterName };
            return started(() =>
              session.reconnectPairing(
                pairing.pairingId,
                pairingSpec(sessions, input.site, remote, input.psc),
              ),
            );
          });
        }
        return deletePairing(sessions, input);
      });
    },
  };
}

/**
 * A pairing with replications is not deleted unless `force`: VR would orphan them. A forced delete is the
 * document's single-sided break for a remote site that is gone, so it needs no remote login.
 */
async function deletePairing(
  sessions: SessionManager,
  input: SessionRef & { pairing: PairingSummary; force: boolean },
): Promise<StartPairingOperationResult> {
  const { pairing, force } = input;
  const body = async (session: VrSession): Promise<StartPairingOperationResult> => {
    try {
      await session.getPairing(pairing.pairingId);
    } catch (error) {
      if (error instanceof VrNotFoundError)
        return { kind: 'already-in-state', reason: `pairing ${pairing.pairingId} does not exist (any more)` };
      throw error;
    }
    const adopted = await runningTask(session, pairing.pairingId, 'delete');
    if (adopted) return { kind: 'task', taskId: adopted, adopted: true };
    if (!force) {
      const names = await replicationNames(session, pairing.pairingId);
      if (names.length > 0) {
        const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', ...' : '');
        return {
          kind: 'refused',
          reason:
            `pairing ${pairing.pairingId} still has replications (${shown}); unconfigure them first, ` +
            'or delete with force (a single-sided break that leaves them behind)',
        };
      }
    }
    return started(() => session.deletePairing(pairing.pairingId, { force }));
  };
  return force || pairing.robo
    ? sessions.withSession(input, body)
    : sessions.withSession(input, body, pairing);
}
