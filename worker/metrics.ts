/**
 * The worker's metrics. The Temporal SDK runtime owns the Prometheus endpoint (it serves its own worker metrics
 * there too), so our counters and histograms are created on the runtime's MetricMeter and appear on the same
 * `/metrics` page. What each one measures and where it is recorded is listed in docs/operations.md.
 */
import type { MetricMeter } from '@temporalio/common';
import type { RuntimeOptions } from '@temporalio/worker';
import type { VrExchange } from '../vr';

/** Names of our own metrics, as they appear on `/metrics` (Prometheus counters keep their `_total` name). */
export const VR_METRIC_NAMES = {
  requests: 'vr_requests_total',
  requestDuration: 'vr_request_duration_ms',
  rateLimited: 'vr_rate_limited_total',
  pacerWaits: 'vr_pacer_waits_total',
  pacerWait: 'vr_pacer_wait_ms',
  activityRetries: 'vr_activity_retries_total',
  vmOutcomes: 'vr_vms_total',
} as const;

/** The telemetry options that expose the SDK's Prometheus endpoint on `bindAddress` (host:port). */
export function prometheusTelemetryOptions(
  bindAddress: string,
): NonNullable<RuntimeOptions['telemetryOptions']> {
  return { metrics: { prometheus: { bindAddress } } };
}

/** Checks a `--metrics` / VR_METRICS_ADDRESS value; returns a problem or undefined. */
export function metricsAddressProblem(address: string): string | undefined {
  const match = /^(.+):(\d+)$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port > 0 && port < 65_536)) return `metrics address must be host:port, e.g. 0.0.0.0:9464`;
  return undefined;
}

type PacerStats = { waits: number; totalWaitMs: number };

/** Records the VR client's traffic; one instance per plugin (per worker). */
export class VrMetrics {
  private readonly requests;
  private readonly requestDuration;
  private readonly rateLimited;
  private readonly pacerWaits;
  private readonly pacerWait;
  private readonly activityRetries;
  /** Pacer totals already recorded, per site: the pacer exposes cumulative stats, we record the increase. */
  private readonly pacerSeen = new Map<string, PacerStats>();

  constructor(meter: MetricMeter) {
    this.requests = meter.createCounter(
      VR_METRIC_NAMES.requests,
      '1',
      'VR REST requests by site, method, endpoint (path template) and status (or error code)',
    );
    this.requestDuration = meter.createHistogram(
      VR_METRIC_NAMES.requestDuration,
      'int',
      'ms',
      'VR REST request duration, without time spent waiting for the pacer',
    );
    this.rateLimited = meter.createCounter(
      VR_METRIC_NAMES.rateLimited,
      '1',
      'VR answers 429 Too Many Requests, by site and endpoint',
    );
    this.pacerWaits = meter.createCounter(
      VR_METRIC_NAMES.pacerWaits,
      '1',
      'VR requests that had to wait for a pacer slot',
    );
    this.pacerWait = meter.createHistogram(
      VR_METRIC_NAMES.pacerWait,
      'int',
      'ms',
      'Pacer wait per VR request: the sum is exact, the split between concurrent requests approximate',
    );
    this.activityRetries = meter.createCounter(
      VR_METRIC_NAMES.activityRetries,
      '1',
      'VR activity attempts after the first, by activity type',
    );
  }

  /** The VrClient `onExchange` observer body; `pacer` is the site client's cumulative pacer stats. */
  observeExchange(site: string, exchange: VrExchange, pacer?: PacerStats): void {
    const status =
      exchange.status === undefined ? (exchange.error?.code ?? 'error') : String(exchange.status);
    const tags = { site, method: exchange.method, endpoint: exchange.pathTemplate };
    this.requests.add(1, { ...tags, status });
    this.requestDuration.record(Math.max(0, Math.round(exchange.durationMs)), tags);
    if (exchange.status === 429) this.rateLimited.add(1, tags);
    if (pacer) this.observePacer(site, pacer);
  }

  private observePacer(site: string, stats: PacerStats): void {
    // The pacer keeps cumulative totals only; the increase since the last exchange of the site is this exchange's
    // share (exact when requests are sequential, which a single activity's are).
    const seen = this.pacerSeen.get(site) ?? { waits: 0, totalWaitMs: 0 };
    const newWaits = Math.max(0, stats.waits - seen.waits);
    this.pacerWait.record(Math.max(0, Math.round(stats.totalWaitMs - seen.totalWaitMs)), { site });
    if (newWaits > 0) this.pacerWaits.add(newWaits, { site });
    this.pacerSeen.set(site, { waits: stats.waits, totalWaitMs: stats.totalWaitMs });
  }

  /** Called when a VR activity starts; attempts after the first are retries. */
  observeActivityAttempt(activityType: string, attempt: number): void {
    if (attempt > 1) this.activityRetries.add(1, { activity_type: activityType });
  }
}
