/**
 * Benchmark settings: command-line flags, the scenario list, and the time compression that lets the large
 * scenarios finish. Compression keeps every count (100 requests per client, 50 per session, batch sizes) and
 * divides every duration by `timeScale`: the gateway's rate-limit window and ban, the client pacer's window, task
 * durations (simulator clock speed), latency, poll intervals. Wall times are reported measured and × timeScale.
 */
export type RunnerName = 'us' | 'java-sample' | 'powershell';
export const RUNNERS: RunnerName[] = ['us', 'java-sample', 'powershell'];

export interface BenchSettings {
  sizes: number[];
  /** 1 = all VMs on the site pairing; 2 = half on the site pairing, half on the ROBO pairing. */
  pairings: Array<1 | 2>;
  runners: RunnerName[];
  /** The baselines' durations are divided by this (default 10): they take real hours at 1,000 VMs and more. */
  timeScale: number;
  /**
   * Our campaign's time scale (default 1: real time). Compression would also multiply Temporal's own round trips,
   * which do not shrink with the simulator's clock, by the scale; at 1 every figure of ours is as measured.
   */
  usTimeScale: number;
  /** Real (uncompressed) latency range added to every VR request, ms. Default 30–80. */
  latencyMs: [number, number];
  /** Real task durations, ms. Default queued 2 s, running 20 s. */
  taskQueuedMs: number;
  taskRunningMs: number;
  /** The real gateway's limits (per window of 60 s real). */
  perClientPerMinute: number;
  perSessionPerMinute: number;
  banMs: number;
  /** Real poll intervals of our workflow (first, cap), seconds. Defaults 5 and 300 (the product defaults). */
  pollIntervalSeconds: number;
  pollIntervalCapSeconds: number;
  /** Where results go. Default bench/results. */
  outDirectory: string;
  /** Simulator seed. Default 7. */
  seed: number;
  /** Replace the block between `<!-- bench:start -->` and `<!-- bench:end -->` in README.md. Default false. */
  updateReadme: boolean;
  /** Our campaign's batches in flight per VRMS (`limits.inFlightPerVrms`); default: the campaign's default. */
  inFlightPerVrms?: number;
  /** Result files (JSON) to merge into one report instead of running scenarios. Default none. */
  combine: string[];
}

export const REAL_WINDOW_MS = 60_000;

const USAGE = `npm run bench -- [options]
  --sizes 1,20,100,1000     campaign sizes (default 1,20,100,1000; 10000 only when asked for)
  --quick                   sizes 1,20,100 and one pairing
  --pairings 1,2            one pairing, two pairings or both (default 1,2)
  --runners us,java-sample,powershell   (default all three)
  --time-scale 10           divide the baselines' durations by this (default 10)
  --us-time-scale 1         divide our campaign's durations by this (default 1: real time)
  --latency 30-80           real latency per request in ms (default 30-80)
  --task-queued-ms 2000 --task-running-ms 20000   real task durations
  --out bench/results       output folder
  --in-flight 3             our campaign's batches in flight per VRMS (default: the campaign's default)
  --combine a.json,b.json   write one report from earlier result files (e.g. the default run + a 10000 run)
  --update-readme           put the table and chart between <!-- bench:start --> and <!-- bench:end --> in README.md`;

const list = (value: string, flag: string): number[] =>
  value.split(',').map((part) => {
    const number = Number(part.trim());
    if (!Number.isInteger(number) || number < 1) throw new Error(`${flag}: not a positive integer: ${part}`);
    return number;
  });

/** Parses the command line; throws an Error with the usage text on a bad flag. */
export function parseSettings(argv: string[]): BenchSettings {
  const settings: BenchSettings = {
    sizes: [1, 20, 100, 1000],
    pairings: [1, 2],
    runners: [...RUNNERS],
    timeScale: 10,
    usTimeScale: 1,
    latencyMs: [30, 80],
    taskQueuedMs: 2_000,
    taskRunningMs: 20_000,
    perClientPerMinute: 100,
    perSessionPerMinute: 50,
    banMs: 60_000,
    pollIntervalSeconds: 5,
    pollIntervalCapSeconds: 300,
    outDirectory: 'bench/results',
    seed: 7,
    updateReadme: false,
    combine: [],
  };
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index]!;
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    switch (flag) {
      case '--sizes':
        settings.sizes = list(value(), flag);
        break;
      case '--quick':
        settings.sizes = [1, 20, 100];
        settings.pairings = [1];
        break;
      case '--pairings':
        settings.pairings = list(value(), flag).map((count) => {
          if (count !== 1 && count !== 2) throw new Error('--pairings: 1 and/or 2');
          return count;
        });
        break;
      case '--runners':
        settings.runners = value()
          .split(',')
          .map((name) => {
            if (!RUNNERS.includes(name as RunnerName)) throw new Error(`--runners: unknown runner ${name}`);
            return name as RunnerName;
          });
        break;
      case '--time-scale': {
        const scale = Number(value());
        if (!(scale >= 1)) throw new Error('--time-scale must be a number >= 1');
        settings.timeScale = scale;
        break;
      }
      case '--us-time-scale': {
        const scale = Number(value());
        if (!(scale >= 1)) throw new Error('--us-time-scale must be a number >= 1');
        settings.usTimeScale = scale;
        break;
      }
      case '--latency': {
        const [low, high] = value().split('-').map(Number);
        if (!(low! >= 0) || !(high! >= low!)) throw new Error('--latency: give low-high in ms, e.g. 30-80');
        settings.latencyMs = [low!, high!];
        break;
      }
      case '--task-queued-ms':
        settings.taskQueuedMs = list(value(), flag)[0]!;
        break;
      case '--task-running-ms':
        settings.taskRunningMs = list(value(), flag)[0]!;
        break;
      case '--out':
        settings.outDirectory = value();
        break;
      case '--in-flight':
        settings.inFlightPerVrms = list(value(), flag)[0]!;
        break;
      case '--combine':
        settings.combine = value()
          .split(',')
          .map((file) => file.trim())
          .filter(Boolean);
        break;
      case '--update-readme':
        settings.updateReadme = true;
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return settings;
}

/** Compressed length of a real duration. */
export const scaled = (settings: BenchSettings, realMs: number): number => realMs / settings.timeScale;
