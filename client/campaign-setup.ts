/**
 * Registers the plugin's search attributes on a namespace of a real cluster (`npm run cli -- setup`). Idempotent:
 * attributes that exist with the right type are left alone; one that exists with another type is an error.
 */
import type { ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const { IndexedValueType } = temporal.api.enums.v1;
const TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

export interface SetupResult {
  added: string[];
  present: string[];
}

export async function registerSearchAttributes(
  connection: Pick<ConnectionLike, 'operatorService'>,
  namespace: string,
): Promise<SetupResult> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known: Record<string, temporal.api.enums.v1.IndexedValueType> = {
    ...(existing.systemAttributes ?? {}),
    ...(existing.customAttributes ?? {}),
  };
  const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  const present: string[] = [];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    const wanted = TYPES[type]!;
    const have = known[name];
    if (have === undefined) missing[name] = wanted;
    else if (have !== wanted) {
      throw new Error(
        `search attribute ${name} exists on namespace ${namespace} with type ${IndexedValueType[have]}, ` +
          `but the plugin needs ${IndexedValueType[wanted]}; rename or remove it first`,
      );
    } else present.push(name);
  }
  if (Object.keys(missing).length > 0)
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  return { added: Object.keys(missing), present };
}
