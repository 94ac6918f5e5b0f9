/**
 * `npm run bench:sim`: simulated deliveries per second and peak memory, for push rumor mongering at
 * n = 1e4 and 1e5 and for the real engine at the sizes given by PEERLAB_SIZES (fixed graph) and OVERLAY_SIZES. Wall-clock numbers, so
 * printed, never asserted. Each case runs in this process one after another; peak memory is sampled
 * after every run (rss, heapUsed) and is therefore a lower bound of the true peak.
 */
import { seededRng } from '../ports/rng.ts';
import { runPeerlab } from './peerlab.ts';
import { runRumor } from './rumor.ts';
import type { RunResult } from './runResult.ts';

/** Engine sizes to try over a fixed graph; 1e5 takes about 45 s of CPU (2026-11, 2 shared cores). */
const PEERLAB_SIZES = (process.env.PEERLAB_SIZES ?? '1000,10000,100000').split(',').map(Number);
/** Sizes for the engine's own overlay, which also pays for rosters, peer exchange and rewiring (3 s of warm-up). */
const OVERLAY_SIZES = (process.env.OVERLAY_SIZES ?? '10000').split(',').map(Number);
/** Rumor runs per size, so short runs are not dominated by timer resolution. */
const RUMOR_RUNS = 20;

interface Row {
  readonly name: string;
  readonly nodes: number;
  readonly seconds: number;
  readonly deliveriesPerSecond: number;
  readonly rssMb: number;
  readonly heapMb: number;
}

/** Deliveries a run made: first receptions other than the writer's. */
type Once = () => number;

function measure(name: string, nodes: number, runs: number, once: Once): Row {
  globalThis.gc?.();
  let rss = 0;
  let heap = 0;
  let deliveries = 0;
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    deliveries += once();
    const memory = process.memoryUsage();
    rss = Math.max(rss, memory.rss);
    heap = Math.max(heap, memory.heapUsed);
  }
  const seconds = (performance.now() - started) / 1000;
  return { name, nodes, seconds, deliveriesPerSecond: deliveries / seconds, rssMb: rss / 2 ** 20, heapMb: heap / 2 ** 20 };
}

function delivered(result: RunResult): number {
  return result.nodes - result.susceptible - 1;
}

const rows: Row[] = [];
for (const nodes of [1e4, 1e5]) {
  const rng = seededRng(1);
  rows.push(measure('rumor push feedback counter k=4', nodes, RUMOR_RUNS, () => delivered(runRumor({ nodes, direction: 'push', removal: 'feedback', interest: 'counter', k: 4 }, rng))));
  process.stderr.write(`bench: rumor n=${nodes} done\n`);
}
for (const graph of ['fixed', 'overlay'] as const) {
  for (const nodes of graph === 'fixed' ? PEERLAB_SIZES : OVERLAY_SIZES) {
    rows.push(measure(`peerlab engine, 1 event, degree 6, ${graph}`, nodes, 1, () => runPeerlab({ nodes, events: 1, degree: 6, graph }, seededRng(1)).deliveries));
    process.stderr.write(`bench: peerlab ${graph} n=${nodes} done\n`);
  }
}

const header = ['protocol', 'nodes', 'wall s', 'deliveries/s', 'peak rss MB', 'peak heap MB'];
const table = rows.map((r) => [r.name, String(r.nodes), r.seconds.toFixed(2), Math.round(r.deliveriesPerSecond).toLocaleString('en'), r.rssMb.toFixed(0), r.heapMb.toFixed(0)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
process.stdout.write(`${[line(header), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)].join('\n')}\n`);
