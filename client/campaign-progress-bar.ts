/**
 * A one-line progress bar for `campaign watch`: redrawn in place on a terminal, one line now and then otherwise
 * (CI logs). Written to stderr so that stdout stays for the final summary.
 */
import type { CampaignProgress } from '../workflows/campaign-input';

const formatDuration = (seconds: number): string => {
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${String(Math.round((seconds % 3600) / 60)).padStart(2, '0')}m`;
};

/** `[######------] 120/300 40% | configured 110 failed 5 | in flight 60 | 45.0 VMs/min | ETA 4m | running` */
export function progressLine(progress: CampaignProgress, width = 24): string {
  const fraction = progress.totalVms > 0 ? Math.min(progress.doneVms / progress.totalVms, 1) : 0;
  const filled = Math.round(fraction * width);
  const counts = Object.entries(progress.totals)
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(' ');
  const eta = progress.etaSeconds !== undefined ? `ETA ${formatDuration(progress.etaSeconds)}` : 'ETA -';
  return [
    `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${progress.doneVms}/${progress.totalVms} ${Math.floor(fraction * 100)}%`,
    counts || 'no VM finished yet',
    `in flight ${progress.vmsInFlight}`,
    `${progress.ratePerMinute.toFixed(1)} VMs/min`,
    eta,
    progress.phase,
  ].join(' | ');
}

export class ProgressBar {
  private lastPlainLine = 0;
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    /** On a non-terminal, at most one line per this many ms. Default 10 s. */
    private readonly plainEveryMs = 10_000,
  ) {}

  update(progress: CampaignProgress): void {
    const line = progressLine(progress);
    if (this.stream.isTTY) {
      this.stream.write(`\r${line.slice(0, (this.stream.columns || 200) - 1)}\x1b[K`);
    } else if (Date.now() - this.lastPlainLine >= this.plainEveryMs) {
      this.lastPlainLine = Date.now();
      this.stream.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
