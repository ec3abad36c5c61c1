/**
 * The VR list envelope: filtering ("contains", case-insensitive, OR across repeated `filter` values, nested dotted
 * `filter_property`), sorting (`sort_by` + `order_by`) and paging (`limit`/`offset`, strings in the query).
 */
import type { ListPage, MetadataList } from '../vr/schemas';
import { badRequest, type SimRequest } from './http-types';

/** Values found at a dotted path; arrays along the way are flattened (so `disks.label` matches any disk). */
export function valuesAtPath(item: unknown, path: string): unknown[] {
  let current: unknown[] = [item];
  for (const segment of path.split('.')) {
    const next: unknown[] = [];
    for (const value of current) {
      const candidates = Array.isArray(value) ? value : [value];
      for (const candidate of candidates) {
        if (candidate !== null && typeof candidate === 'object' && segment in candidate) {
          next.push((candidate as Record<string, unknown>)[segment]);
        }
      }
    }
    current = next;
  }
  return current
    .flatMap((value) => (Array.isArray(value) ? value : [value]))
    .filter((value) => value != null);
}

function parseNonNegativeInteger(raw: string | null, name: string, minimum: number): number | undefined {
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw))
    throw badRequest(`Query parameter '${name}' must be an integer, got '${raw}'.`, 'INVALID_PARAMETER');
  const value = Number(raw);
  if (value < minimum || !Number.isSafeInteger(value)) {
    throw badRequest(`Query parameter '${name}' must be at least ${minimum}.`, 'INVALID_PARAMETER');
  }
  return value;
}

const compareValues = (left: unknown, right: unknown): number => {
  if (left === undefined || right === undefined) return left === right ? 0 : left === undefined ? 1 : -1;
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  const a = String(left);
  const b = String(right);
  return a < b ? -1 : a > b ? 1 : 0;
};

/** Applies filter, sort and paging from the request query; throws 400 for malformed parameters. */
export function listResponse<T>(
  request: SimRequest,
  items: readonly T[],
  defaultPageSize: number,
): ListPage<T> {
  const query = request.query;
  const property = query.get('filter_property');
  const filters = query.getAll('filter').filter((value) => value !== '');
  let selected = [...items];
  if (filters.length > 0 && !property) {
    throw badRequest(
      "Query parameter 'filter' must be used together with 'filter_property'.",
      'INVALID_PARAMETER',
    );
  }
  if (property && filters.length > 0) {
    if (items.length > 0 && !items.some((item) => valuesAtPath(item, property).length > 0)) {
      throw badRequest(`Unknown filter property '${property}'.`, 'INVALID_PARAMETER');
    }
    const needles = filters.map((filter) => filter.toLowerCase());
    selected = selected.filter((item) =>
      valuesAtPath(item, property).some((value) => {
        const text = String(value).toLowerCase();
        return needles.some((needle) => text.includes(needle));
      }),
    );
  }
  const sortBy = query.get('sort_by');
  const orderBy = query.get('order_by');
  if (orderBy && !sortBy)
    throw badRequest("Query parameter 'order_by' requires 'sort_by'.", 'INVALID_PARAMETER');
  if (sortBy) {
    const order = (orderBy ?? 'asc').toLowerCase();
    if (!['asc', 'ascending', 'desc', 'descending'].includes(order)) {
      throw badRequest(
        `Query parameter 'order_by' must be asc, ascending, desc or descending.`,
        'INVALID_PARAMETER',
      );
    }
    const direction = order.startsWith('desc') ? -1 : 1;
    selected.sort(
      (left, right) =>
        direction * compareValues(valuesAtPath(left, sortBy)[0], valuesAtPath(right, sortBy)[0]),
    );
  }
  const limit = parseNonNegativeInteger(query.get('limit'), 'limit', 1) ?? defaultPageSize;
  const offset = parseNonNegativeInteger(query.get('offset'), 'offset', 0) ?? 0;
  const total = selected.length;
  const page = selected.slice(offset, offset + limit);
  const link = (newOffset: number) => {
    const url = new URL(request.url.toString());
    url.searchParams.set('limit', String(limit));
    url.searchParams.set('offset', String(newOffset));
    return { href: `${url.pathname}${url.search}` };
  };
  const meta: MetadataList = {
    total,
    offset,
    limit,
    links: {
      self: { href: `${request.url.pathname}${request.url.search}` },
      ...(offset + limit < total ? { next: link(offset + limit) } : {}),
      ...(offset > 0 ? { previous: link(Math.max(0, offset - limit)) } : {}),
    },
  };
  return { list: page, _meta: meta };
}
