/**
 * What an idle room costs: N peer pages (each its own browser context, spread over two Chromium
 * processes, like the suite's fixtures), a real server, nobody writing. After the room has linked up and
 * settled it measures, over a window:
 * - CPU: each page's main thread (CDP Performance.getMetrics TaskDuration and ScriptDuration deltas),
 *   this run's processes (browsers and server, from /proc) and the whole machine;
 * - bytes and messages each page sends, by link kind and message type (the page's own message trace);
 * - optionally a CDP CPU profile of one page, summed by function.
 * The table goes to stdout and e2e/artifacts/bench/idle.md, profiles to e2e/artifacts/bench/*.cpuprofile.
 *
 * `--base REF` runs another revision (e.g. `main`) side by side, alternating with the working tree at each
 * N, so the two are compared within one run. A benchmark, not a test: it prints numbers, asserts nothing.
 *
 *   npm run bench:idle -- --pages 2,4,8,16 --seconds 30 --base main --profile
 *   options: --mode p2p|client-server|hybrid (p2p), --warmup S (10), --browsers B (2), --json FILE
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import { systemChromium } from '../browser.ts';
import { ServerProcess } from '../server.ts';
import { checkout } from './baseline.ts';
import { summarise, type CpuProfile, type ProfileLine } from './cpuProfile.ts';
import { cpuBetween, machineCpu, treeCpu } from './procCpu.ts';

interface Options {
  readonly pages: readonly number[];
  readonly seconds: number;
  readonly warmup: number;
  readonly mode: 'p2p' | 'client-server' | 'hybrid';
  readonly browsers: number;
  readonly base: string | undefined;
  readonly profile: boolean;
  readonly json: string | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at === -1 ? undefined : argv[at + 1];
  };
  const mode = value('mode') ?? 'p2p';
  if (mode !== 'p2p' && mode !== 'client-server' && mode !== 'hybrid') throw new Error(`--mode ${mode}: p2p, client-server or hybrid`);
  return {
    pages: (value('pages') ?? '2,4,8').split(',').map(Number),
    seconds: Number(value('seconds') ?? 30),
    warmup: Number(value('warmup') ?? 10),
    mode,
    browsers: Number(value('browsers') ?? 2),
    base: value('base'),
    profile: argv.includes('--profile'),
    json: value('json'),
  };
}

const LAUNCH_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ARTIFACTS = new URL('../artifacts/bench/', import.meta.url).pathname;

interface TypeCount {
  messages: number;
  bytes: number;
}
/** Sends by link kind, then message type. */
type SendCounts = Record<string, Record<string, TypeCount>>;

interface PageResult {
  readonly taskSecondsPerSecond: number;
  readonly scriptSecondsPerSecond: number;
  /** Style recalculation and layout: drawing's share of the main thread. */
  readonly renderSecondsPerSecond: number;
  readonly sent: SendCounts;
  readonly directPeers: number;
}

interface RunResult {
  readonly variant: string;
  readonly pages: number;
  readonly mode: string;
  readonly seconds: number;
  /** Busy share of the whole machine (all cores) over the window, 0..1. */
  readonly machineCpu: number;
  /** This run's browsers and server, as a share of the machine. */
  readonly runCpu: number;
  readonly serverCpu: number;
  /** Means per page. */
  readonly pageTaskPerSecond: number;
  readonly pageScriptPerSecond: number;
  readonly pageRenderPerSecond: number;
  readonly peerBytesPerSecond: number;
  readonly peerMessagesPerSecond: number;
  readonly serverLinkBytesPerSecond: number;
  /** Per page and second, over peer links (direct and relay), by message type. */
  readonly peerByType: Record<string, { messages: number; bytes: number }>;
  readonly directPeers: readonly number[];
  readonly profile?: { readonly spanMs: number; readonly bySelf: ProfileLine[]; readonly byTotal: ProfileLine[] };
}

const log = (text: string): void => void process.stderr.write(`[idle] ${text}\n`);
const CORES = cpus().length;

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.getByTestId('server-status').filter({ hasText: 'connected' }).waitFor({ timeout: 60_000 });
  return page;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function runOne(variant: string, root: string | undefined, pages: number, options: Options): Promise<RunResult> {
  const server = new ServerProcess(root === undefined ? {} : { root });
  await server.start();
  const executablePath = systemChromium();
  const browsers: Browser[] = [];
  for (let i = 0; i < Math.min(options.browsers, pages); i++) browsers.push(await chromium.launch({ ...(executablePath ? { executablePath } : {}), args: LAUNCH_ARGS }));
  try {
    const room = `idle${pages}${variant.replace(/[^a-z0-9]/gi, '')}${Date.now() % 100000}`;
    const opened: Page[] = [];
    for (let i = 0; i < pages; i++) {
      const context = await browsers[i % browsers.length]!.newContext();
      opened.push(await openPage(context, `${server.url}/?room=${room}&name=p${i}`));
    }
    if (options.mode !== 'p2p') await opened[0]!.evaluate((mode) => window.peerlab?.switchMode(mode), options.mode);
    const linkedAt = Math.min(pages - 1, 4);
    await waitFor(
      `${pages} pages in ${options.mode}, linked`,
      async () => {
        for (const page of opened) {
          if ((await page.getByTestId('mode').innerText()).trim() !== options.mode) return false;
          if (options.mode !== 'client-server' && Number((await page.getByTestId('peer-count').innerText()).trim()) < linkedAt) return false;
        }
        return true;
      },
      120_000,
    );
    log(`${variant}, ${pages} pages: linked; settling ${options.warmup} s`);
    await new Promise((resolve) => setTimeout(resolve, options.warmup * 1000));

    const sessions: CDPSession[] = [];
    for (const page of opened) {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      sessions.push(cdp);
    }
    for (const page of opened) {
      await page.evaluate(() => {
        const counts: Record<string, Record<string, { messages: number; bytes: number }>> = {};
        const session = window.peerlab as unknown as { trace: { subscribe(listener: (record: { dir: string; kind: string; t: string; bytes: number }) => void): () => void } };
        session.trace.subscribe((record) => {
          if (record.dir !== 'send') return;
          const byType = (counts[record.kind] ??= {});
          const count = (byType[record.t] ??= { messages: 0, bytes: 0 });
          count.messages++;
          count.bytes += record.bytes;
        });
        (window as unknown as { idleBench: typeof counts }).idleBench = counts;
      });
    }
    const profiled = options.profile ? sessions[0] : undefined;
    if (profiled) {
      await profiled.send('Profiler.enable');
      await profiled.send('Profiler.setSamplingInterval', { interval: 500 });
      await profiled.send('Profiler.start');
    }
    const before = await Promise.all(sessions.map(metrics));
    const machineBefore = machineCpu();
    const treeBefore = treeCpu(process.pid);
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, options.seconds * 1000));
    const seconds = (Date.now() - startedAt) / 1000;
    const treeAfter = treeCpu(process.pid);
    const machineAfter = machineCpu();
    const after = await Promise.all(sessions.map(metrics));
    const profile = profiled ? ((await profiled.send('Profiler.stop')) as { profile: CpuProfile }).profile : undefined;
    if (profile) {
      mkdirSync(ARTIFACTS, { recursive: true });
      writeFileSync(join(ARTIFACTS, `idle-${variant.replace(/[^a-z0-9]/gi, '')}-${pages}.cpuprofile`), JSON.stringify(profile));
    }

    const results: PageResult[] = [];
    for (let i = 0; i < opened.length; i++) {
      const page = opened[i]!;
      const sent = (await page.evaluate(() => (window as unknown as { idleBench: SendCounts }).idleBench)) as SendCounts;
      const directPeers = Number((await page.getByTestId('peer-count').innerText()).trim());
      results.push({
        taskSecondsPerSecond: ((after[i]!.TaskDuration ?? 0) - (before[i]!.TaskDuration ?? 0)) / seconds,
        scriptSecondsPerSecond: ((after[i]!.ScriptDuration ?? 0) - (before[i]!.ScriptDuration ?? 0)) / seconds,
        renderSecondsPerSecond: (['RecalcStyleDuration', 'LayoutDuration'] as const).reduce((total, name) => total + ((after[i]![name] ?? 0) - (before[i]![name] ?? 0)), 0) / seconds,
        sent,
        directPeers,
      });
    }
    const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
    const sum = (counts: Record<string, TypeCount> | undefined, key: keyof TypeCount): number => Object.values(counts ?? {}).reduce((total, count) => total + count[key], 0);
    const peerByType: Record<string, { messages: number; bytes: number }> = {};
    for (const result of results) {
      for (const kind of ['direct', 'relay']) {
        for (const [type, count] of Object.entries(result.sent[kind] ?? {})) {
          const entry = (peerByType[type] ??= { messages: 0, bytes: 0 });
          entry.messages += count.messages / seconds / pages;
          entry.bytes += count.bytes / seconds / pages;
        }
      }
    }
    const serverPid = server.pid;
    return {
      variant,
      pages,
      mode: options.mode,
      seconds,
      machineCpu: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
      runCpu: cpuBetween(treeBefore, treeAfter) / seconds / CORES,
      serverCpu: serverPid === undefined ? 0 : cpuBetween(treeBefore, treeAfter, (pid) => pid === serverPid) / seconds / CORES,
      pageTaskPerSecond: mean(results.map((r) => r.taskSecondsPerSecond)),
      pageScriptPerSecond: mean(results.map((r) => r.scriptSecondsPerSecond)),
      pageRenderPerSecond: mean(results.map((r) => r.renderSecondsPerSecond)),
      peerBytesPerSecond: mean(results.map((r) => (sum(r.sent.direct, 'bytes') + sum(r.sent.relay, 'bytes')) / seconds)),
      peerMessagesPerSecond: mean(results.map((r) => (sum(r.sent.direct, 'messages') + sum(r.sent.relay, 'messages')) / seconds)),
      serverLinkBytesPerSecond: mean(results.map((r) => sum(r.sent.server, 'bytes') / seconds)),
      peerByType,
      directPeers: results.map((r) => r.directPeers),
      ...(profile ? { profile: summarise(profile, 15) } : {}),
    };
  } finally {
    for (const browser of browsers) await browser.close();
    await server.dispose();
  }
}

const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(2)}`;

function table(results: readonly RunResult[]): string {
  const lines = [
    '| variant | pages | machine CPU | run CPU (browsers + server) | server | page main thread | page script | page style + layout | peer KB/s sent per page | peer msgs/s per page | server-link KB/s per page |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.variant} | ${r.pages} | ${percent(r.machineCpu)} | ${percent(r.runCpu)} | ${percent(r.serverCpu)} | ${percent(r.pageTaskPerSecond)} | ${percent(r.pageScriptPerSecond)} | ${percent(r.pageRenderPerSecond)} | ${kb(r.peerBytesPerSecond)} | ${r.peerMessagesPerSecond.toFixed(1)} | ${kb(r.serverLinkBytesPerSecond)} |`,
    );
  }
  lines.push('', 'Peer-link traffic per page by message type (bytes/s, messages/s):', '');
  for (const r of results) {
    const types = Object.entries(r.peerByType).sort((a, b) => b[1].bytes - a[1].bytes).map(([type, c]) => `${type} ${c.bytes.toFixed(0)} B/s (${c.messages.toFixed(1)}/s)`);
    lines.push(`- ${r.variant}, ${r.pages} pages: ${types.join(', ') || 'none'}; degrees ${r.directPeers.join(' ')}`);
  }
  for (const r of results) {
    if (!r.profile) continue;
    lines.push('', `CPU profile of one page, ${r.variant}, ${r.pages} pages (${(r.profile.spanMs / 1000).toFixed(0)} s):`, '', '| self ms | total ms | function |', '|---|---|---|');
    for (const line of r.profile.bySelf) lines.push(`| ${line.selfMs.toFixed(0)} | ${line.totalMs.toFixed(0)} | ${line.name} |`);
    lines.push('', '| total ms (inclusive) | function |', '|---|---|');
    for (const line of r.profile.byTotal) lines.push(`| ${line.totalMs.toFixed(0)} | ${line.name} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const variants: { name: string; root: string | undefined }[] = [];
  if (options.base) variants.push({ name: options.base, root: checkout(options.base, log) });
  variants.push({ name: 'working tree', root: undefined });
  const results: RunResult[] = [];
  for (const pages of options.pages) {
    for (const variant of variants) {
      log(`${variant.name}: ${pages} pages, ${options.mode}`);
      results.push(await runOne(variant.name, variant.root, pages, options));
    }
  }
  const report = table(results);
  console.log(report);
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'idle.md'), `${report}\n`);
  if (options.json) writeFileSync(options.json, JSON.stringify({ options, cores: CORES, results }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
