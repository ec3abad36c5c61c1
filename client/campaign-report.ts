/** Export of a campaign report as JSON or CSV (RFC 4180: every field that needs it quoted, quotes doubled). */
import type { CampaignReport, CampaignReportRow } from './campaign-api';

export const REPORT_COLUMNS: Array<keyof CampaignReportRow> = [
  'campaignId',
  'batchId',
  'site',
  'pairing',
  'requested',
  'vmId',
  'name',
  'outcome',
  'reason',
  'replicationId',
];

/** Quotes a CSV field when it holds a comma, quote, CR or LF (or starts/ends with a space). */
export function csvField(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function reportToCsv(rows: CampaignReportRow[]): string {
  const lines = [REPORT_COLUMNS.join(',')];
  for (const row of rows) lines.push(REPORT_COLUMNS.map((column) => csvField(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function reportToJson(report: CampaignReport): string {
  const { campaign, rows, totals } = report;
  return JSON.stringify(
    {
      campaignId: campaign.campaignId,
      name: campaign.name,
      outcome: campaign.outcome,
      totals,
      totalVms: rows.length,
      groupErrors: campaign.groupErrors,
      vms: rows,
    },
    null,
    2,
  );
}
