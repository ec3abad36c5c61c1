/**
 * Paging through VR list endpoints (`{ list, _meta: { total, offset, limit } }`) with `limit` / `offset`.
 * Defensive against servers that ignore `offset` or report no total: it never loops forever and never yields
 * the same page twice.
 */
import type { ListPage } from './schemas';
import type { VrLogger } from './logger';

/** Query options of every list call. */
export interface ListQuery {
  /** Field to filter on (`filter_property`), e.g. `name`. Nested fields allowed. */
  filterProperty?: string;
  /** Repeated `filter` values; the server matches "contains", OR across values. */
  filter?: string[];
  /** `sort_by` field. */
  sortBy?: string;
  /** `order_by`; default (server) ascending. */
  orderBy?: 'asc' | 'desc';
  /** `limit` per page; default: the server's page size (100). */
  pageSize?: number;
  /** Start offset; default 0. */
  offset?: number;
  /** Stop after this many items; default all. */
  maxItems?: number;
}

/** `filter_property`, repeated `filter`, `sort_by`, `order_by` as URL parameters (paging is added per page). */
export function listQueryParams(query: ListQuery | undefined): URLSearchParams {
  const params = new URLSearchParams();
  if (!query) return params;
  if (query.filterProperty !== undefined) params.set('filter_property', query.filterProperty);
  for (const value of query.filter ?? []) params.append('filter', value);
  if (query.sortBy !== undefined) params.set('sort_by', query.sortBy);
  if (query.orderBy !== undefined) params.set('order_by', query.orderBy);
  return params;
}

/** Most repeated `filter` values in one list request. */
export const FILTER_VALUES_PER_REQUEST = 100;
/** Most characters of `filter` values (URL-encoded) in one list request: URLs stay well under 8 kB header limits. */
export const FILTER_CHARS_PER_REQUEST = 3_000;

/**
 * Cuts filter values into groups that each fit one list request: at most FILTER_VALUES_PER_REQUEST values and
 * FILTER_CHARS_PER_REQUEST URL-encoded characters (a single longer value still gets a request of its own).
 */
export function chunkFilterValues(
  values: readonly string[],
  maxValues = FILTER_VALUES_PER_REQUEST,
  maxChars = FILTER_CHARS_PER_REQUEST,
): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const value of values) {
    const size = encodeURIComponent(value).length + '&filter='.length;
    if (current.length > 0 && (current.length >= maxValues || chars + size > maxChars)) {
      chunks.push(current);
      current = [];
      chars = 0;
    }
    current.push(value);
    chars += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const checkCount = (name: string, value: number | undefined, minimum: number): void => {
  if (value !== undefined && (!Number.isInteger(value) || value < minimum)) {
    throw new RangeError(`ListQuery.${name} must be an integer >= ${minimum}, got ${value}`);
  }
};

/**
 * Yields every item of a list endpoint, page after page. `fetchPage` gets the `limit`/`offset` parameters to add.
 * Stops when offset >= _meta.total, a page is empty, a short page arrives (when the page size is known), the
 * server answers a different offset than asked, or a page repeats the previous one.
 */
export async function* pageThrough<T>(
  fetchPage: (paging: URLSearchParams) => Promise<ListPage<T>>,
  query: ListQuery | undefined,
  logger: VrLogger,
  endpoint: string,
): AsyncGenerator<T, void, undefined> {
  checkCount('pageSize', query?.pageSize, 1);
  checkCount('offset', query?.offset, 0);
  checkCount('maxItems', query?.maxItems, 0);
  let offset = query?.offset ?? 0;
  let pageSize = query?.pageSize;
  let remaining = query?.maxItems ?? Infinity;
  let previousPage: string | undefined;
  while (remaining > 0) {
    const paging = new URLSearchParams();
    const limit =
      pageSize === undefined
        ? Number.isFinite(remaining)
          ? remaining
          : undefined
        : Math.min(pageSize, remaining);
    if (limit !== undefined) paging.set('limit', String(limit));
    if (limit !== undefined || offset > 0) paging.set('offset', String(offset));
    const page = await fetchPage(paging);
    const items = page.list;
    if (items.length === 0) return;
    const meta = page._meta;
    if (meta?.offset !== undefined && meta.offset !== null && meta.offset !== offset) {
      logger.warn('vr paging: server answered another offset than requested; stopping', {
        endpoint,
        requestedOffset: offset,
        answeredOffset: meta.offset,
      });
      return;
    }
    const fingerprint = JSON.stringify(items);
    if (fingerprint === previousPage) {
      logger.warn('vr paging: server repeated the previous page (ignores offset?); stopping', {
        endpoint,
        offset,
      });
      return;
    }
    previousPage = fingerprint;
    for (const item of items) {
      yield item;
      remaining -= 1;
      if (remaining <= 0) return;
    }
    offset += items.length;
    // Without an explicit page size, follow the server's: pages after the first ask for the same size.
    pageSize ??= meta?.limit ?? undefined;
    const total = meta?.total;
    if (total !== undefined && total !== null) {
      if (offset >= total) return;
    } else if (
      limit !== undefined ? items.length < limit : pageSize !== undefined && items.length < pageSize
    ) {
      return; // a short page is the last one when the server gives no total
    }
  }
}

/** Gathers an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
