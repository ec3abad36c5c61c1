/**
 * Locates and loads the official vSphere Replication OpenAPI document. The document is never copied into the repo:
 * it is read from `VR_OPENAPI_SPEC` or from the shared reference folder beside the repo.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Environment variable naming the OpenAPI document; default see {@link defaultSpecPath}. */
export const SPEC_PATH_ENVIRONMENT_VARIABLE = 'VR_OPENAPI_SPEC';

/** The repository root (this file lives in `<root>/conformance/`). */
export const repoRoot = path.resolve(__dirname, '..');

/** Default location: `<repoRoot>/../shared/reference/vsphere-replication-api-v2.json`. */
export const defaultSpecPath = path.resolve(repoRoot, '../shared/reference/vsphere-replication-api-v2.json');

export type JsonSchemaObject = Record<string, unknown>;

export interface OpenApiMediaType {
  schema?: JsonSchemaObject;
}

export interface OpenApiResponse {
  description?: string;
  content?: Record<string, OpenApiMediaType>;
}

export interface OpenApiParameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchemaObject;
}

export interface OpenApiOperation {
  operationId?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, OpenApiMediaType> };
  responses: Record<string, OpenApiResponse>;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;
  components: { schemas: Record<string, JsonSchemaObject> };
}

/** Resolves the document path: env `VR_OPENAPI_SPEC` (relative to the working directory), else the default. */
export function resolveSpecPath(environment: NodeJS.ProcessEnv = process.env): string {
  const fromEnvironment = environment[SPEC_PATH_ENVIRONMENT_VARIABLE];
  return fromEnvironment ? path.resolve(fromEnvironment) : defaultSpecPath;
}

/** Reads and sanity-checks the document; a missing file is an error naming both the variable and the default. */
export function loadOpenApiDocument(specPath: string = resolveSpecPath()): OpenApiDocument {
  if (!existsSync(specPath)) {
    throw new Error(
      `OpenAPI document not found at ${specPath}. Set ${SPEC_PATH_ENVIRONMENT_VARIABLE} to the path of ` +
        `vsphere-replication-api-v2.json, or place it at the default ${defaultSpecPath}.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(specPath, 'utf8'));
  } catch (error) {
    throw new Error(`OpenAPI document ${specPath} is not valid JSON: ${(error as Error).message}`);
  }
  const document = parsed as Partial<OpenApiDocument>;
  if (
    typeof document.openapi !== 'string' ||
    !document.openapi.startsWith('3.0') ||
    typeof document.paths !== 'object' ||
    typeof document.components?.schemas !== 'object'
  ) {
    throw new Error(`${specPath} is not an OpenAPI 3.0 document with paths and components.schemas`);
  }
  return document as OpenApiDocument;
}
