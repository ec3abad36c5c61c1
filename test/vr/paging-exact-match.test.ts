import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  collect,
  findDatastoreByExactName,
  findVmsByExactName,
  matchExactly,
  noopLogger,
  type ListPage,
  type ListQuery,
  type VirtualMachine,
  type VrLogger,
  type VrSession,
} from '../../vr';
import { pageThrough } from '../../vr/paging';

/** A fake server-side list: answers limit/offset like VR does (or with a chosen misbehaviour). */
const fakeList = <T>(
  items: T[],
  behaviour: { ignoreOffset?: boolean; noTotal?: boolean; defaultLimit?: number } = {},
): { fetchPage: (paging: URLSearchParams) => Promise<ListPage<T>>; requests: string[] } => {
  const requests: string[] = [];
  const fetchPage = async (paging: URLSearchParams): Promise<ListPage<T>> => {
    requests.push(paging.toString());
    const limit = Number(paging.get('limit') ?? behaviour.defaultLimit ?? 100);
    const offset = behaviour.ignoreOffset ? 0 : Number(paging.get('offset') ?? 0);
    const list = items.slice(offset, offset + limit);
    return {
      list,
      _meta: behaviour.noTotal
        ? { limit }
        : { total: items.length, offset: behaviour.ignoreOffset ? undefined : offset, limit },
    };
  };
  return { fetchPage, requests };
};

const numbers = (count: number): number[] => Array.from({ length: count }, (_, index) => index);

const warnings = (): VrLogger & { messages: string[] } => {
  const messages: string[] = [];
  return { ...noopLogger, messages, warn: (message: string) => void messages.push(message) };
};

void describe('pageThrough', () => {
  void test('pages with limit/offset until total, advancing by the items received', async () => {
    const { fetchPage, requests } = fakeList(numbers(300));
    const items = await collect(pageThrough(fetchPage, { pageSize: 7 }, noopLogger, 'GET /x'));
    assert.deepEqual(items, numbers(300));
    assert.equal(requests.length, Math.ceil(300 / 7));
    assert.equal(requests[0], 'limit=7&offset=0');
    assert.equal(requests[1], 'limit=7&offset=7');
  });

  void test('without pageSize it follows the server page size', async () => {
    const { fetchPage, requests } = fakeList(numbers(250), { defaultLimit: 100 });
    assert.deepEqual(await collect(pageThrough(fetchPage, undefined, noopLogger, 'GET /x')), numbers(250));
    assert.deepEqual(requests, ['', 'limit=100&offset=100', 'limit=100&offset=200']);
  });

  void test('offset and maxItems', async () => {
    const { fetchPage, requests } = fakeList(numbers(50));
    const items = await collect(
      pageThrough(fetchPage, { offset: 10, maxItems: 12, pageSize: 5 }, noopLogger, 'GET /x'),
    );
    assert.deepEqual(items, numbers(22).slice(10));
    assert.deepEqual(requests, ['limit=5&offset=10', 'limit=5&offset=15', 'limit=2&offset=20']);
  });

  void test('a server that ignores offset: no duplicates, no endless loop', async () => {
    const logger = warnings();
    const { fetchPage, requests } = fakeList(numbers(30), { ignoreOffset: true });
    const items = await collect(pageThrough(fetchPage, { pageSize: 10 }, logger, 'GET /x'));
    assert.deepEqual(items, numbers(10));
    assert.equal(requests.length, 2);
    assert.equal(logger.messages.length, 1);
  });

  void test('no total: stops on a short page', async () => {
    const { fetchPage, requests } = fakeList(numbers(25), { noTotal: true });
    assert.deepEqual(
      await collect(pageThrough(fetchPage, { pageSize: 10 }, noopLogger, 'GET /x')),
      numbers(25),
    );
    assert.equal(requests.length, 3);
  });

  void test('empty list: one request', async () => {
    const { fetchPage, requests } = fakeList<number>([]);
    assert.deepEqual(await collect(pageThrough(fetchPage, { pageSize: 10 }, noopLogger, 'GET /x')), []);
    assert.equal(requests.length, 1);
  });

  void test('rejects nonsense paging values', async () => {
    const { fetchPage } = fakeList(numbers(3));
    await assert.rejects(collect(pageThrough(fetchPage, { pageSize: 0 }, noopLogger, 'GET /x')), RangeError);
    await assert.rejects(collect(pageThrough(fetchPage, { offset: -1 }, noopLogger, 'GET /x')), RangeError);
  });
});

void describe('exact match', () => {
  const vm = (id: string, name: string): VirtualMachine => ({ id, name });

  void test('matchExactly: found, not found, ambiguous, duplicates by id count once', () => {
    const vms = [
      vm('1', 'web-1'),
      vm('2', 'web-10'),
      vm('3', 'old-web-1'),
      vm('4', 'db'),
      vm('5', 'db'),
      vm('1', 'web-1'),
    ];
    const nameOf = (item: VirtualMachine): string => item.name;
    const idOf = (item: VirtualMachine): string => item.id;
    assert.deepEqual(matchExactly(vms, 'web-1', nameOf, idOf), { kind: 'found', item: vm('1', 'web-1') });
    assert.deepEqual(matchExactly(vms, 'web', nameOf, idOf), { kind: 'not-found', name: 'web' });
    assert.deepEqual(matchExactly(vms, 'WEB-1', nameOf, idOf), { kind: 'not-found', name: 'WEB-1' });
    assert.deepEqual(matchExactly(vms, 'db', nameOf, idOf), {
      kind: 'ambiguous',
      name: 'db',
      matches: [vm('4', 'db'), vm('5', 'db')],
    });
  });

  /** A session stub whose listVms applies VR's "contains" filter. */
  const stubSession = (inventory: VirtualMachine[], calls: ListQuery[]): VrSession =>
    ({
      listVms: (_pairing: string, _vcenter: string, query: ListQuery) => {
        calls.push(query);
        const filters = query.filter ?? [];
        const hits = inventory.filter((item) => filters.some((filter) => item.name.includes(filter)));
        return (async function* () {
          yield* hits;
        })();
      },
      listDatastores: (_pairing: string, _vcenter: string, query: ListQuery) => {
        calls.push(query);
        return (async function* () {
          yield* [
            { id: 'ds-1', name: 'gold' },
            { id: 'ds-2', name: 'gold-2' },
          ].filter((item) => item.name.includes(query.filter?.[0] ?? ''));
        })();
      },
    }) as unknown as VrSession;

  void test('findVmsByExactName: web-1 does not pick web-10; up to 100 names and 3,000 URL characters per request; distinct outcomes', async () => {
    const inventory = [
      vm('a', 'web-1'),
      vm('b', 'web-10'),
      vm('c', 'app-7'),
      vm('d', 'app-7'),
      ...numbers(160).map((index) => vm(`v${index}`, `bulk-${index}`)),
    ];
    const calls: ListQuery[] = [];
    const names = ['web-1', 'app-7', 'missing', 'web-1', '', ...numbers(150).map((index) => `bulk-${index}`)];
    // One name so long that it fills a request's URL budget on its own.
    const long = 'x'.repeat(2_990);
    names.push(long);
    const result = await findVmsByExactName(stubSession(inventory, calls), 'p', 'vc', names, {
      suitableForReplication: true,
    });
    assert.deepEqual(result.get('web-1'), { kind: 'found', item: vm('a', 'web-1') });
    assert.equal(result.get('app-7')?.kind, 'ambiguous');
    assert.deepEqual(result.get('missing'), { kind: 'not-found', name: 'missing' });
    assert.deepEqual(result.get(''), { kind: 'not-found', name: '' });
    assert.deepEqual(result.get('bulk-4'), { kind: 'found', item: vm('v4', 'bulk-4') });
    assert.deepEqual(result.get(long), { kind: 'not-found', name: long });
    assert.equal(result.size, 155);
    // 154 searchable names: 100, then 53 short ones, then the long one alone (it would push the URL past 3,000).
    assert.deepEqual(
      calls.map((call) => call.filter?.length),
      [100, 53, 1],
    );
    assert.ok(calls.every((call) => call.filterProperty === 'name'));
    assert.ok(calls.every((call) => !call.filter?.includes('')));
    assert.ok(
      calls.every((call) => (call as { suitableForReplication?: boolean }).suitableForReplication === true),
    );
  });

  void test('findDatastoreByExactName', async () => {
    const calls: ListQuery[] = [];
    const session = stubSession([], calls);
    assert.deepEqual(await findDatastoreByExactName(session, 'p', 'vc', 'gold'), {
      kind: 'found',
      item: { id: 'ds-1', name: 'gold' },
    });
    assert.equal((await findDatastoreByExactName(session, 'p', 'vc', 'old')).kind, 'not-found');
    assert.equal(calls[0]?.filterProperty, 'name');
  });
});
