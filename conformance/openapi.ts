/**
 * Validates VR gateway responses and client request bodies against the official OpenAPI document
 * (`vsphere-replication-api-v2.json`), compiled with ajv. Every check returns a list of human-readable issues;
 * an empty list means the exchange conforms. See schema-convert.ts for where we are stricter than the document.
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { convertComponentSchemas, convertInlineSchema } from './schema-convert';
import { PathMatcher, splitApiPath } from './path-matcher';
import { HTTP_METHODS, loadOpenApiDocument, resolveSpecPath } from './spec-document';
import type { HttpMethod, JsonSchemaObject, OpenApiDocument, OpenApiOperation } from './spec-document';

export type ApiVersionName = 'v1' | 'v2';

/**
 * Statuses the real gateway sends although the document does not list them: 429 from its rate limiter and 503
 * while a service is down. Their bodies are validated against ResponseError.
 */
export const GATEWAY_STATUSES_NOT_IN_DOCUMENT: Readonly<Record<string, readonly number[]>> = {
  // Keys are `METHOD /template`, or `*` for every operation.
  '*': [429, 503],
};

const isGatewayStatus = (method: string, pathTemplate: string, status: number): boolean =>
  [
    GATEWAY_STATUSES_NOT_IN_DOCUMENT['*'],
    GATEWAY_STATUSES_NOT_IN_DOCUMENT[`${method.toUpperCase()} ${pathTemplate}`],
  ].some((statuses) => statuses?.includes(status) === true);

export interface OpenApiValidatorOptions {
  /** Path of the document. Default: env `VR_OPENAPI_SPEC`, else `<repoRoot>/../shared/reference/...`. */
  specPath?: string;
  /** Accept properties the document does not declare. Default false: an undeclared property is an issue. */
  allowUnknownProperties?: boolean;
}

export interface OperationMatch {
  method: string;
  /** The document's path template, without the `/api/rest/vr/vN` base. */
  pathTemplate: string;
  operation: OpenApiOperation;
  operationId?: string;
  /** Version taken from the base path, when the path carried one. */
  apiVersion?: ApiVersionName;
  parameters: Record<string, string>;
}

export interface OperationReference {
  method: string;
  pathTemplate: string;
  operationId?: string;
}

export interface ValidateResponseOptions {
  /** Which base path the response came from; v1 also accepts string times. Default 'v2'. */
  apiVersion?: ApiVersionName;
}

const RESPONSE_ERROR_REFERENCE = '#/components/schemas/ResponseError';
const SECRET_FIELD = /password|session|secret|token|authorization/i;

export class OpenApiValidator {
  readonly specPath: string;
  readonly document: OpenApiDocument;
  private readonly ajv: Ajv;
  private readonly matcher: PathMatcher;
  private readonly componentsByVersion: Record<ApiVersionName, Record<string, JsonSchemaObject>>;
  private readonly closeObjects: boolean;
  private readonly validators = new Map<string, ValidateFunction>();

  /** Loads and compiles the document; throws a clear error when it is missing or not OpenAPI 3.0. */
  constructor(options: OpenApiValidatorOptions = {}) {
    this.specPath = options.specPath ?? resolveSpecPath();
    this.document = loadOpenApiDocument(this.specPath);
    this.closeObjects = options.allowUnknownProperties !== true;
    this.ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateFormats: true });
    addFormats(this.ajv);
    const documentSchemas = this.document.components.schemas;
    this.componentsByVersion = { v1: {}, v2: {} };
    for (const version of ['v1', 'v2'] as const) {
      const documentId = documentIdFor(version);
      const components = convertComponentSchemas(documentSchemas, {
        documentId,
        closeObjects: this.closeObjects,
        v1StringTimes: version === 'v1',
      });
      this.componentsByVersion[version] = components;
      this.ajv.addSchema({ $id: documentId, components: { schemas: components } });
    }
    this.matcher = new PathMatcher(Object.keys(this.document.paths));
  }

  /** Every operation of the document, in document order. */
  listOperations(): OperationReference[] {
    return Object.entries(this.document.paths).flatMap(([pathTemplate, item]) =>
      HTTP_METHODS.flatMap((method) => {
        const operation = item[method];
        return operation
          ? [{ method: method.toUpperCase(), pathTemplate, operationId: operation.operationId }]
          : [];
      }),
    );
  }

  /** The operation for a concrete path (with or without base and query); the path decides first, then the method. */
  matchOperation(method: string, path: string): OperationMatch | undefined {
    const { apiVersion, relativePath } = splitApiPath(path);
    const match = this.matcher.match(relativePath);
    if (!match) return undefined;
    const operation = this.findOperation(method, match.pathTemplate);
    if (!operation) return undefined;
    return {
      method: method.toUpperCase(),
      pathTemplate: match.pathTemplate,
      operation,
      ...(operation.operationId ? { operationId: operation.operationId } : {}),
      ...(apiVersion ? { apiVersion } : {}),
      parameters: match.parameters,
    };
  }

  /** The operation object for a method and a document path template, or undefined. */
  findOperation(method: string, pathTemplate: string): OpenApiOperation | undefined {
    const lower = method.toLowerCase();
    if (!(HTTP_METHODS as readonly string[]).includes(lower)) return undefined;
    return this.document.paths[pathTemplate]?.[lower as HttpMethod];
  }

  /**
   * Issues with a response: undeclared status (except {@link GATEWAY_STATUSES_NOT_IN_DOCUMENT}), a body where none
   * may be (204) or a missing one, and schema violations. `body` is the parsed JSON, or undefined when empty.
   */
  validateResponse(
    method: string,
    pathTemplate: string,
    status: number,
    body: unknown,
    options: ValidateResponseOptions = {},
  ): string[] {
    const version = options.apiVersion ?? 'v2';
    const label = `${method.toUpperCase()} ${pathTemplate} ${status} response (${version})`;
    const operation = this.findOperation(method, pathTemplate);
    if (!operation) return [`${label}: no such operation in the document`];
    const hasBody = body !== undefined && body !== '';
    if (status === 204 && hasBody) return [`${label}: 204 No Content must have no body`];

    const declared = operation.responses[String(status)] ?? operation.responses.default;
    let schema: JsonSchemaObject | undefined;
    if (declared) {
      schema = jsonSchemaOf(declared.content);
      if (!schema) {
        if (!hasBody) return [];
        // Errors such as 401/404 are declared without content, yet VR sends its error body with them.
        if (status >= 400) schema = { $ref: RESPONSE_ERROR_REFERENCE };
        else return [`${label}: the document declares no body for this status, got one`];
      }
    } else if (isGatewayStatus(method, pathTemplate, status)) {
      if (!hasBody) return [];
      schema = { $ref: RESPONSE_ERROR_REFERENCE };
    } else {
      const listed = Object.keys(operation.responses).join(', ');
      return [`${label}: status ${status} is not declared by the document (declared: ${listed})`];
    }
    if (!hasBody) return [`${label}: missing JSON body`];
    const key = `response ${version} ${method.toUpperCase()} ${pathTemplate} ${status}`;
    return this.run(key, schema, version, body, label);
  }

  /** Issues with a request body: missing when required, present when the operation takes none, schema violations. */
  validateRequestBody(method: string, pathTemplate: string, body: unknown): string[] {
    const label = `${method.toUpperCase()} ${pathTemplate} request body`;
    const operation = this.findOperation(method, pathTemplate);
    if (!operation) return [`${label}: no such operation in the document`];
    const hasBody = body !== undefined && body !== '';
    const schema = jsonSchemaOf(operation.requestBody?.content);
    if (!schema) return hasBody ? [`${label}: the operation takes no request body, got one`] : [];
    if (!hasBody) return operation.requestBody?.required ? [`${label}: required but missing`] : [];
    return this.run(`request ${method.toUpperCase()} ${pathTemplate}`, schema, 'v2', body, label);
  }

  /**
   * Issues with a query string: parameters the operation does not declare, a non-array parameter given twice,
   * required ones missing, and values that break a boolean / integer / enum / uuid schema.
   */
  validateQuery(method: string, pathTemplate: string, query: URLSearchParams | string): string[] {
    const label = `${method.toUpperCase()} ${pathTemplate} query`;
    const operation = this.findOperation(method, pathTemplate);
    if (!operation) return [`${label}: no such operation in the document`];
    // A string is a path with an optional query, or a bare `?a=b` query.
    const params =
      typeof query === 'string' ? new URLSearchParams(query.split('?').slice(1).join('?')) : query;
    const declared = new Map(
      (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => [parameter.name, parameter]),
    );
    const issues: string[] = [];
    for (const name of new Set(params.keys())) {
      const parameter = declared.get(name);
      if (!parameter) {
        issues.push(`${label}: parameter '${name}' is not declared by the document`);
        continue;
      }
      const values = params.getAll(name);
      const schema = parameter.schema ?? {};
      if (schema.type !== 'array' && values.length > 1)
        issues.push(`${label}: parameter '${name}' given ${values.length} times`);
      const itemSchema = schema.type === 'array' && isSchemaObject(schema.items) ? schema.items : schema;
      for (const value of values) {
        const problem = queryValueProblem(value, itemSchema);
        if (problem) issues.push(`${label}: parameter '${name}' ${problem}`);
      }
    }
    for (const [name, parameter] of declared) {
      if (parameter.required && !params.has(name))
        issues.push(`${label}: required parameter '${name}' is missing`);
    }
    return issues;
  }

  private run(
    key: string,
    schema: JsonSchemaObject,
    version: ApiVersionName,
    body: unknown,
    label: string,
  ): string[] {
    let validate = this.validators.get(key);
    if (!validate) {
      const documentId = documentIdFor(version);
      const converted = convertInlineSchema(schema, this.componentsByVersion[version], {
        documentId,
        closeObjects: this.closeObjects,
        v1StringTimes: version === 'v1',
      });
      validate = this.ajv.compile(converted);
      this.validators.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((error) => `${label}: ${describeError(error)}`);
  }
}

/** Loads the document once per spec path and option set. */
export function loadOpenApiValidator(options: OpenApiValidatorOptions = {}): OpenApiValidator {
  const specPath = options.specPath ?? resolveSpecPath();
  const key = `${specPath}|${options.allowUnknownProperties === true}`;
  let validator = validatorCache.get(key);
  if (!validator) {
    validator = new OpenApiValidator({ ...options, specPath });
    validatorCache.set(key, validator);
  }
  return validator;
}

const validatorCache = new Map<string, OpenApiValidator>();

function documentIdFor(version: ApiVersionName): string {
  return `vr-openapi-${version}.json`;
}

function jsonSchemaOf(
  content: Record<string, { schema?: JsonSchemaObject }> | undefined,
): JsonSchemaObject | undefined {
  if (!content) return undefined;
  return (content['application/json'] ?? Object.values(content)[0])?.schema;
}

const isSchemaObject = (value: unknown): value is JsonSchemaObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const UUID_PATTERN = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

/** Query values are strings on the wire; check them against the declared scalar schema. */
function queryValueProblem(value: string, schema: JsonSchemaObject): string | undefined {
  if (schema.type === 'boolean' && value !== 'true' && value !== 'false')
    return `must be true or false, got '${value}'`;
  if (schema.type === 'integer' && !/^-?\d+$/.test(value)) return `must be an integer, got '${value}'`;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    return `must be one of ${schema.enum.join('|')}`;
  if (schema.format === 'uuid' && !UUID_PATTERN.test(value)) return `must be a uuid, got '${value}'`;
  return undefined;
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath || '(body)';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where}: property '${String(params.additionalProperty)}' is not in the document`;
    case 'required':
      return `${where}: required property '${String(params.missingProperty)}' is missing`;
    case 'enum':
      return `${where}: ${showValue(error)} is not one of ${(params.allowedValues as unknown[]).map(String).join('|')}`;
    default:
      return `${where}: ${error.message ?? error.keyword} (got ${showValue(error)})`;
  }
}

/** The offending value, shortened, and never shown for fields that may carry secrets. */
function showValue(error: ErrorObject): string {
  if (SECRET_FIELD.test(error.instancePath)) return '<redacted>';
  const text = JSON.stringify(error.data) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** {@link OpenApiValidator.matchOperation} on the default document (see {@link loadOpenApiValidator}). */
export const matchOperation = (method: string, path: string): OperationMatch | undefined =>
  loadOpenApiValidator().matchOperation(method, path);

/** {@link OpenApiValidator.validateResponse} on the default document. */
export const validateResponse = (
  method: string,
  pathTemplate: string,
  status: number,
  body: unknown,
  options?: ValidateResponseOptions,
): string[] => loadOpenApiValidator().validateResponse(method, pathTemplate, status, body, options);

/** {@link OpenApiValidator.validateRequestBody} on the default document. */
export const validateRequestBody = (method: string, pathTemplate: string, body: unknown): string[] =>
  loadOpenApiValidator().validateRequestBody(method, pathTemplate, body);
