/**
 * The acceptance checks of a chaos run, computed from the campaign report and the simulator's own state (never
 * from what the worker believes): one definite outcome per VM, configured exactly once, every failure with a cause,
 * and a report that matches what the simulator holds.
 */
import type { CampaignReport } from '../client/campaign-api';
import type { RunningSimulator } from '../simulator';
import { VM_OUTCOMES } from '../workflows/configure-replication-input';

/** Every outcome but `cancelled` says what happened to the VM. */
const DEFINITE = new Set<string>(VM_OUTCOMES.filter((outcome) => outcome !== 'cancelled'));
const SIMULATED_TASK_FAILURE = 'Simulated task failure';
const CONFIGURE_TASK = 'com.vmware.vr.configureReplication';

export interface CampaignVms {
  /** Ids of the VMs the selector group matches (all suitable). */
  selectedIds: string[];
  /** Names listed one by one (special VMs: templates, replicated, missing...). */
  listedNames: string[];
}

export interface OutcomeFigures {
  vmsInCampaign: number;
  reportRows: number;
  distinctVmsInReport: number;
  outcomes: Record<string, number>;
  vmsWithoutDefiniteOutcome: number;
  vmsReportedTwice: number;
  selectedVmsMissingFromReport: number;
  configured: number;
  configuredNotExactlyOnceInSimulator: number;
  vmsConfiguredMoreThanOnce: number;
  alreadyReplicatedConfigureAttempts: number;
  /** Selected (suitable) VMs not configured although VR never failed their configure task on purpose. */
  configurableButNotConfigured: number;
  failedByInjectedTaskFailure: number;
  failuresWithoutCause: number;
  reportDisagreesWithSimulator: number;
  campaignTotalsMatchReport: boolean;
  /** Failure reasons, grouped by their first words, with counts. */
  failureReasons: Record<string, number>;
  listedVmOutcomes: Record<string, string>;
  examples: string[];
}

const reasonKey = (reason: string): string =>
  reason
    .replace(/HmsTask:task-\d+:[0-9a-f-]+/g, 'HmsTask:<task>')
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, '<uuid>')
    .replace(/vm-\d+/g, 'vm-N')
    .replace(/'[^']*'/g, "'…'")
    .slice(0, 110);

export function outcomeFigures(
  report: CampaignReport,
  sim: RunningSimulator,
  vms: CampaignVms,
): OutcomeFigures {
  const { rows } = report;
  const perVm = sim.state.stats.toJSON().replicationsPerVm as Record<string, number>;
  const injectedFailures = new Set(
    sim.state.tasks
      .all()
      .filter(
        (task) => task.descriptionId === CONFIGURE_TASK && task.failure?.startsWith(SIMULATED_TASK_FAILURE),
      )
      .map((task) => task.entity ?? ''),
  );
  const examples: string[] = [];
  const example = (text: string): void => {
    if (examples.length < 10) examples.push(text);
  };

  const keyOf = (row: (typeof rows)[number]): string => row.vmId ?? `name:${row.requested}`;
  const byKey = new Map<string, number>();
  for (const row of rows) byKey.set(keyOf(row), (byKey.get(keyOf(row)) ?? 0) + 1);
  const rowById = new Map(rows.filter((row) => row.vmId).map((row) => [row.vmId!, row]));

  const outcomes: Record<string, number> = {};
  const failureReasons: Record<string, number> = {};
  let failuresWithoutCause = 0;
  let vmsWithoutDefiniteOutcome = 0;
  for (const row of rows) {
    outcomes[row.outcome] = (outcomes[row.outcome] ?? 0) + 1;
    if (!DEFINITE.has(row.outcome)) {
      vmsWithoutDefiniteOutcome += 1;
      example(`no definite outcome: ${row.requested} ${row.outcome}`);
    }
    if (row.outcome !== 'configured') {
      const reason = row.reason?.trim() ?? '';
      if (reason === '') {
        failuresWithoutCause += 1;
        example(`no cause: ${row.requested} ${row.outcome}`);
      } else
        failureReasons[`${row.outcome}: ${reasonKey(reason)}`] =
          (failureReasons[`${row.outcome}: ${reasonKey(reason)}`] ?? 0) + 1;
    }
  }

  const configuredRows = rows.filter((row) => row.outcome === 'configured');
  const configuredNotExactlyOnce = configuredRows.filter(
    (row) => !row.vmId || perVm[row.vmId] !== 1 || !sim.state.replicationOfVm(row.vmId),
  );
  for (const row of configuredNotExactlyOnce)
    example(`configured ${row.vmId ?? row.requested} ${perVm[row.vmId ?? ''] ?? 0} times in the simulator`);
  const twice = Object.entries(perVm).filter(([, count]) => count > 1);
  for (const [vmId, count] of twice) example(`${vmId} configured ${count} times`);

  let configurableButNotConfigured = 0;
  let failedByInjectedTaskFailure = 0;
  let missing = 0;
  for (const id of vms.selectedIds) {
    const row = rowById.get(id);
    if (!row) {
      missing += 1;
      example(`selected VM ${id} has no report row`);
      continue;
    }
    if (row.outcome === 'configured') continue;
    if (row.outcome === 'failed' && injectedFailures.has(id) && !sim.state.replicationOfVm(id)) {
      failedByInjectedTaskFailure += 1;
      continue;
    }
    configurableButNotConfigured += 1;
    example(`configurable but ${row.outcome}: ${row.name ?? id}: ${row.reason ?? ''}`);
  }

  // The report against the simulator: a VM has a replication exactly when the report says it is replicated.
  let disagreements = 0;
  for (const row of rows) {
    if (!row.vmId) continue;
    const replicated = sim.state.replicationOfVm(row.vmId) !== undefined;
    const reported = row.outcome === 'configured' || row.outcome === 'already-replicated';
    if (replicated !== reported) {
      disagreements += 1;
      example(`report says ${row.outcome} for ${row.name ?? row.vmId}, simulator replication: ${replicated}`);
    }
  }
  const listedVmOutcomes: Record<string, string> = {};
  for (const name of vms.listedNames) {
    const row = rows.find((candidate) => candidate.requested === name || candidate.name === name);
    listedVmOutcomes[name] = row ? row.outcome : 'MISSING';
    if (!row) missing += 1;
  }
  const campaignTotals = Object.entries(report.campaign.totals).filter(([, count]) => count > 0);
  const campaignTotalsMatchReport =
    campaignTotals.length === Object.keys(outcomes).length &&
    campaignTotals.every(([outcome, count]) => outcomes[outcome] === count) &&
    report.campaign.totalVms === rows.length;

  return {
    vmsInCampaign: vms.selectedIds.length + vms.listedNames.length,
    reportRows: rows.length,
    distinctVmsInReport: byKey.size,
    outcomes,
    vmsWithoutDefiniteOutcome,
    vmsReportedTwice: [...byKey.values()].filter((count) => count > 1).length,
    selectedVmsMissingFromReport: missing,
    configured: configuredRows.length,
    configuredNotExactlyOnceInSimulator: configuredNotExactlyOnce.length,
    vmsConfiguredMoreThanOnce: twice.length,
    alreadyReplicatedConfigureAttempts: sim.state.stats.alreadyReplicatedConfigureAttempts,
    configurableButNotConfigured,
    failedByInjectedTaskFailure,
    failuresWithoutCause,
    reportDisagreesWithSimulator: disagreements,
    campaignTotalsMatchReport,
    failureReasons,
    listedVmOutcomes,
    examples,
  };
}

/** The pass/fail view of the figures (each must be true). */
export function outcomeChecks(figures: OutcomeFigures): Record<string, boolean> {
  return {
    everyVmExactlyOneDefiniteOutcome:
      figures.reportRows === figures.vmsInCampaign &&
      figures.distinctVmsInReport === figures.vmsInCampaign &&
      figures.vmsWithoutDefiniteOutcome === 0 &&
      figures.vmsReportedTwice === 0 &&
      figures.selectedVmsMissingFromReport === 0,
    everyConfigurableVmConfiguredExactlyOnce:
      figures.configuredNotExactlyOnceInSimulator === 0 &&
      figures.vmsConfiguredMoreThanOnce === 0 &&
      figures.configurableButNotConfigured === 0,
    noConfigureOfAlreadyReplicatedVm: figures.alreadyReplicatedConfigureAttempts === 0,
    everyFailureNamesItsCause: figures.failuresWithoutCause === 0,
    reportMatchesSimulator: figures.reportDisagreesWithSimulator === 0 && figures.campaignTotalsMatchReport,
  };
}
