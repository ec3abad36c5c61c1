/**
 * Collects exchanges (from the VrClient's `onExchange` hook or from raw HTTP calls), validates each against the
 * document as it arrives, and aggregates per document operation for the report.
 */
import type { ApiVersionName, OpenApiValidator } from './openapi';

export type ExchangeSource = 'client' | 'raw';

export interface RecordedExchange {
  source: ExchangeSource;
  method: string;
  /** The concrete request path, with or without the `/api/rest/vr/vN` base (query allowed). */
  path: string;
  apiVersion: ApiVersionName;
  /** Parsed JSON request body, or undefined when none was sent. */
  requestBody?: unknown;
  /** Undefined when no response arrived. */
  status?: number;
  /** Parsed JSON response body, or undefined when empty. */
  responseBody?: unknown;
  /** The template the client says it used (client exchanges only); cross-checked against the document. */
  clientPathTemplate?: string;
  /** The request is deliberately malformed (to provoke a 400): its query and body are not checked. */
  invalidOnPurpose?: boolean;
  /** Issues found by the caller (not JSON, wrong content type, missing op_id...). */
  extraIssues?: string[];
  /** A failure without a response (network error...), described without secrets. */
  failure?: string;
}

export interface OperationRow {
  method: string;
  pathTemplate: string;
  operationId?: string;
  /** Statuses seen, per API version, ascending. */
  statuses: Partial<Record<ApiVersionName, number[]>>;
  exchanges: number;
  clientExchanges: number;
  /** The API versions in which the client got a 2xx answer from this operation. */
  clientSucceeded: ApiVersionName[];
  issues: number;
}

export class ExchangeRecorder {
  readonly issues: string[] = [];
  private readonly rows = new Map<string, OperationRow>();
  private checked = 0;

  constructor(private readonly validator: OpenApiValidator) {}

  get exchangesChecked(): number {
    return this.checked;
  }

  /** Validates one exchange (request body and response) and records its issues under its operation. */
  record(exchange: RecordedExchange): string[] {
    this.checked += 1;
    const where = `[${exchange.source} ${exchange.apiVersion}] ${exchange.method.toUpperCase()} ${stripQuery(exchange.path)}`;
    const match = this.validator.matchOperation(exchange.method, exchange.path);
    if (!match) return this.add(undefined, [`${where}: not an operation of the document`]);

    const issues: string[] = [];
    const clientTemplate = exchange.clientPathTemplate && normaliseTemplate(exchange.clientPathTemplate);
    if (clientTemplate && templateShape(clientTemplate) !== templateShape(match.pathTemplate)) {
      issues.push(`client reports path template ${clientTemplate}, the document's is ${match.pathTemplate}`);
    }
    if (!exchange.invalidOnPurpose) {
      issues.push(...this.validator.validateQuery(match.method, match.pathTemplate, exchange.path));
      issues.push(
        ...this.validator.validateRequestBody(match.method, match.pathTemplate, exchange.requestBody),
      );
    }
    if (exchange.status === undefined) {
      issues.push(`no response: ${exchange.failure ?? 'unknown failure'}`);
    } else {
      issues.push(
        ...this.validator.validateResponse(
          match.method,
          match.pathTemplate,
          exchange.status,
          exchange.responseBody,
          {
            apiVersion: exchange.apiVersion,
          },
        ),
      );
    }
    issues.push(...(exchange.extraIssues ?? []));

    const row = this.rowFor(match.method, match.pathTemplate, match.operationId);
    row.exchanges += 1;
    const statuses = (row.statuses[exchange.apiVersion] ??= []);
    if (exchange.status !== undefined && !statuses.includes(exchange.status)) {
      statuses.push(exchange.status);
      statuses.sort((left, right) => left - right);
    }
    if (exchange.source === 'client') {
      row.clientExchanges += 1;
      const succeeded = exchange.status !== undefined && exchange.status >= 200 && exchange.status < 300;
      if (succeeded && !row.clientSucceeded.includes(exchange.apiVersion))
        row.clientSucceeded.push(exchange.apiVersion);
    }
    return this.add(
      row,
      issues.map((issue) => `${where}: ${issue}`),
    );
  }

  /** Records an issue that belongs to no single exchange (a scenario step that could not run, coverage...). */
  addIssue(issue: string): void {
    this.issues.push(issue);
  }

  /** One row per operation seen, in a stable order. */
  operationRows(): OperationRow[] {
    return [...this.rows.values()].sort(
      (left, right) =>
        left.pathTemplate.localeCompare(right.pathTemplate) || left.method.localeCompare(right.method),
    );
  }

  private rowFor(method: string, pathTemplate: string, operationId: string | undefined): OperationRow {
    const key = `${method} ${pathTemplate}`;
    let row = this.rows.get(key);
    if (!row) {
      row = {
        method,
        pathTemplate,
        ...(operationId ? { operationId } : {}),
        statuses: {},
        exchanges: 0,
        clientExchanges: 0,
        clientSucceeded: [],
        issues: 0,
      };
      this.rows.set(key, row);
    }
    return row;
  }

  private add(row: OperationRow | undefined, issues: string[]): string[] {
    if (row) row.issues += issues.length;
    this.issues.push(...issues);
    return issues;
  }
}

function stripQuery(path: string): string {
  return path.split('?', 1)[0] ?? path;
}

/** The client may report its template with the base path or `:name` parameters; compare like with like. */
function normaliseTemplate(template: string): string {
  return stripQuery(template)
    .replace(/^\/api\/rest\/vr\/v[12](?=\/|$)/, '')
    .replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** Parameter names are the client's business; the shape (literals and parameter positions) must agree. */
function templateShape(template: string): string {
  return template.replace(/\{[^}]*\}/g, '{}');
}
