/**
 * `npm run sim -- [options]`: the command-line edge of the simulator. The only place that reads argv,
 * writes files, measures wall time or exits: bad options exit with code 2 and a message on stderr.
 */
import { writeFileSync } from 'node:fs';
import { informedChart } from './chart.ts';
import { describeOptions, informedCurves } from './labels.ts';
import { parseOptions, USAGE, type SimOptions } from './options.ts';
import { simulate, type SimReport } from './simulate.ts';

/** Wall time between progress lines on stderr; long runs only. */
const PROGRESS_EVERY_MS = 2000;

function text(report: SimReport): string {
  const fmt = (value: unknown): string => (typeof value === 'number' ? String(Number(value.toPrecision(4))) : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  const lines = Object.entries(report)
    .filter(([key]) => key !== 'informedByRound' && key !== 'comparison')
    .map(([key, value]) => `${key.padEnd(22)} ${fmt(value)}`);
  for (const variant of report.comparison ?? []) {
    lines.push(`compared: ${variant.label}: deliveryRatio ${fmt(variant.deliveryRatio)}, residue ${fmt(variant.residue)}, timeTo99Ms ${fmt(variant.timeTo99Ms)}, timeTo100Ms ${fmt(variant.timeTo100Ms)}, messagesPerNode ${fmt(variant.messagesPerNode)}`);
  }
  return lines.join('\n');
}

/** The chart: rounds for the classic epidemics, virtual seconds for the engine (with the compared runs). */
function chart(options: SimOptions, report: SimReport): string {
  const curves = informedCurves(options, report);
  return informedChart(curves.series, `${describeOptions(options)}, n = ${options.nodes}`, curves.xLabel, curves.step);
}

function main(argv: readonly string[]): number {
  const parsed = parseOptions(argv);
  if (!parsed.ok) {
    process.stderr.write(`sim: ${parsed.error}\n${USAGE}\n`);
    return 2;
  }
  const options = parsed.value;
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = performance.now();
  let lastProgress = started;
  const report = simulate(options, (run, runs, detail) => {
    const now = performance.now();
    if (now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    process.stderr.write(`sim: run ${run + 1}/${runs}${detail ? `, ${detail}` : ''} (${((now - started) / 1000).toFixed(1)} s)\n`);
  });
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${describeOptions(options)}, ${options.nodes} nodes, ${options.runs} run(s), seed ${options.seed}\n${text(report)}\n`);
  if (options.svg !== undefined) {
    writeFileSync(options.svg, chart(options, report));
    process.stderr.write(`sim: chart written to ${options.svg}\n`);
  }
  process.stderr.write(`sim: done in ${((performance.now() - started) / 1000).toFixed(2)} s wall time\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
