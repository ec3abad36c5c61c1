/**
 * Exact-name lookups on top of VR's "contains" filter: `filter=web-1` also returns `web-10` and `old-web-1`, so
 * the server narrows the list and we re-match names exactly (case-sensitive). No match and several matches are
 * distinct outcomes; nothing is ever guessed.
 */
import { chunkFilterValues, collect } from './paging';
import type { Datastore, ReplicationServerInfo, StoragePolicy, VirtualMachine } from './schemas';
import type { VrSession } from './session';

export type ExactMatch<T> =
  | { kind: 'found'; item: T }
  | { kind: 'not-found'; name: string }
  | { kind: 'ambiguous'; name: string; matches: T[] };

/**
 * Page size of name lookups. "Contains" brings more VMs than names (`app-1` also matches `app-10`...`app-199`), so a
 * request for 100 names asks for big pages; a server with a lower cap pages, nothing is lost.
 */
export const NAME_LOOKUP_PAGE_SIZE = 1000;

/** The exact-match outcome for one name among candidates (duplicates by `idOf` count once). */
export function matchExactly<T>(
  candidates: Iterable<T>,
  name: string,
  nameOf: (item: T) => string | null | undefined,
  idOf: (item: T) => string,
): ExactMatch<T> {
  const matches = new Map<string, T>();
  for (const candidate of candidates) {
    if (nameOf(candidate) === name && !matches.has(idOf(candidate))) matches.set(idOf(candidate), candidate);
  }
  const [first, ...others] = matches.values();
  if (first === undefined) return { kind: 'not-found', name };
  if (others.length === 0) return { kind: 'found', item: first };
  return { kind: 'ambiguous', name, matches: [first, ...others] };
}

/**
 * Looks up VMs by exact name: lists with filter_property=name and the names as repeated filter values
 * (up to 100 per request, see chunkFilterValues), then re-matches exactly. One entry per distinct requested name.
 */
export async function findVmsByExactName(
  session: VrSession,
  pairingId: string,
  vcenterId: string,
  names: string[],
  options?: { suitableForReplication?: boolean },
): Promise<Map<string, ExactMatch<VirtualMachine>>> {
  const wanted = [...new Set(names)];
  // An empty filter value would match every VM ("contains ''"): never send it.
  const searchable = wanted.filter((name) => name.length > 0);
  const candidates: VirtualMachine[] = [];
  for (const chunk of chunkFilterValues(searchable)) {
    const query = { filterProperty: 'name', filter: chunk, pageSize: NAME_LOOKUP_PAGE_SIZE, ...options };
    candidates.push(...(await collect(session.listVms(pairingId, vcenterId, query))));
  }
  const byName = new Map<string, VirtualMachine[]>();
  for (const vm of candidates) byName.set(vm.name, [...(byName.get(vm.name) ?? []), vm]);
  return new Map(
    wanted.map((name) => [
      name,
      matchExactly(
        byName.get(name) ?? [],
        name,
        (vm) => vm.name,
        (vm) => vm.id,
      ),
    ]),
  );
}

const findOne = async <T>(
  name: string,
  list: (filterProperty: string, filter: string[]) => AsyncIterable<T>,
  filterProperty: string,
  nameOf: (item: T) => string | null | undefined,
  idOf: (item: T) => string,
): Promise<ExactMatch<T>> => {
  if (name.length === 0) return { kind: 'not-found', name };
  return matchExactly(await collect(list(filterProperty, [name])), name, nameOf, idOf);
};

/** Exact-name lookup of a datastore (filter_property=name). */
export function findDatastoreByExactName(
  session: VrSession,
  pairingId: string,
  vcenterId: string,
  name: string,
): Promise<ExactMatch<Datastore>> {
  return findOne(
    name,
    (filterProperty, filter) => session.listDatastores(pairingId, vcenterId, { filterProperty, filter }),
    'name',
    (datastore) => datastore.name,
    (datastore) => datastore.id,
  );
}

/** Exact-name lookup of a storage policy (filter_property=storage_policy_name). */
export function findStoragePolicyByExactName(
  session: VrSession,
  pairingId: string,
  vcenterId: string,
  name: string,
): Promise<ExactMatch<StoragePolicy>> {
  return findOne(
    name,
    (filterProperty, filter) => session.listStoragePolicies(pairingId, vcenterId, { filterProperty, filter }),
    'storage_policy_name',
    (policy) => policy.storage_policy_name,
    (policy) => policy.storage_policy_id,
  );
}

/** Exact-name lookup of a replication server of a VRMS (filter_property=name). */
export function findReplicationServerByExactName(
  session: VrSession,
  pairingId: string,
  vrmsId: string,
  name: string,
): Promise<ExactMatch<ReplicationServerInfo>> {
  return findOne(
    name,
    (filterProperty, filter) => session.listReplicationServers(pairingId, vrmsId, { filterProperty, filter }),
    'name',
    (server) => server.name,
    (server) => server.id,
  );
}
