/**
 * Settings of a chaos run. The full run (`npm run chaos`) and the small one in `npm test` differ only in these
 * numbers; every fault and check is the same code.
 */

export interface ChaosOptions {
  /** VMs in the campaign (a handful of special VMs by name, the rest matched by a selector). Default 1000. */
  vms: number;
  /** Seed of the simulator, its fault PRNG and the moments of kills and restarts. Default 7. */
  seed: number;
  /** Hard deadline of the whole run, ms; exceeding it fails the run. Default 15 min. */
  deadlineMs: number;
  /** SIGKILLs of the worker process. Default 3. */
  workerKills: number;
  /** Restarts of the Temporal dev server on its SQLite file. Default 1. */
  serverRestarts: number;
  /** Every this often all VR sessions are expired by the simulator. Default 60 s. */
  sessionExpiryEveryMs: number;
  /** Idle time after which the simulator drops a session (frees those of killed workers). Default 20 s. */
  sessionIdleMs: number;
  /** How long the 429 storm (a low rate limit with a short window) lasts. Default 20 s. */
  rateLimitStormMs: number;
  /** How long the remote site is unreachable. Default 20 s. */
  remoteUnreachableMs: number;
  /** Requests whose headers are delayed past the VR client's 30 s headers timeout. Default 12. */
  slowResponses: number;
  /** Batches in flight per VRMS; few, so the run is long enough for every disruption to land mid-run. Default 5. */
  inFlightPerVrms: number;
  /** VMs per batch. Default 20. */
  batchSize: number;
  /** History events after which the campaign continues as new (so the chaos also hits that). Default 400. */
  historyEventsPerRun: number;
  /** Simulated clock speed (task durations). Default 20. */
  clockSpeed: number;
  /** Directory for the SQLite file, the worker's log and the CLI output. Default: a new temporary directory. */
  workDir?: string;
  /** Progress lines on stderr. Default true. */
  verbose: boolean;
}

export const FULL_CHAOS: ChaosOptions = {
  vms: 1000,
  seed: 7,
  deadlineMs: 15 * 60_000,
  workerKills: 3,
  serverRestarts: 1,
  sessionExpiryEveryMs: 60_000,
  sessionIdleMs: 20_000,
  rateLimitStormMs: 20_000,
  remoteUnreachableMs: 20_000,
  slowResponses: 12,
  inFlightPerVrms: 5,
  batchSize: 20,
  historyEventsPerRun: 400,
  clockSpeed: 20,
  verbose: true,
};

/** The version that runs in `npm test`: 120 VMs, one kill, one restart, shorter fault windows. */
export const SMALL_CHAOS: ChaosOptions = {
  ...FULL_CHAOS,
  vms: 120,
  // A SIGKILL leaves the activities it was running to their start-to-close timeout (3 min, no heartbeats): the
  // small run then takes up to ~5 min (about 1.5 min when the kill stalls nothing).
  deadlineMs: 480_000,
  workerKills: 1,
  serverRestarts: 1,
  sessionExpiryEveryMs: 15_000,
  sessionIdleMs: 10_000,
  rateLimitStormMs: 12_000,
  remoteUnreachableMs: 8_000,
  slowResponses: 2,
  inFlightPerVrms: 2,
  batchSize: 10,
  historyEventsPerRun: 200,
  verbose: false,
};

/** Parses `--vms`, `--seed`, `--deadline` (seconds or e.g. `15m`), `--kills`, `--work-dir`, `--quiet`. */
export function parseChaosArguments(argv: string[], defaults: ChaosOptions = FULL_CHAOS): ChaosOptions {
  const options: ChaosOptions = { ...defaults };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]!;
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    const integer = (text: string, min: number): number => {
      const number = Number(text);
      if (!Number.isInteger(number) || number < min)
        throw new Error(`${flag} must be an integer >= ${min}, not ${text}`);
      return number;
    };
    switch (flag) {
      case '--vms':
        options.vms = integer(value(), 20);
        break;
      case '--seed':
        options.seed = integer(value(), 0);
        break;
      case '--deadline':
        options.deadlineMs = parseDuration(value());
        break;
      case '--kills':
        options.workerKills = integer(value(), 0);
        break;
      case '--work-dir':
        options.workDir = value();
        break;
      case '--quiet':
        options.verbose = false;
        break;
      default:
        throw new Error(
          `unknown option ${flag} (known: --vms, --seed, --deadline, --kills, --work-dir, --quiet, --small)`,
        );
    }
  }
  return options;
}

/** `900`, `900s`, `15m` -> ms. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(text.trim());
  if (!match) throw new Error(`--deadline must look like 900, 900s or 15m, not ${text}`);
  return Math.round(Number(match[1]) * (match[2] === 'm' ? 60_000 : 1_000));
}
