/**
 * Session, pairing and inventory activities: login, find pairing, remote login, datastore, storage policy,
 * replication server, VMs. Inventory is looked up once per run and paged, never once per VM where a list call can
 * answer for many VMs (architecture: batching).
 */
import {
  chunkFilterValues,
  collect,
  findDatastoreByExactName,
  findReplicationServerByExactName,
  findStoragePolicyByExactName,
  findVmsByExactName,
  isRoboPairing,
  type ExactMatch,
  type Pairing,
  type VirtualMachine,
  type VmDisk,
  type VrSession,
  NAME_LOOKUP_PAGE_SIZE,
} from '../vr';
import { asActivity, NonRetryableActivityError } from './failures';
import type { SessionManager } from './session-manager';
import type {
  DiskRef,
  FindPairingInput,
  FindReplicationServerInput,
  FindReplicationServerResult,
  FindStoragePolicyInput,
  FindStoragePolicyResult,
  FindTargetDatastoreInput,
  FindTargetDatastoreResult,
  FindVmsInput,
  FindVmsResult,
  LoginInput,
  LoginResult,
  PairingRef,
  PairingSummary,
  RemoteLoginResult,
  VmLookup,
} from './types';

/** Names per list request: VR's filter takes repeated values, and the URL must stay short. */

/** The pairing as activities and workflows use it (ids, names, ROBO). */
export const summarizePairing = (pairing: Pairing): PairingSummary => ({
  pairingId: pairing.pairing_id,
  localVcenterId: pairing.local_vc_server.id,
  localVcenterName: pairing.local_vc_server.name ?? undefined,
  remoteVcenterId: pairing.remote_vc_server.id,
  remoteVcenterName: pairing.remote_vc_server.name ?? undefined,
  remoteVrmsId: pairing.remote_vrms?.id,
  remoteVrmsName: pairing.remote_vrms?.name ?? undefined,
  robo: isRoboPairing(pairing),
});

const hostOf = (url: string | null | undefined): string | undefined => {
  if (!url) return undefined;
  try {
    return new URL(url.includes('://') ? url : `https://${url}`).hostname;
  } catch {
    return undefined;
  }
};

export const toDiskRef = (disk: VmDisk): DiskRef => ({
  vmId: disk.vm_id,
  deviceKey: disk.device_key ?? undefined,
  isVmHome: disk.is_vm_home ?? undefined,
  capacityKb: disk.capacity ?? undefined,
  sourceDiskFormat: disk.source_disk_format ?? undefined,
  label: disk.label ?? undefined,
  controllerKey: disk.controller_key ?? undefined,
  datastoreId: disk.source_path?.datastore_id,
  supportedForReplication: disk.supported_for_replication ?? undefined,
});

function single<T>(match: ExactMatch<T>, what: string, describe: (item: T) => string): T {
  if (match.kind === 'found') return match.item;
  if (match.kind === 'not-found') {
    throw new NonRetryableActivityError(
      `${what} "${match.name}" not found`,
      `${what.replace(/ /g, '')}NotFound`,
    );
  }
  throw new NonRetryableActivityError(
    `${what} name "${match.name}" is ambiguous: ${match.matches.map(describe).join(', ')}`,
    `${what.replace(/ /g, '')}Ambiguous`,
  );
}

export function createLookupActivities(sessions: SessionManager) {
  return {
    async login(input: LoginInput): Promise<LoginResult> {
      return asActivity(`login to site ${input.site}`, async () => {
        await sessions.ensure(input);
        return { sessionHandle: input.sessionHandle, username: sessions.site(input.site).config.username };
      });
    },

    async findPairing(input: FindPairingInput): Promise<PairingSummary> {
      return asActivity(`find pairing on site ${input.site}`, () =>
        sessions.withSession(input, async (session) => {
          if (input.pairingId) return summarizePairing(await session.getPairing(input.pairingId));
          const pairings = await collect(session.listPairings());
          const wanted = input.remoteVcenter ?? input.remoteVrmsHost ?? '';
          const matches = pairings.filter((pairing) =>
            input.remoteVcenter !== undefined
              ? pairing.remote_vc_server.name === wanted || pairing.remote_vc_server.id === wanted
              : hostOf(pairing.remote_vrms?.url) === wanted || pairing.remote_vrms?.name === wanted,
          );
          const known = pairings
            .map(
              (pairing) =>
                `${pairing.pairing_id} (remote vCenter ${pairing.remote_vc_server.name ?? pairing.remote_vc_server.id})`,
            )
            .join(', ');
          if (matches.length === 0) {
            throw new NonRetryableActivityError(
              `no pairing with remote "${wanted}"; pairings: ${known || 'none'}`,
              'PairingNotFound',
            );
          }
          if (matches.length > 1) {
            throw new NonRetryableActivityError(
              `several pairings match "${wanted}"; give pairingId: ${known}`,
              'PairingAmbiguous',
            );
          }
          return summarizePairing(matches[0]!);
        }),
      );
    },

    async remoteLogin(input: PairingRef): Promise<RemoteLoginResult> {
      if (input.pairing.robo)
        return { skipped: true, reason: 'ROBO pairing: local and remote vCenter are the same' };
      return asActivity(
        `remote login to ${input.pairing.remoteVcenterName ?? input.pairing.remoteVcenterId}`,
        async () => {
          await sessions.ensure(input, input.pairing);
          return { skipped: false };
        },
      );
    },

    async findTargetDatastore(input: FindTargetDatastoreInput): Promise<FindTargetDatastoreResult> {
      const { pairing } = input;
      return asActivity(`find target datastore "${input.name}"`, () =>
        sessions.withSession(
          input,
          async (session) => {
            const match = await findDatastoreByExactName(
              session,
              pairing.pairingId,
              pairing.remoteVcenterId,
              input.name,
            );
            const datastore = single(match, 'datastore', (item) => item.id);
            return { datastoreId: datastore.id, name: datastore.name, type: datastore.type ?? undefined };
          },
          pairing,
        ),
      );
    },

    async findStoragePolicy(input: FindStoragePolicyInput): Promise<FindStoragePolicyResult> {
      if (input.name === undefined) return { storagePolicyId: null };
      const { pairing } = input;
      const name = input.name;
      return asActivity(`find storage policy "${name}"`, () =>
        sessions.withSession(
          input,
          async (session) => {
            const match = await findStoragePolicyByExactName(
              session,
              pairing.pairingId,
              pairing.remoteVcenterId,
              name,
            );
            const policy = single(match, 'storage policy', (item) => item.storage_policy_id);
            const [check] = await session.checkStoragePolicyCompliance(
              pairing.pairingId,
              pairing.remoteVcenterId,
              policy.storage_policy_id,
              [input.datastoreId],
            );
            if (!check?.compliant) {
              throw new NonRetryableActivityError(
                `datastore ${input.datastoreId} is not compliant with storage policy "${name}": ` +
                  `${check?.not_compliant_detailed_message ?? 'VR gave no details'}`,
                'StoragePolicyNotCompliant',
              );
            }
            return { storagePolicyId: policy.storage_policy_id, name: policy.storage_policy_name };
          },
          pairing,
        ),
      );
    },

    async findReplicationServer(input: FindReplicationServerInput): Promise<FindReplicationServerResult> {
      if (input.name === undefined) return { replicationServerId: null };
      const { pairing } = input;
      const name = input.name;
      return asActivity(`find replication server "${name}"`, () =>
        sessions.withSession(
          input,
          async (session) => {
            const vrmsId = pairing.remoteVrmsId ?? (await remoteVrmsId(session, pairing));
            const match = await findReplicationServerByExactName(session, pairing.pairingId, vrmsId, name);
            const server = single(match, 'replication server', (item) => item.id);
            return { replicationServerId: server.id, name: server.name ?? undefined };
          },
          pairing,
        ),
      );
    },

    async findVms(input: FindVmsInput): Promise<FindVmsResult> {
      const { pairing } = input;
      return asActivity(
        `find ${input.vms.length} VMs on ${pairing.localVcenterName ?? pairing.localVcenterId}`,
        () => sessions.withSession(input, (session) => findVms(session, input), pairing),
      );
    },
  };
}

async function remoteVrmsId(session: VrSession, pairing: PairingSummary): Promise<string> {
  const all = await collect(session.listVrms(pairing.pairingId));
  const remote =
    all.find((vrms) => vrms.vc_guid === pairing.remoteVcenterId) ?? all.find((vrms) => vrms.id !== undefined);
  if (!remote)
    throw new NonRetryableActivityError(`pairing ${pairing.pairingId} lists no VRMS`, 'VrmsNotFound');
  return remote.id;
}

/**
 * Resolves each requested VM by exact name or id, then asks VR which of them are suitable: the suitable list drops
 * replicated VMs, templates and VMs without privilege; the capability call explains each unsuitable one.
 */
async function findVms(session: VrSession, input: FindVmsInput): Promise<FindVmsResult> {
  const { pairingId, localVcenterId } = input.pairing;
  const names = input.vms.flatMap((vm) => (vm.name !== undefined ? [vm.name] : []));
  const ids = input.vms.flatMap((vm) => (vm.id !== undefined ? [vm.id] : []));
  const byName =
    names.length > 0 ? await findVmsByExactName(session, pairingId, localVcenterId, names) : new Map();
  // VMs asked for by id (discovery campaigns pass ids) are looked up among the suitable ones first: in the usual
  // case one request per 100 VMs answers both "does it exist" and "is it suitable"; only the rest are looked up
  // again. VMs asked for by name: one request per 100 names finds every VM of each name (so a duplicate name is
  // never guessed), then one more per 100 names asks which of them are suitable.
  const suitable = new Set<string>();
  const byId = new Map<string, VirtualMachine>();
  const listByIds = async (wanted: string[], suitableForReplication: boolean) => {
    for (const filter of chunkFilterValues(wanted)) {
      for await (const vm of session.listVms(pairingId, localVcenterId, {
        filterProperty: 'id',
        filter,
        suitableForReplication,
        pageSize: NAME_LOOKUP_PAGE_SIZE,
      })) {
        if (!filter.includes(vm.id)) continue;
        byId.set(vm.id, vm);
        if (suitableForReplication) suitable.add(vm.id);
      }
    }
  };
  await listByIds(ids, true);
  await listByIds(
    ids.filter((id) => !byId.has(id)),
    false,
  );

  const resolved = new Map<string, VirtualMachine>();
  const lookups: Array<VmLookup | VirtualMachine> = input.vms.map((vm) => {
    const requested = vm.name ?? vm.id ?? '';
    if (vm.id !== undefined) {
      const found = byId.get(vm.id);
      if (!found)
        return { requested, kind: 'not-found', reason: `no VM with id ${vm.id} on the protected vCenter` };
      resolved.set(found.id, found);
      return found;
    }
    const match = byName.get(requested) as ExactMatch<VirtualMachine> | undefined;
    if (!match || match.kind === 'not-found') {
      return {
        requested,
        kind: 'not-found',
        reason: `no VM named exactly "${requested}" on the protected vCenter`,
      };
    }
    if (match.kind === 'ambiguous') {
      return {
        requested,
        kind: 'ambiguous-name',
        reason: `${match.matches.length} VMs are named "${requested}" (${match.matches.map((m) => m.id).join(', ')}); request them by id`,
        vmIds: match.matches.map((m) => m.id),
      };
    }
    resolved.set(match.item.id, match.item);
    return match.item;
  });

  // Which of the VMs found by name are suitable: the same names again with suitable_for_replication=true (names are
  // short, ids are long: one request per 100 names, against three per 100 ids).
  const unchecked = [...resolved.values()].filter((vm) => !suitable.has(vm.id) && !byId.has(vm.id));
  for (const filter of chunkFilterValues([...new Set(unchecked.map((vm) => vm.name))])) {
    for await (const vm of session.listVms(pairingId, localVcenterId, {
      filterProperty: 'name',
      filter,
      suitableForReplication: true,
      pageSize: NAME_LOOKUP_PAGE_SIZE,
    })) {
      if (resolved.has(vm.id)) suitable.add(vm.id);
    }
  }

  const results: VmLookup[] = [];
  for (const [index, entry] of lookups.entries()) {
    if ('kind' in entry) {
      results.push(entry);
      continue;
    }
    const requested = input.vms[index]?.name ?? input.vms[index]?.id ?? entry.id;
    if (suitable.has(entry.id)) {
      const disks = entry.disks?.length
        ? entry.disks
        : await collect(session.listVmDisks(pairingId, localVcenterId, entry.id));
      results.push({
        requested,
        kind: 'found',
        vmId: entry.id,
        name: entry.name,
        disks: disks.map(toDiskRef),
      });
      continue;
    }
    results.push(await explainUnsuitable(session, input.pairing, entry, requested));
  }
  return { vms: results };
}

async function explainUnsuitable(
  session: VrSession,
  pairing: PairingSummary,
  vm: VirtualMachine,
  requested: string,
): Promise<VmLookup> {
  const capability = await session.getVmCapability(pairing.pairingId, pairing.localVcenterId, vm.id);
  if (capability.vm_validation_status === 'ALREADY_CONFIGURED') {
    const [replication] = await collect(
      session.listReplications(pairing.pairingId, { filterProperty: 'vm_id', filter: [vm.id], maxItems: 1 }),
    );
    return {
      requested,
      kind: 'already-replicated',
      vmId: vm.id,
      name: vm.name,
      replicationId: replication?.id,
    };
  }
  const reasons = capability.replication_not_supported_reasons?.filter(Boolean) ?? [];
  const reason = [capability.vm_validation_status ?? 'not suitable for replication', ...reasons].join(': ');
  return { requested, kind: 'unsuitable', vmId: vm.id, name: vm.name, reason };
}
