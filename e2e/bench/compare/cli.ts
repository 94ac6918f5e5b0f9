/**
 * `npm run bench:compare`: Peerlab in each mode against Yjs + y-webrtc and a bare Socket.IO broadcast,
 * side by side in one run on this machine (issue 11's method; see run.ts). Writes the run as JSON and the
 * Markdown report with charts (report.ts). A benchmark: it asserts nothing about time.
 *
 *   npm run bench:compare -- [--pages 4,8,16] [--systems yjs,socketio,peerlab-p2p,…] [--name after]
 *                            [--events 200] [--interval 50] [--bytes 100] [--idle 10000] [--flood 5000]
 *                            [--history 50000] [--history-pages 8] [--catchup 1000,10000] [--catchup-pages 4]
 *                            [--out e2e/bench/results] [--before e2e/bench/results/compare-before.json] [--smoke]
 *   npm run bench:compare -- --report AFTER.json [--before BEFORE.json]   (the report only)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { bundlePages } from './bundle.ts';
import { runCatchUp, type CatchUpResult } from './catchUp.ts';
import { runOne, type RunOptions, type RunResult } from './run.ts';
import { writeReport, type ComparisonFile } from './report.ts';
import { SYSTEMS, type SystemName } from './systems.ts';

const REPO_ROOT = new URL('../../..', import.meta.url).pathname;

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function numberOption(name: string, fallback: number): number {
  const text = option(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} takes a number, got ${text}`);
  return value;
}

function systemsOption(): SystemName[] {
  const text = option('systems');
  if (text === undefined) return [...SYSTEMS];
  const names = text.split(',');
  for (const name of names) if (!SYSTEMS.includes(name as SystemName)) throw new Error(`unknown system ${name}; one of ${SYSTEMS.join(', ')}`);
  return names as SystemName[];
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
}

function readComparison(path: string): ComparisonFile {
  return JSON.parse(readFileSync(path, 'utf8')) as ComparisonFile;
}

const progress = (text: string): void => void process.stderr.write(`[bench:compare ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

export interface ComparisonOptions extends Omit<RunOptions, 'pages' | 'progress' | 'history'> {
  readonly sizes: readonly number[];
  readonly systems: readonly SystemName[];
  /** Peerlab p2p again with this many events held by every page (0: not run), at `historyPages`. */
  readonly history: number;
  readonly historyPages: number;
  /** Catch-up runs: events a returning page missed, at `catchUpPages`. */
  readonly catchUp: readonly number[];
  readonly catchUpPages: number;
}

export interface Comparison {
  readonly runs: RunResult[];
  readonly catchUps: CatchUpResult[];
}

/** Runs every system at every size, interleaved so drift in the machine affects them alike; then history and catch-up. */
export async function compare(options: ComparisonOptions, log: (text: string) => void = progress): Promise<Comparison> {
  const pagesDir = await bundlePages();
  const runs: RunResult[] = [];
  const catchUps: CatchUpResult[] = [];
  for (const pages of options.sizes) {
    for (const system of options.systems) {
      log(`${system} with ${pages} pages…`);
      runs.push(await runOne(system, pagesDir, { ...options, history: 0, pages, progress: log }));
    }
  }
  if (options.history > 0) {
    log(`peerlab-p2p with ${options.historyPages} pages holding ${options.history} events…`);
    runs.push(await runOne('peerlab-p2p', pagesDir, { ...options, pages: options.historyPages, progress: log }));
  }
  for (const missing of options.catchUp) {
    log(`catch-up of ${missing} events with ${options.catchUpPages} pages…`);
    catchUps.push(await runCatchUp(pagesDir, options.catchUpPages, missing, log));
  }
  return { runs, catchUps };
}

async function main(): Promise<void> {
  const outDir = resolve(option('out') ?? join(REPO_ROOT, 'e2e/bench/results'));
  mkdirSync(outDir, { recursive: true });
  const beforePath = option('before');
  const reportOnly = option('report');
  if (reportOnly) {
    const path = writeReport(outDir, readComparison(reportOnly), beforePath ? readComparison(beforePath) : undefined);
    progress(`report: ${path}`);
    return;
  }
  const smoke = process.argv.includes('--smoke');
  const options: ComparisonOptions = {
    sizes: (option('pages') ?? (smoke ? '2' : '4,8,16')).split(',').map(Number),
    systems: systemsOption(),
    events: numberOption('events', smoke ? 10 : 200),
    intervalMs: numberOption('interval', 50),
    bytes: numberOption('bytes', 100),
    idleMs: numberOption('idle', smoke ? 1_000 : 10_000),
    floodMs: numberOption('flood', smoke ? 1_000 : 5_000),
    patienceMs: numberOption('patience', 30_000),
    history: numberOption('history', smoke ? 0 : 50_000),
    historyPages: numberOption('history-pages', 8),
    catchUp: (option('catchup') ?? (smoke ? '' : '1000,10000')).split(',').filter(Boolean).map(Number),
    catchUpPages: numberOption('catchup-pages', 4),
  };
  const name = option('name') ?? (smoke ? 'smoke' : 'run');
  const { runs, catchUps } = await compare(options);
  const file: ComparisonFile = { name, at: new Date().toISOString(), commit: commit(), machine: `${cpus().length} cores, ${process.platform}, Node ${process.version}`, options: { ...options }, runs, catchUps };
  const jsonPath = join(outDir, `compare-${name}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(file, null, 2)}\n`);
  progress(`results: ${jsonPath}`);
  if (!smoke) progress(`report: ${writeReport(outDir, file, beforePath ? readComparison(beforePath) : undefined)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
