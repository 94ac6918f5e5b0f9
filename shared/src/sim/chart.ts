/** A hand-written SVG line chart of the fraction of nodes informed per round; opens in any browser. */

/** Drawing area, in SVG units. */
const WIDTH = 640;
const HEIGHT = 400;
/** Room for the axes' labels. */
const MARGIN = 50;

export function informedChart(fractions: readonly number[], title: string): string {
  const rounds = Math.max(1, fractions.length - 1);
  const x = (round: number): number => MARGIN + (round / rounds) * (WIDTH - 2 * MARGIN);
  const y = (fraction: number): number => HEIGHT - MARGIN - fraction * (HEIGHT - 2 * MARGIN);
  const points = fractions.map((f, r) => `${x(r).toFixed(1)},${y(f).toFixed(1)}`).join(' ');
  const xTicks = niceTicks(rounds).map((r) => `<line x1="${x(r)}" y1="${HEIGHT - MARGIN}" x2="${x(r)}" y2="${HEIGHT - MARGIN + 5}" stroke="#333"/><text x="${x(r)}" y="${HEIGHT - MARGIN + 20}" text-anchor="middle">${r}</text>`);
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<line x1="${MARGIN}" y1="${y(f)}" x2="${WIDTH - MARGIN}" y2="${y(f)}" stroke="#ddd"/><text x="${MARGIN - 8}" y="${y(f) + 4}" text-anchor="end">${Math.round(f * 100)}%</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="14">${escapeXml(title)}</text>
${yTicks.join('\n')}
${xTicks.join('\n')}
<line x1="${MARGIN}" y1="${HEIGHT - MARGIN}" x2="${WIDTH - MARGIN}" y2="${HEIGHT - MARGIN}" stroke="#333"/>
<line x1="${MARGIN}" y1="${MARGIN}" x2="${MARGIN}" y2="${HEIGHT - MARGIN}" stroke="#333"/>
<text x="${WIDTH / 2}" y="${HEIGHT - 12}" text-anchor="middle">round</text>
<text x="14" y="${HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 14 ${HEIGHT / 2})">fraction of nodes informed</text>
<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="${points}"/>
</svg>
`;
}

function niceTicks(max: number): number[] {
  const step = Math.max(1, Math.ceil(max / 10));
  const ticks: number[] = [];
  for (let r = 0; r <= max; r += step) ticks.push(r);
  return ticks;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
