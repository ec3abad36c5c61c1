/** Counters exposed by GET /sim/stats. */
export class SimStats {
  requests = new Map<string, { count: number; byStatus: Record<string, number> }>();
  logins = 0;
  loginFailures = 0;
  logouts = 0;
  remoteLogins = 0;
  rateLimited = 0;
  /** vm id -> number of replications ever created for it (since start or the last reset). */
  replicationsPerVm = new Map<string, number>();
  alreadyReplicatedConfigureAttempts = 0;

  recordRequest(endpoint: string, status: number | 'reset'): void {
    const entry = this.requests.get(endpoint) ?? { count: 0, byStatus: {} };
    entry.count += 1;
    const key = String(status);
    entry.byStatus[key] = (entry.byStatus[key] ?? 0) + 1;
    this.requests.set(endpoint, entry);
    if (status === 429) this.rateLimited += 1;
  }

  recordReplicationCreated(vmId: string): void {
    this.replicationsPerVm.set(vmId, (this.replicationsPerVm.get(vmId) ?? 0) + 1);
  }

  /** Zeroes every counter; replicationsPerVm restarts from the replications that exist now. */
  reset(existingReplicationVmIds: string[]): void {
    this.requests = new Map();
    this.logins = 0;
    this.loginFailures = 0;
    this.logouts = 0;
    this.remoteLogins = 0;
    this.rateLimited = 0;
    this.alreadyReplicatedConfigureAttempts = 0;
    this.replicationsPerVm = new Map();
    for (const vmId of existingReplicationVmIds) this.recordReplicationCreated(vmId);
  }

  toJSON(): Record<string, unknown> {
    let total = 0;
    const byEndpoint: Record<string, { count: number; byStatus: Record<string, number> }> = {};
    for (const [endpoint, entry] of [...this.requests].sort(([a], [b]) => a.localeCompare(b))) {
      byEndpoint[endpoint] = entry;
      total += entry.count;
    }
    return {
      requests: { total, byEndpoint },
      logins: this.logins,
      loginFailures: this.loginFailures,
      logouts: this.logouts,
      remoteLogins: this.remoteLogins,
      rateLimited: this.rateLimited,
      replicationsPerVm: Object.fromEntries(this.replicationsPerVm),
      alreadyReplicatedConfigureAttempts: this.alreadyReplicatedConfigureAttempts,
    };
  }
}
