/** A hand-written SVG line chart of the fraction of nodes informed over rounds or time; opens in any browser. */

/** Drawing area, in SVG units. */
const WIDTH = 640;
const HEIGHT = 400;
/** Room for the axes' labels. */
const MARGIN = 50;
/** Line colours, one per series (readable on white and for the common colour blindnesses). */
const COLOURS = ['#1f6feb', '#d1242f', '#8250df', '#1a7f37'];

export interface Series {
  readonly label: string;
  /** Fraction informed at each point; points are `step` x-units apart. */
  readonly fractions: readonly number[];
}

/** `step`: x-units per point (1 for rounds; the round length in seconds for time). */
export function informedChart(series: readonly Series[], title: string, xLabel = 'round', step = 1): string {
  const points = Math.max(1, ...series.map((s) => s.fractions.length - 1));
  const xMax = points * step;
  const x = (value: number): number => MARGIN + (value / xMax) * (WIDTH - 2 * MARGIN);
  const y = (fraction: number): number => HEIGHT - MARGIN - fraction * (HEIGHT - 2 * MARGIN);
  const lines = series.map((s, i) => {
    const path = s.fractions.map((f, r) => `${x(r * step).toFixed(1)},${y(f).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="2" points="${path}"/>`;
  });
  const legend = series.length < 2 ? [] : series.map((s, i) => `<line x1="${MARGIN + 10}" y1="${MARGIN + 14 + 16 * i}" x2="${MARGIN + 30}" y2="${MARGIN + 14 + 16 * i}" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="2"/><text x="${MARGIN + 36}" y="${MARGIN + 18 + 16 * i}">${escapeXml(s.label)}</text>`);
  const xTicks = niceTicks(xMax).map((t) => `<line x1="${x(t)}" y1="${HEIGHT - MARGIN}" x2="${x(t)}" y2="${HEIGHT - MARGIN + 5}" stroke="#333"/><text x="${x(t)}" y="${HEIGHT - MARGIN + 20}" text-anchor="middle">${Number(t.toPrecision(4))}</text>`);
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<line x1="${MARGIN}" y1="${y(f)}" x2="${WIDTH - MARGIN}" y2="${y(f)}" stroke="#ddd"/><text x="${MARGIN - 8}" y="${y(f) + 4}" text-anchor="end">${Math.round(f * 100)}%</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="14">${escapeXml(title)}</text>
${yTicks.join('\n')}
${xTicks.join('\n')}
<line x1="${MARGIN}" y1="${HEIGHT - MARGIN}" x2="${WIDTH - MARGIN}" y2="${HEIGHT - MARGIN}" stroke="#333"/>
<line x1="${MARGIN}" y1="${MARGIN}" x2="${MARGIN}" y2="${HEIGHT - MARGIN}" stroke="#333"/>
<text x="${WIDTH / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>
<text x="14" y="${HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 14 ${HEIGHT / 2})">fraction of nodes informed</text>
${lines.join('\n')}
${legend.join('\n')}
</svg>
`;
}

/** About ten round-numbered ticks from 0 to max (steps of 1, 2 or 5 times a power of ten). */
export function niceTicks(max: number): number[] {
  const raw = max / 10;
  const power = 10 ** Math.floor(Math.log10(raw > 0 ? raw : 1));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? power * 10;
  const ticks: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += step) ticks.push(t);
  return ticks;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
