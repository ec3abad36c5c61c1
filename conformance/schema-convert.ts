/**
 * Turns OpenAPI 3.0 schemas into JSON Schema that ajv (draft-07) understands, with the few deliberate adjustments
 * the conformance check needs. Each adjustment is listed here so that a reader knows where we are stricter or
 * looser than the document:
 * - `nullable: true` becomes a type union with `null` (and `null` joins an `enum`).
 * - `$ref: '#/components/schemas/X'` becomes absolute (`<documentId>#/components/schemas/X`) so operation schemas
 *   compiled on their own still resolve into the document.
 * - `allOf` (used by every `*DrResponseEntity`: `{ allOf: [Entity], properties: { _meta } }`) is flattened into
 *   one object so that closing objects does not reject `_meta` or the entity's own fields.
 * - Objects that declare `properties` are closed (`additionalProperties: false`) unless unknown properties are
 *   allowed: the document is the contract for field names, so an invented or misspelled field is an issue.
 * - List envelopes (`*DrResponseList`) require `list`: the document leaves it optional, yet every list endpoint
 *   returns it and a list without it is useless to a client.
 * - v1 only: the time fields VR 8.6 sends as strings (see {@link V1_STRING_TIME_FIELDS}) also accept a string.
 */
import type { JsonSchemaObject } from './spec-document';

/** Time fields that v1 (VR 8.6) sends as strings instead of epoch-millisecond integers. */
export const V1_STRING_TIME_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Task: ['queued_time', 'start_time', 'complete_time'],
  ReplicationInfo: ['last_sync_time'],
  IssueInfo: ['timestamp'],
};

export interface ConvertOptions {
  /** The `$id` the converted document is registered under; refs are rewritten to it. */
  documentId: string;
  /** Close objects with `additionalProperties: false`. */
  closeObjects: boolean;
  /** Accept strings in {@link V1_STRING_TIME_FIELDS} (v1 responses). */
  v1StringTimes: boolean;
}

const COMPONENT_REF_PREFIX = '#/components/schemas/';

const isObject = (value: unknown): value is JsonSchemaObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Converts every component schema; the result goes under `components.schemas` of the registered document. */
export function convertComponentSchemas(
  schemas: Record<string, JsonSchemaObject>,
  options: ConvertOptions,
): Record<string, JsonSchemaObject> {
  // Pass 1: nullable and refs, per component; v1 time fields before flattening so entities inherit them.
  const converted: Record<string, JsonSchemaObject> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    let result = convertNode(schema, options.documentId);
    const timeFields = options.v1StringTimes ? V1_STRING_TIME_FIELDS[name] : undefined;
    if (timeFields) result = acceptStringTimes(result, timeFields);
    if (name.endsWith('DrResponseList')) result = requireProperty(result, 'list');
    converted[name] = result;
  }
  // Pass 2: flatten allOf against the converted components, then close objects.
  const finished: Record<string, JsonSchemaObject> = {};
  for (const [name, schema] of Object.entries(converted)) {
    const flattened = flattenAllOf(schema, converted, options.documentId);
    finished[name] = options.closeObjects ? closeObjects(flattened) : flattened;
  }
  return finished;
}

/** Converts one inline schema (an operation's request or response schema) the same way. */
export function convertInlineSchema(
  schema: JsonSchemaObject,
  components: Record<string, JsonSchemaObject>,
  options: ConvertOptions,
): JsonSchemaObject {
  const flattened = flattenAllOf(convertNode(schema, options.documentId), components, options.documentId);
  return options.closeObjects ? closeObjects(flattened) : flattened;
}

function convertNode(node: JsonSchemaObject, documentId: string): JsonSchemaObject {
  const result: JsonSchemaObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'example') continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith(COMPONENT_REF_PREFIX)) {
      result[key] = `${documentId}${value}`;
    } else if (key === 'properties' && isObject(value)) {
      result[key] = Object.fromEntries(
        Object.entries(value).map(([property, schema]) => [
          property,
          isObject(schema) ? convertNode(schema, documentId) : schema,
        ]),
      );
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isObject(value)) {
      result[key] = convertNode(value, documentId);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      result[key] = value.map((item: unknown) => (isObject(item) ? convertNode(item, documentId) : item));
    } else {
      result[key] = value;
    }
  }
  return node.nullable === true ? makeNullable(result) : result;
}

function makeNullable(schema: JsonSchemaObject): JsonSchemaObject {
  if (typeof schema.type === 'string') {
    const result: JsonSchemaObject = { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) result.enum = [...schema.enum, null];
    return result;
  }
  // No single type (a bare $ref or a composition): null is an alternative to the whole schema.
  return { anyOf: [schema, { type: 'null' }] };
}

function acceptStringTimes(schema: JsonSchemaObject, fields: readonly string[]): JsonSchemaObject {
  const properties = isObject(schema.properties) ? { ...schema.properties } : {};
  for (const field of fields) {
    const property = properties[field];
    if (!isObject(property)) continue;
    const types = Array.isArray(property.type) ? property.type : [property.type];
    properties[field] = { ...property, type: [...types, 'string'] };
  }
  return { ...schema, properties };
}

function requireProperty(schema: JsonSchemaObject, property: string): JsonSchemaObject {
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  return required.includes(property) ? schema : { ...schema, required: [...required, property] };
}

function resolveComponent(
  reference: unknown,
  components: Record<string, JsonSchemaObject>,
  documentId: string,
): JsonSchemaObject | undefined {
  const prefix = `${documentId}${COMPONENT_REF_PREFIX}`;
  if (typeof reference !== 'string' || !reference.startsWith(prefix)) return undefined;
  return components[reference.slice(prefix.length)];
}

/** Merges `allOf` members (component refs or inline objects) with the schema's own properties and required. */
function flattenAllOf(
  schema: JsonSchemaObject,
  components: Record<string, JsonSchemaObject>,
  documentId: string,
): JsonSchemaObject {
  const { allOf, ...rest } = schema;
  if (!Array.isArray(allOf)) return schema;
  const properties: JsonSchemaObject = {};
  const required = new Set<string>();
  for (const member of [...allOf, rest] as unknown[]) {
    if (!isObject(member)) return schema;
    const resolved =
      member.$ref === undefined ? member : resolveComponent(member.$ref, components, documentId);
    if (!resolved) return schema; // not something we know how to merge: leave it to ajv as is
    const flat = flattenAllOf(resolved, components, documentId);
    Object.assign(properties, isObject(flat.properties) ? flat.properties : {});
    for (const name of Array.isArray(flat.required) ? (flat.required as string[]) : []) required.add(name);
  }
  return { ...rest, type: 'object', properties, ...(required.size > 0 ? { required: [...required] } : {}) };
}

/** Adds `additionalProperties: false` to every object schema that declares properties and says nothing else. */
function closeObjects(schema: JsonSchemaObject): JsonSchemaObject {
  const result: JsonSchemaObject = { ...schema };
  if (isObject(result.properties)) {
    result.properties = Object.fromEntries(
      Object.entries(result.properties).map(([name, property]) => [
        name,
        isObject(property) ? closeObjects(property) : property,
      ]),
    );
    if (result.additionalProperties === undefined && result.allOf === undefined) {
      result.additionalProperties = false;
    }
  }
  if (isObject(result.items)) result.items = closeObjects(result.items);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const members = result[key];
    if (Array.isArray(members)) {
      result[key] = members.map((member: unknown) => (isObject(member) ? closeObjects(member) : member));
    }
  }
  return result;
}
