/** Plain-text rendering of results and progress for the CLI and the demo. */
import type {
  ConfigureReplicationProgress,
  ConfigureReplicationResult,
  VmOutcome,
} from '../workflows/configure-replication-input';

export interface Column<Row> {
  header: string;
  value(row: Row): string | number | undefined;
}

/** A left-aligned text table with a header rule; empty cells show as '-'. Trailing spaces are trimmed. */
export function renderTable<Row>(columns: ReadonlyArray<Column<Row>>, rows: readonly Row[]): string {
  const cells = rows.map((row) =>
    columns.map((column) => {
      const value = column.value(row);
      // Cells stay on one line so the columns line up.
      return value === undefined || value === '' ? '-' : String(value).replace(/\s*\n\s*/g, ' ');
    }),
  );
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => line[index]?.length ?? 0)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    line(widths.map((width) => '-'.repeat(width))),
    ...cells.map(line),
  ].join('\n');
}

/** Outcomes that count as success: the VM replicates now. */
export const SUCCESSFUL_OUTCOMES: ReadonlySet<VmOutcome> = new Set(['configured', 'already-replicated']);

/** True when every VM of the run is configured or was already replicated. */
export const isFullySuccessful = (result: ConfigureReplicationResult): boolean =>
  result.vms.length > 0 && result.vms.every((vm) => SUCCESSFUL_OUTCOMES.has(vm.outcome));

/** `configured 6, already-replicated 1, unsuitable 1 (8 VMs)`: the non-zero counts, then the total. */
export function formatTotals(totals: Partial<Record<string, number>>): string {
  const entries = Object.entries(totals).filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  const parts = entries.map(([name, count]) => `${name} ${count}`);
  return `${parts.join(', ') || 'nothing'} (${total} VM${total === 1 ? '' : 's'})`;
}

/** The per-VM result table (VM, VM id, outcome, replication id, reason) followed by the totals. */
export function formatConfigureResult(result: ConfigureReplicationResult): string {
  const table = renderTable(
    [
      { header: 'VM', value: (vm) => vm.name ?? vm.requested },
      { header: 'VM id', value: (vm) => vm.vmId },
      { header: 'outcome', value: (vm) => vm.outcome },
      { header: 'replication id', value: (vm) => vm.replicationId },
      { header: 'reason', value: (vm) => vm.reason },
    ],
    result.vms,
  );
  const header = `site ${result.site}${result.pairingId ? `, pairing ${result.pairingId}` : ''}, waited for ${result.waitFor}${
    result.cancelled ? ', CANCELLED' : ''
  }`;
  return `${header}\n\n${table}\n\nTotals: ${formatTotals(result.totals)}`;
}

/** The per-VM progress table (VM, VM id, state, progress, replication id, reason) with the phase and totals. */
export function formatConfigureProgress(progress: ConfigureReplicationProgress): string {
  const table = renderTable(
    [
      { header: 'VM', value: (vm) => vm.name ?? vm.requested },
      { header: 'VM id', value: (vm) => vm.vmId },
      { header: 'state', value: (vm) => vm.state },
      { header: 'progress', value: (vm) => (vm.progress === undefined ? undefined : `${vm.progress}%`) },
      { header: 'replication id', value: (vm) => vm.replicationId },
      { header: 'reason', value: (vm) => vm.reason },
    ],
    progress.vms,
  );
  return `phase: ${progress.phase}\n\n${table}\n\nTotals: ${formatTotals(progress.totals)}`;
}
