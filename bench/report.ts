/** Writes the results: JSON (everything), a markdown table with the goals of issue 7, and the chart. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderChart } from './chart';
import type { ScenarioFigures } from './figures';
import type { BenchSettings } from './settings';

const seconds = (ms: number): string =>
  ms >= 600_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
const fixed = (value: number | undefined, digits = 2): string =>
  value === undefined ? '–' : value.toFixed(digits);

export interface GoalCheck {
  goal: string;
  met: boolean | undefined;
  measured: string;
}

/** The goals of issue 7, checked on our rows (undefined = the run has no scenario to check it on). */
export function checkGoals(rows: ScenarioFigures[], settings: BenchSettings): GoalCheck[] {
  const ours = rows.filter((row) => row.runner === 'us');
  const at = (size: number) => ours.filter((row) => row.size === size);
  const goals: GoalCheck[] = [];
  const thousand = at(1000);
  const describe = (list: ScenarioFigures[], value: (row: ScenarioFigures) => string) =>
    list.map((row) => `${row.pairings}p: ${value(row)}`).join('; ') || 'no 1,000-VM scenario in this run';
  goals.push({
    goal: '1,000 VMs: ≤ 0.15 VR requests per VM without task polls',
    met: thousand.length ? thousand.every((row) => row.requestsPerVmWithoutPolls <= 0.15) : undefined,
    measured: describe(thousand, (row) => fixed(row.requestsPerVmWithoutPolls, 3)),
  });
  goals.push({
    goal: `1,000 VMs: polls ≤ one per pairing per poll interval (${settings.pollIntervalSeconds} s first interval)`,
    met: thousand.length
      ? thousand.every(
          (row) =>
            row.pollRequests <=
            row.pairings * Math.ceil(row.wallRealMs / (settings.pollIntervalSeconds * 1000)),
        )
      : undefined,
    measured: describe(
      thousand,
      (row) =>
        `${row.pollRequests} polls in ${seconds(row.wallRealMs)} = ${fixed(row.pollsPerPairingPerMinute, 1)}/pairing/min (allowed ${fixed(60 / settings.pollIntervalSeconds, 0)})`,
    ),
  });
  goals.push({
    goal: '1,000 VMs: zero 429s at default settings',
    met: thousand.length ? thousand.every((row) => row.rateLimited === 0) : undefined,
    measured: describe(thousand, (row) => String(row.rateLimited)),
  });
  const large = ours.filter((row) => row.size >= 100);
  goals.push({
    goal: 'wall time ≤ 1.25 × lower bound from 100 VMs up',
    met: large.length ? large.every((row) => row.ratioToLowerBound <= 1.25) : undefined,
    measured:
      large.map((row) => `${row.size}/${row.pairings}p: ${fixed(row.ratioToLowerBound)}×`).join('; ') || '–',
  });
  const tenThousand = at(10000);
  for (const [name, value] of [
    ['worker CPU per VM', (row: ScenarioFigures) => row.workerCpuMsPerVm ?? NaN],
    ['history events per VM', (row: ScenarioFigures) => row.historyEventsPerVm ?? NaN],
  ] as const) {
    const pairs = tenThousand
      .map((big) => ({ big, small: thousand.find((row) => row.pairings === big.pairings) }))
      .filter((pair) => pair.small);
    goals.push({
      goal: `${name} flat from 1,000 to 10,000 VMs (≤ 10 % growth)`,
      met: pairs.length ? pairs.every(({ big, small }) => value(big) <= value(small!) * 1.1) : undefined,
      measured: pairs.length
        ? pairs
            .map(({ big, small }) => `${big.pairings}p: ${fixed(value(small!))} → ${fixed(value(big))}`)
            .join('; ')
        : 'needs --sizes 1000,10000',
    });
  }
  return goals;
}

export function markdownTable(rows: ScenarioFigures[], settings: BenchSettings, date: string): string {
  const lines = [
    `### Benchmark ${date}`,
    '',
    `Simulator with the real gateway's limits (${settings.perClientPerMinute}/min per client, ${settings.perSessionPerMinute}/min per session, ${settings.banMs / 1000} s ban), latency ${settings.latencyMs[0]}–${settings.latencyMs[1]} ms, configure tasks ${settings.taskQueuedMs / 1000} s queued + ${settings.taskRunningMs / 1000} s running. ` +
      `Each row ran at the time scale in its *scale* column: every duration divided by it (rate-limit window and ban, client pacer window, task clock, latency, poll intervals); ` +
      `**real** = measured × scale. ${settings.inFlightPerVrms ? `Our campaign ran with inFlightPerVrms ${settings.inFlightPerVrms}. ` : ''}Code measured: ${[...new Set(rows.map((row) => row.code ?? 'unknown'))].join(', ')} (commit+uncommitted files).`,
    '',
    '| runner | VMs | pairings | scale | wall measured | wall real | lower bound | ratio | req/VM | req/VM w/o polls | polls | 429s | history ev/VM | worker CPU ms/VM | worker peak RSS | configured |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.runner} | ${row.size} | ${row.pairings} | ${row.timeScale}× | ${seconds(row.wallMs)} | ${seconds(row.wallRealMs)} | ${seconds(row.lowerBound.lowerBoundMs)} | ${fixed(row.ratioToLowerBound)} | ${fixed(row.requestsPerVm)} | ${fixed(row.requestsPerVmWithoutPolls)} | ${row.pollRequests} | ${row.rateLimited} | ${fixed(row.historyEventsPerVm, 1)} | ${fixed(row.workerCpuMsPerVm, 1)} | ${row.workerPeakRssMb === undefined ? '–' : `${row.workerPeakRssMb.toFixed(0)} MB`} | ${row.configured}/${row.size} |`,
    );
  }
  lines.push(
    '',
    'Notes: *lower bound* = max(t(R_min), t(R_pre) + T_task), t(R) = ⌊(R−1)/100⌋ × 60 s (100 requests per client per sliding minute, the first 100 at once), ' +
      'R_min = 3 + Σ_pairings [remote login (site pairing) + 1 datastore lookup + ⌈N/100⌉ VM list pages + ⌈N/20⌉ configure POSTs + ⌈N/100⌉ task polls], ' +
      'R_pre = R_min − polls − logout, T_task = queued + running. *polls* = GET /tasks + GET /tasks/{id}; request counts include 429-refused requests. ' +
      'History and worker figures are for our worker only (the baselines are plain scripts). ' +
      'Baselines: *java-sample* = per-VM capability lookup, one POST per ≤20 VMs, each task polled on its own every 500 ms; ' +
      '*powershell* = per-VM name lookup and one POST per VM, then each task polled on its own every 5 s; both wait Retry-After on a 429 and repeat.',
    '',
    '#### Goals (issue 7)',
    '',
    '| goal | met | measured |',
    '| --- | --- | --- |',
    ...checkGoals(rows, settings).map(
      (goal) =>
        `| ${goal.goal} | ${goal.met === undefined ? 'not measured' : goal.met ? 'yes' : '**no**'} | ${goal.measured} |`,
    ),
  );
  return lines.join('\n');
}

function endpointLog(rows: ScenarioFigures[]): string {
  const lines = ['', '#### Requests by endpoint', ''];
  for (const row of rows) {
    const entries = Object.entries(row.byEndpoint)
      .sort(([, a], [, b]) => b.count - a.count)
      .map(([endpoint, entry]) => {
        const refused = entry.byStatus['429'] ?? 0;
        return `${endpoint} ${entry.count}${refused ? ` (429: ${refused})` : ''}`;
      });
    const failures = row.failureSamples?.length ? ` — not configured: ${row.failureSamples.join('; ')}` : '';
    lines.push(`- **${row.runner} ${row.size} VMs / ${row.pairings}p**: ${entries.join(', ')}${failures}`);
  }
  return lines.join('\n');
}

export function writeResults(rows: ScenarioFigures[], settings: BenchSettings, started: Date): string[] {
  const directory = settings.outDirectory;
  mkdirSync(directory, { recursive: true });
  const date = started.toISOString().slice(0, 16).replace(':', '-');
  const markdown = `${markdownTable(rows, settings, date)}\n${endpointLog(rows)}\n`;
  const files = {
    json: path.join(directory, `${date}.json`),
    markdown: path.join(directory, `${date}.md`),
    latest: path.join(directory, 'latest.md'),
    chart: path.join(directory, 'latest.svg'),
  };
  writeFileSync(
    files.json,
    `${JSON.stringify({ date: started.toISOString(), settings, goals: checkGoals(rows, settings), scenarios: rows }, null, 2)}\n`,
  );
  writeFileSync(files.markdown, markdown);
  writeFileSync(files.latest, markdown);
  writeFileSync(files.chart, renderChart(rows));
  return Object.values(files);
}

const README_START = '<!-- bench:start -->';
const README_END = '<!-- bench:end -->';

/**
 * Replaces what stands between `<!-- bench:start -->` and `<!-- bench:end -->` in the README with the latest table
 * and chart. Returns false (and changes nothing) when the README has no such markers.
 */
export function updateReadme(readmeFile: string, resultsDirectory: string): boolean {
  if (!existsSync(readmeFile)) return false;
  const readme = readFileSync(readmeFile, 'utf8');
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) return false;
  const relative = path.relative(path.dirname(readmeFile), resultsDirectory).split(path.sep).join('/');
  const table = readFileSync(path.join(resultsDirectory, 'latest.md'), 'utf8')
    .split('\n#### Requests by endpoint')[0]!
    .trim();
  const block = `${README_START}\n\n${table}\n\n![Wall time and VR requests per VM against campaign size](${relative}/latest.svg)\n\nRequest log by endpoint: [${relative}/latest.md](${relative}/latest.md).\n\n${README_END}`;
  writeFileSync(readmeFile, readme.slice(0, start) + block + readme.slice(end + README_END.length));
  return true;
}
