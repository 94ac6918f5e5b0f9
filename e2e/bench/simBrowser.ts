/**
 * The simulator in Chromium against the simulator in Node, side by side, same options and seed:
 * `npx tsx e2e/bench/simBrowser.ts [nodes,nodes,…] [-- CLI options]` (default 10000,100000 and
 * `--protocol peerlab`). Each size runs first in Node (`npm run sim`, its own reported wall time), then in
 * the `/sim` page's Web Worker (the page's reported wall time, simulate() alone), one after the other so
 * they do not share the CPU, and checks both produced the same numbers. A benchmark, not a test: it prints
 * wall times and asserts nothing about them.
 */
import { spawnSync } from 'node:child_process';
import { chromium } from '@playwright/test';
import { systemChromium } from '../browser.ts';
import { ServerProcess } from '../server.ts';
import { parseOptions } from '../../shared/src/sim/index.ts';
import { formFromOptions, queryFromForm } from '../../client/src/lib/sim/simForm.ts';

const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const dash = process.argv.indexOf('--');
const sizes = (process.argv[2] && process.argv[2] !== '--' ? process.argv[2] : '10000,100000').split(',').map(Number);
const extra = dash >= 0 ? process.argv.slice(dash + 1) : ['--protocol', 'peerlab'];

interface Side {
  /** simulate() alone, as each side reports it. */
  readonly wallS: number;
  readonly roundsTo100: number | null;
  readonly messagesPerNode: number;
}

function inNode(argv: readonly string[]): Side {
  const child = spawnSync('npx', ['tsx', 'shared/src/sim/cli.ts', ...argv, '--json'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (child.status !== 0) throw new Error(`npm run sim failed: ${child.stderr}`);
  const report = JSON.parse(child.stdout) as { roundsTo100: number | null; messagesPerNode: number };
  const wall = /done in ([\d.]+) s wall time/.exec(child.stderr);
  return { wallS: wall ? Number(wall[1]) : Number.NaN, roundsTo100: report.roundsTo100, messagesPerNode: report.messagesPerNode };
}

async function main(): Promise<void> {
  const server = new ServerProcess();
  await server.start();
  const executablePath = systemChromium();
  const browser = await chromium.launch(executablePath ? { executablePath } : {});
  const rows: string[] = [];
  try {
    for (const nodes of sizes) {
      const argv = [...extra, '--nodes', String(nodes)];
      const parsed = parseOptions(argv);
      if (!parsed.ok) throw new Error(parsed.error);
      process.stderr.write(`n = ${nodes}: Node…\n`);
      const node = inNode(argv);
      process.stderr.write(`n = ${nodes}: Chromium…\n`);
      const page = await browser.newPage();
      await page.goto(`${server.url}/sim?${queryFromForm(formFromOptions(parsed.value))}&run=1`);
      const result = page.getByTestId('sim-result').first();
      await result.waitFor({ timeout: 15 * 60_000 });
      const wallMs = Number(await result.getAttribute('data-wall-ms'));
      const rounds = await result.getAttribute('data-rounds-to-100');
      const messages = Number(await result.getAttribute('data-messages-per-node'));
      await page.close();
      const same = String(node.roundsTo100 ?? '') === rounds && node.messagesPerNode === messages;
      rows.push(`${argv.join(' ').padEnd(40)} Node ${node.wallS.toFixed(1).padStart(6)} s   Chromium ${(wallMs / 1000).toFixed(1).padStart(6)} s   same numbers: ${same}`);
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    }
  } finally {
    await browser.close();
    await server.dispose();
  }
  console.log(rows.join('\n'));
}

await main();
