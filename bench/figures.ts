/**
 * Per-scenario figures from the simulator's request log and the runner, and the lower bound the gateway's rate
 * limit and VR's task duration put on any client:
 *
 *   R_min   = 3 (login, GET /pairings, logout) + Σ over pairings p of
 *             [1 remote login (site pairing only) + 1 datastore lookup + ⌈N_p/100⌉ VM list pages
 *              + ⌈N_p/20⌉ configure POSTs + ⌈N_p/100⌉ task polls (100 task ids per GET /tasks)]
 *   R_pre   = R_min − task polls − logout (what must be sent before the last configure POST)
 *   t(R)    = ⌊(R − 1) / L⌋ × W  (when the R-th request may go: L = 100 per client per W = 60 s sliding window,
 *             the first L at once; the 50-per-session limit is lifted by using several sessions)
 *   LB      = max(t(R_min), t(R_pre) + T_task)   with T_task = queued + running time of a configure task
 *
 * All in real (uncompressed) time. Polls are GET /tasks and GET /tasks/{task_id}.
 */
import type { Timeline } from './timeline';
import type { SimStatsSnapshot } from './bench-simulator';
import type { RunnerName } from './settings';

export const POLL_ENDPOINTS = ['GET /tasks', 'GET /tasks/{task_id}'];

export interface LowerBound {
  minimalRequests: number;
  requestsBeforeLastPost: number;
  lowerBoundMs: number;
}

export function lowerBound(
  vmsPerPairing: Array<{ count: number; robo: boolean }>,
  limit: { perWindow: number; windowMs: number },
  taskMs: number,
): LowerBound {
  let minimal = 3;
  let polls = 0;
  for (const { count, robo } of vmsPerPairing) {
    const pairingPolls = Math.ceil(count / 100);
    minimal += (robo ? 0 : 1) + 1 + Math.ceil(count / 100) + Math.ceil(count / 20) + pairingPolls;
    polls += pairingPolls;
  }
  const before = minimal - polls - 1;
  const sendAt = (requests: number): number =>
    Math.floor(Math.max(0, requests - 1) / limit.perWindow) * limit.windowMs;
  return {
    minimalRequests: minimal,
    requestsBeforeLastPost: before,
    lowerBoundMs: Math.max(sendAt(minimal), sendAt(before) + taskMs),
  };
}

export interface ScenarioFigures {
  runner: RunnerName;
  size: number;
  pairings: 1 | 2;
  timeScale: number;
  /** Measured (compressed) wall time and the same × time scale. */
  wallMs: number;
  wallRealMs: number;
  lowerBound: LowerBound;
  /** wallRealMs / lowerBoundMs. */
  ratioToLowerBound: number;
  /** Every request the gateway saw, 429-refused ones included. */
  requests: number;
  pollRequests: number;
  requestsPerVm: number;
  requestsPerVmWithoutPolls: number;
  /** 429 answers. */
  rateLimited: number;
  /** Poll requests per pairing per minute of real time. */
  pollsPerPairingPerMinute: number;
  configured: number;
  failed: number;
  /** Configured more than once (must be 0). */
  configuredTwice: number;
  byEndpoint: Record<string, { count: number; byStatus: Record<string, number> }>;
  logins: number;
  /** The code measured: commit at the start of the bench run, `+N` uncommitted files. */
  code?: string;
  // ---- ours only ----
  historyEvents?: number;
  historyEventsPerVm?: number;
  maxHistoryEventsPerRun?: number;
  workflowExecutions?: number;
  workerCpuSeconds?: number;
  workerCpuMsPerVm?: number;
  workerPeakRssMb?: number;
  /** Ours: where the wall time went, seconds after start (measured, not × time scale). */
  timeline?: Timeline;
  outcomes?: Record<string, number>;
  failureSamples?: string[];
}

export function requestFigures(stats: SimStatsSnapshot, size: number) {
  const byEndpoint = stats.requests.byEndpoint;
  const requests = stats.requests.total;
  const pollRequests = POLL_ENDPOINTS.reduce((sum, endpoint) => sum + (byEndpoint[endpoint]?.count ?? 0), 0);
  return {
    requests,
    pollRequests,
    requestsPerVm: requests / size,
    requestsPerVmWithoutPolls: (requests - pollRequests) / size,
    rateLimited: stats.rateLimited,
    configuredTwice: Object.values(stats.replicationsPerVm).filter((count) => count > 1).length,
    byEndpoint,
    logins: stats.logins,
  };
}
