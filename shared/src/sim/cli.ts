/**
 * `npm run sim -- [options]`: the command-line edge of the simulator. The only place that reads argv,
 * writes files, measures wall time or exits: bad options exit with code 2 and a message on stderr.
 */
import { writeFileSync } from 'node:fs';
import { informedChart } from './chart.ts';
import { parseOptions, USAGE, type SimOptions } from './options.ts';
import { simulate, type SimReport } from './simulate.ts';

/** Wall time between progress lines on stderr; long runs only. */
const PROGRESS_EVERY_MS = 2000;

function describe(options: SimOptions): string {
  if (options.protocol === 'rumor') return `rumor mongering (${options.mode}, ${options.removal}, ${options.interest}, k=${options.k})`;
  if (options.protocol === 'peerlab') return `Peerlab engine (${options.events} event(s), degree ${options.degree}, signatures stand-in)`;
  return `anti-entropy ${options.protocol}`;
}

function text(report: SimReport): string {
  const fmt = (value: unknown): string => (typeof value === 'number' ? String(Number(value.toPrecision(4))) : String(value));
  return Object.entries(report)
    .filter(([key]) => key !== 'informedByRound')
    .map(([key, value]) => `${key.padEnd(22)} ${fmt(value)}`)
    .join('\n');
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
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${describe(options)}, ${options.nodes} nodes, ${options.runs} run(s), seed ${options.seed}\n${text(report)}\n`);
  if (options.svg !== undefined) {
    writeFileSync(options.svg, informedChart(report.informedByRound, `${describe(options)}, n = ${options.nodes}`));
    process.stderr.write(`sim: chart written to ${options.svg}\n`);
  }
  process.stderr.write(`sim: done in ${((performance.now() - started) / 1000).toFixed(2)} s wall time\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
