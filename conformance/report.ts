/** The conformance report: what was checked, what failed, and the printed table. */
import type { ApiVersionName } from './openapi';
import type { OperationRow } from './recorder';

export interface ConformanceReport {
  specPath: string;
  versions: ApiVersionName[];
  rows: OperationRow[];
  /** Every conformance or scenario issue, each naming source, version, endpoint and field. */
  issues: string[];
  /** Client API operations that got no 2xx answer through the VrClient, per version (`v2 listVms`). */
  missingClientOperations: string[];
  /** Simulator routes no exchange reached, per version (`v1 GET /info`). */
  simulatorRoutesNotExercised: string[];
  /** Document operations never exercised (informational: the simulator does not serve them all). */
  documentOperationsNotExercised: string[];
  exchangesChecked: number;
  ok: boolean;
}

/** The operation table, then issues and coverage gaps. */
export function formatConformanceReport(report: ConformanceReport): string {
  const header = [
    'operation',
    ...report.versions.map((version) => `${version} statuses`),
    'exchanges',
    'issues',
  ];
  const lines = report.rows.map((row) => [
    `${row.method} ${row.pathTemplate}`,
    ...report.versions.map((version) => (row.statuses[version] ?? []).join(',') || '-'),
    String(row.exchanges),
    String(row.issues),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  const output = [
    `OpenAPI conformance against ${report.specPath}`,
    '',
    format(header),
    format(widths.map((width) => '-'.repeat(width))),
    ...lines.map(format),
    '',
    `${report.exchangesChecked} exchanges checked over ${report.rows.length} operations; ${report.issues.length} issues.`,
  ];
  const section = (title: string, items: string[]) => {
    if (items.length > 0)
      output.push('', `${title} (${items.length}):`, ...items.map((item) => `  - ${item}`));
  };
  section('Issues', report.issues);
  section('Client API operations not exercised successfully', report.missingClientOperations);
  section('Simulator routes not exercised', report.simulatorRoutesNotExercised);
  section('Document operations not exercised (informational)', report.documentOperationsNotExercised);
  output.push('', report.ok ? 'CONFORMANT' : 'NOT CONFORMANT');
  return output.join('\n');
}
