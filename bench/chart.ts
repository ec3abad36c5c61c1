/**
 * A small hand-written SVG chart: wall time (real minutes, with the lower bound) and VR requests per VM against
 * campaign size, log scales, one line per runner and pairing count (two pairings dashed).
 */
import type { ScenarioFigures } from './figures';
import type { RunnerName } from './settings';

const COLORS: Record<RunnerName | 'lower bound', string> = {
  us: '#1f6fb4',
  'java-sample': '#c62828',
  powershell: '#ef8a00',
  'lower bound': '#777777',
};
const PANEL = { width: 420, height: 280, left: 60, top: 40, gap: 80 };

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

interface Series {
  name: string;
  color: string;
  dashed: boolean;
  points: Array<[number, number]>;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let power = Math.floor(Math.log10(min)); power <= Math.ceil(Math.log10(max)); power++)
    ticks.push(10 ** power);
  return ticks;
}

const label = (value: number): string => (value >= 1 ? value.toLocaleString('en-US') : String(value));

function panel(x0: number, title: string, yTitle: string, series: Series[]): string {
  const all = series.flatMap((line) => line.points);
  if (all.length === 0) return '';
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y).filter((y) => y > 0);
  const xTicks = logTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = logTicks(Math.min(...ys), Math.max(...ys));
  const [xMin, xMax] = [Math.log10(xTicks[0]!), Math.log10(xTicks.at(-1)!)];
  const [yMin, yMax] = [Math.log10(yTicks[0]!), Math.log10(yTicks.at(-1)!)];
  const px = (x: number) =>
    x0 + PANEL.left + ((Math.log10(x) - xMin) / Math.max(1e-9, xMax - xMin)) * PANEL.width;
  const py = (y: number) =>
    PANEL.top +
    PANEL.height -
    ((Math.log10(Math.max(y, yTicks[0]!)) - yMin) / Math.max(1e-9, yMax - yMin)) * PANEL.height;
  const parts: string[] = [
    `<text x="${x0 + PANEL.left + PANEL.width / 2}" y="22" text-anchor="middle" font-weight="bold">${escape(title)}</text>`,
    `<rect x="${x0 + PANEL.left}" y="${PANEL.top}" width="${PANEL.width}" height="${PANEL.height}" fill="none" stroke="#999"/>`,
  ];
  for (const tick of xTicks) {
    const x = px(tick);
    parts.push(
      `<line x1="${x}" y1="${PANEL.top}" x2="${x}" y2="${PANEL.top + PANEL.height}" stroke="#eee"/>`,
      `<text x="${x}" y="${PANEL.top + PANEL.height + 16}" text-anchor="middle">${label(tick)}</text>`,
    );
  }
  for (const tick of yTicks) {
    const y = py(tick);
    parts.push(
      `<line x1="${x0 + PANEL.left}" y1="${y}" x2="${x0 + PANEL.left + PANEL.width}" y2="${y}" stroke="#eee"/>`,
      `<text x="${x0 + PANEL.left - 6}" y="${y + 4}" text-anchor="end">${label(tick)}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + PANEL.left + PANEL.width / 2}" y="${PANEL.top + PANEL.height + 36}" text-anchor="middle">VMs in the campaign</text>`,
    `<text transform="translate(${x0 + 16},${PANEL.top + PANEL.height / 2}) rotate(-90)" text-anchor="middle">${escape(yTitle)}</text>`,
  );
  for (const line of series) {
    const points = [...line.points].sort(([a], [b]) => a - b);
    const path = points
      .map(([x, y], index) => `${index === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`)
      .join(' ');
    parts.push(
      `<path d="${path}" fill="none" stroke="${line.color}" stroke-width="2"${line.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      ...points.map(
        ([x, y]) =>
          `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${line.dashed ? 'white' : line.color}" stroke="${line.color}"/>`,
      ),
    );
  }
  return parts.join('\n');
}

export function renderChart(rows: ScenarioFigures[]): string {
  const groups = new Map<string, ScenarioFigures[]>();
  for (const row of rows) {
    const key = `${row.runner}|${row.pairings}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const lines = (value: (row: ScenarioFigures) => number): Series[] =>
    [...groups.entries()].map(([key, list]) => {
      const [runner, pairings] = key.split('|') as [RunnerName, string];
      return {
        name: `${runner}, ${pairings} pairing${pairings === '1' ? '' : 's'}`,
        color: COLORS[runner],
        dashed: pairings === '2',
        points: list.map((row) => [row.size, value(row)] as [number, number]),
      };
    });
  const minutes = (ms: number) => ms / 60_000;
  const wall = lines((row) => minutes(row.wallRealMs));
  const bounds = new Map<string, [number, number]>();
  for (const row of rows.filter((candidate) => candidate.pairings === 1))
    bounds.set(String(row.size), [row.size, minutes(row.lowerBound.lowerBoundMs)]);
  wall.push({
    name: 'lower bound, 1 pairing',
    color: COLORS['lower bound'],
    dashed: true,
    points: [...bounds.values()],
  });
  const requests = lines((row) => row.requestsPerVm);
  const width = 2 * (PANEL.left + PANEL.width) + PANEL.gap + 30;
  const legendTop = PANEL.top + PANEL.height + 56;
  const legend = wall
    .map((line, index) => {
      const x = 20 + (index % 4) * 250;
      const y = legendTop + Math.floor(index / 4) * 20;
      return `<line x1="${x}" y1="${y}" x2="${x + 30}" y2="${y}" stroke="${line.color}" stroke-width="2"${line.dashed ? ' stroke-dasharray="6 4"' : ''}/><text x="${x + 36}" y="${y + 4}">${escape(line.name)}</text>`;
    })
    .join('\n');
  const height = legendTop + Math.ceil(wall.length / 4) * 20 + 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${panel(0, 'Wall time, real minutes (compressed runs scaled back)', 'minutes', wall)}
${panel(PANEL.left + PANEL.width + PANEL.gap, 'VR requests per VM (incl. task polls)', 'requests per VM', requests)}
${legend}
<text x="20" y="${height - 8}" fill="#555">Generated by npm run bench; log scales. Lower bound: rate limit (100/min per client) and configure task duration.</text>
</svg>
`;
}
