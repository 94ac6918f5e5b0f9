/**
 * `npm run bench:sim [-- --base DIR]`: what the simulator costs. Wall-clock numbers, so printed, never
 * asserted (run it under the shared lock: it times things).
 *
 * 1. In this process, one case after another: simulated deliveries per second and peak memory for push
 *    rumor mongering at n = 1e4 and 1e5 and for the real engine at PEERLAB_SIZES (fixed graph) and
 *    OVERLAY_SIZES. Peak memory is sampled after every run (rss, heapUsed), so a lower bound.
 * 2. The goal of issue 11, as users run it: `npm run sim -- --protocol peerlab --nodes 100000` (the
 *    engine's own overlay) and the same with `--graph fixed`, each in its own process, with its wall time
 *    as a ratio to 60 s and its peak resident set; then the default command at MEMORY_SIZES, for memory
 *    per node. `--base DIR` runs each command in DIR too (another checkout of this repository with its
 *    packages installed or linked, e.g. `git archive main | tar -x -C DIR` and a symlinked node_modules),
 *    alternating with this tree, and prints this tree's wall time as a ratio to DIR's. SIM_GOALS=0 skips 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRng } from '../ports/rng.ts';
import { runPeerlab } from './peerlab.ts';
import { runRumor } from './rumor.ts';
import type { RunResult } from './runResult.ts';

/** Engine sizes to try over a fixed graph in this process (10^5 is the goal command below, in its own). */
const PEERLAB_SIZES = (process.env.PEERLAB_SIZES ?? '1000,10000').split(',').map(Number);
/** Sizes for the engine's own overlay, which also pays for rosters, peer exchange and rewiring (3 s of warm-up). */
const OVERLAY_SIZES = (process.env.OVERLAY_SIZES ?? '10000').split(',').map(Number);
/** Rumor runs per size, so short runs are not dominated by timer resolution. */
const RUMOR_RUNS = 20;
/** Issue 11's goal: each goal command within this wall time. */
const GOAL_SECONDS = 60;
/** Nodes of the goal commands. */
const GOAL_NODES = Number(process.env.GOAL_NODES ?? 100_000);
/** Sizes the default command also runs at, so peak memory per node can be compared with the goal's. */
const MEMORY_SIZES = (process.env.MEMORY_SIZES ?? '10000,30000').split(',').filter(Boolean).map(Number);

const THIS_TREE = new URL('../../..', import.meta.url).pathname;

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

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function inProcess(): string {
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
  return table(header, rows.map((r) => [r.name, String(r.nodes), r.seconds.toFixed(2), Math.round(r.deliveriesPerSecond).toLocaleString('en'), r.rssMb.toFixed(0), r.heapMb.toFixed(0)]));
}

interface Timed {
  readonly seconds: number;
  readonly peakRssMb: number;
}

/** `npm run sim -- ...args` in `tree`: its wall time and the peak resident set of its largest process. */
function runCommand(tree: string, args: readonly string[]): Timed {
  const dir = mkdtempSync(join(tmpdir(), 'peerlab-sim-rss-'));
  const rssFile = join(dir, 'rss');
  const preload = join(THIS_TREE, 'shared/src/sim/peakRss.cjs');
  const env = { ...process.env, PEERLAB_PEAK_RSS_FILE: rssFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`.trim() };
  const started = performance.now();
  const child = spawnSync('npm', ['run', '--silent', 'sim', '--', ...args], { cwd: tree, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`npm run sim -- ${args.join(' ')} in ${tree} failed: ${child.stderr}`);
  const kb = readFileSync(rssFile, 'utf8').split('\n').filter(Boolean).map((line) => Number(line.split(' ')[0]));
  rmSync(dir, { recursive: true, force: true });
  return { seconds, peakRssMb: Math.max(...kb) / 1024 };
}

function commands(base: string | undefined): string {
  const goal = (extra: readonly string[]) => ['--protocol', 'peerlab', '--nodes', String(GOAL_NODES), ...extra];
  const cases: { readonly args: readonly string[]; readonly goal: boolean }[] = [
    { args: goal([]), goal: true },
    { args: goal(['--graph', 'fixed']), goal: true },
    ...MEMORY_SIZES.map((nodes) => ({ args: ['--protocol', 'peerlab', '--nodes', String(nodes)], goal: false })),
  ];
  const trees = base === undefined ? [THIS_TREE] : [base, THIS_TREE];
  const header = ['npm run sim --', 'tree', 'wall s', `÷ ${GOAL_SECONDS} s`, ...(base ? ['÷ base'] : []), 'peak rss MB', 'kB / node'];
  const rows: string[][] = [];
  for (const { args, goal } of cases) {
    const nodes = Number(args[args.indexOf('--nodes') + 1]);
    const results: Timed[] = [];
    for (const tree of trees) {
      process.stderr.write(`bench: npm run sim -- ${args.join(' ')} in ${tree}\n`);
      const timed = runCommand(tree, args);
      results.push(timed);
      const ratioToBase = base === undefined ? [] : [tree === base ? '' : (timed.seconds / results[0]!.seconds).toFixed(2)];
      rows.push([args.join(' '), tree === THIS_TREE ? 'this' : 'base', timed.seconds.toFixed(1), goal ? (timed.seconds / GOAL_SECONDS).toFixed(2) : '', ...ratioToBase, timed.peakRssMb.toFixed(0), ((timed.peakRssMb * 1024) / nodes).toFixed(1)]);
    }
  }
  return table(header, rows);
}

const baseFlag = process.argv.indexOf('--base');
const base = baseFlag >= 0 ? process.argv[baseFlag + 1] : undefined;
if (baseFlag >= 0 && base === undefined) throw new Error('--base needs a directory');
const sections = [inProcess()];
if (process.env.SIM_GOALS !== '0') sections.push(commands(base));
process.stdout.write(`${sections.join('\n\n')}\n`);
