/**
 * The server path at classroom size, measured as issue 11 does: N pages (default 8), each its own browser
 * context, over two Chromium processes; `--events` chat events (~100 B) sent `--interval` ms apart from
 * rotating pages, then every page writing as fast as it can for `--flood` ms. Runs, one after the other,
 * a bare Socket.IO broadcast relay (the baseline) and Peerlab in client-server and hybrid, and reports for
 * each: latency to the last page (p50/p95/max, at data level: when the event enters each page's state),
 * events/s fully delivered during the flood, what the server wrote to its WebSockets per delivery (a
 * preload counts every byte, serverBytes.ts) and by Socket.IO event and engine message (/metrics),
 * relayed bytes, the server's refusals by reason and the machine's CPU.
 *
 *   npm run bench:server -- [--pages 8] [--events 200] [--interval 50]
 *     [--flood 5000] [--targets bare,client-server,hybrid] [--cpu-prof DIR] [--json FILE]
 *     [--server-log DIR]   (the Peerlab server's log at debug level, one file per target: refusals with their detail)
 *     [--page-profile]     (a CDP CPU profile of the last page over both phases: where a receiving page's time went)
 *
 * A Peerlab target may name server variants after its mode: `client-server+deflate` runs the server with
 * PEERLAB_WS_DEFLATE=1 (WebSocket compression), so two variants can be compared in one run.
 *
 * A benchmark, not a test: it asserts nothing; compare the targets of one run, never two runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { systemChromium } from '../browser.ts';
import { ServerProcess } from '../server.ts';
import { summarise, type CpuProfile, type ProfileLine } from './cpuProfile.ts';

/** `bare`, or a Peerlab mode with optional `+variant`s (`client-server+deflate`). */
type Target = string;
type Mode = 'client-server' | 'hybrid';

const VARIANTS: Readonly<Record<string, Readonly<Record<string, string>>>> = { deflate: { PEERLAB_WS_DEFLATE: '1' } };

function modeOf(target: Target): Mode {
  return target.split('+')[0] as Mode;
}

function variantEnv(target: Target): Record<string, string> {
  return Object.assign({}, ...target.split('+').slice(1).map((variant) => VARIANTS[variant]));
}

interface Options {
  readonly pages: number;
  readonly events: number;
  readonly intervalMs: number;
  readonly floodMs: number;
  readonly targets: readonly Target[];
  readonly cpuProfDir: string | undefined;
  readonly pageProfile: boolean;
  readonly json: string | undefined;
  readonly serverLogDir: string | undefined;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const targets = (value('targets') ?? 'bare,client-server,hybrid').split(',') as Target[];
  for (const target of targets) {
    const [mode, ...variants] = target.split('+');
    if (target !== 'bare' && (!['client-server', 'hybrid'].includes(mode!) || variants.some((variant) => !VARIANTS[variant]))) throw new Error(`unknown target ${target}`);
  }
  return {
    pages: Number(value('pages') ?? 8),
    events: Number(value('events') ?? 200),
    intervalMs: Number(value('interval') ?? 50),
    floodMs: Number(value('flood') ?? 5000),
    targets,
    cpuProfDir: value('cpu-prof'),
    pageProfile: process.argv.includes('--page-profile'),
    json: value('json'),
    serverLogDir: value('server-log'),
  };
}

const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const PRELOAD = new URL('./serverBytes.ts', import.meta.url).pathname;
const BARE_RELAY = new URL('./bareRelay.ts', import.meta.url).pathname;
const CHROMIUM_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** How long the benchmark waits for every page to hold everything after a phase. */
const DRAIN_TIMEOUT_MS = 90_000;

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, Math.max(0, ms)));

/** A chat text of about 100 bytes that names its phase and number. */
function benchText(tag: string): string {
  return `${tag} `.padEnd(100, 'x');
}

// ---- the machine's CPU, from /proc/stat ----

function cpuTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((sum, n) => sum + n, 0);
  return { busy: total - idle, total };
}

function cpuSince(start: { busy: number; total: number }): number {
  const now = cpuTicks();
  return Math.round((100 * (now.busy - start.busy)) / Math.max(1, now.total - start.total));
}

// ---- what runs the room: the bare relay or a Peerlab server, both with the byte-counting preload ----

interface Backend {
  readonly url: string;
  websocketBytes(): Promise<number>;
  metrics(): Promise<string>;
  /** What the server logged (Peerlab only). */
  log(): string;
  stop(): Promise<void>;
}

async function bytesFrom(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  return ((await response.json()) as { websocketBytes: number }).websocketBytes;
}

async function startPeerlab(options: Options, target: Target): Promise<Backend> {
  const bytesPort = await freePort();
  // One folder per target: node writes a profile per thread (tsx's loader runs in a worker), the main one
  // is the largest.
  const profile = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(options.cpuProfDir, target)}`] : [];
  const server = new ServerProcess({ nodeArgs: [...profile, '--import', PRELOAD], env: { PEERLAB_BENCH_BYTES_PORT: String(bytesPort), LOG_LEVEL: options.serverLogDir ? 'debug' : 'warn', ...variantEnv(target) } });
  await server.start();
  return {
    url: server.url,
    websocketBytes: () => bytesFrom(bytesPort),
    metrics: () => server.metrics(),
    log: () => server.log.join(''),
    stop: () => server.dispose(),
  };
}

async function startBare(): Promise<Backend> {
  const port = await freePort();
  const bytesPort = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--import', PRELOAD, BARE_RELAY], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), PEERLAB_BENCH_BYTES_PORT: String(bytesPort) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ready, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) ready();
    });
    child.once('exit', (code) => fail(new Error(`bare relay exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    websocketBytes: () => bytesFrom(bytesPort),
    metrics: async () => '',
    log: () => '',
    stop: async () => {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// ---- pages ----

/** What a page's hook recorded: each bench text it holds and when it entered its state (page clock = this machine's). */
type Held = readonly (readonly [string, number])[];

interface PageDriver {
  readonly page: Page;
  /** Writes one chat text now. */
  send(text: string): Promise<void>;
  /** Writes as fast as it can for `ms`, texts tagged `tag:n`; resolves to how many it wrote. */
  flood(tag: string, ms: number): Promise<number>;
  /** How many texts starting with `prefix` it holds. */
  count(prefix: string): Promise<number>;
  held(prefix: string): Promise<Held>;
  /** The server's refusals this page was told about, by reason. */
  refusals(): Promise<Record<string, number>>;
  /** This page's links to the other members, by kind and reason (`relay:timeout`), as its member list shows them. */
  links(): Promise<Record<string, number>>;
}

/** In-page: write as fast as the page can, yielding a macrotask between writes so sockets flush and messages arrive. */
const FLOOD_LOOP = `async (write, tag, ms) => {
  const pad = (t) => (t + ' ').padEnd(100, 'x');
  const channel = new MessageChannel();
  const yieldNow = () => new Promise((done) => { channel.port1.onmessage = () => done(); channel.port2.postMessage(0); });
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) { write(pad(tag + ':' + n)); n++; await yieldNow(); }
  return n;
}`;

function peerlabPage(page: Page): PageDriver {
  return {
    page,
    send: (text) => page.evaluate((t) => void window.peerlab!.sendChat(t), text),
    flood: (tag, ms) => page.evaluate(([loop, t, m]) => (0, eval)(loop)((text: string) => window.peerlab!.sendChat(text), t, m) as Promise<number>, [FLOOD_LOOP, tag, ms] as const),
    count: (prefix) => page.evaluate((p) => (window as unknown as { benchHeld: (p: string) => [string, number][] }).benchHeld(p).length, prefix),
    held: (prefix) => page.evaluate((p) => (window as unknown as { benchHeld: (p: string) => [string, number][] }).benchHeld(p), prefix),
    refusals: () => page.evaluate(() => ({ ...((window.peerlab as unknown as { serverRefusals: Record<string, number> }).serverRefusals ?? {}) })),
    links: () =>
      page.evaluate(() => {
        const counts: Record<string, number> = {};
        for (const member of (window.peerlab as unknown as { members: { link: string; reason?: string }[] }).members) {
          const key = member.reason ? `${member.link}:${member.reason}` : member.link;
          counts[key] = (counts[key] ?? 0) + 1;
        }
        return counts;
      }),
  };
}

/**
 * The data-level hook: the page's trace marks when events enter its state (`held`); texts are looked up
 * once asked, so the hook itself costs a push per event.
 */
async function hookPeerlab(page: Page): Promise<void> {
  await page.evaluate(() => {
    type Session = { trace: { subscribe(listener: (record: { dir: string; at: number; eventIds?: string[] }) => void): void }; describeEvent(id: string): { text?: string } | undefined };
    const session = window.peerlab as unknown as Session;
    const held: [string, number][] = [];
    const texts = new Map<string, [string, number]>();
    session.trace.subscribe((record) => {
      if (record.dir === 'held' && record.eventIds) for (const id of record.eventIds) held.push([id, record.at]);
    });
    (window as unknown as { benchHeld: (prefix: string) => [string, number][] }).benchHeld = (prefix) => {
      for (const [id, at] of held.splice(0)) {
        const text = session.describeEvent(id)?.text;
        if (text !== undefined && !texts.has(text)) texts.set(text, [text, at]);
      }
      return [...texts.values()].filter(([text]) => text.startsWith(prefix));
    };
  });
}

function barePage(page: Page): PageDriver {
  const held = (prefix: string) => page.evaluate((p) => (window as unknown as { bare: { held(): [string, number][] } }).bare.held().filter(([t]) => t.startsWith(p)), prefix);
  return {
    page,
    send: (text) => page.evaluate((t) => void (window as unknown as { bare: { send(t: string): void } }).bare.send(t), text),
    flood: (tag, ms) => page.evaluate(([loop, t, m]) => (0, eval)(loop)((text: string) => (window as unknown as { bare: { send(t: string): void } }).bare.send(text), t, m) as Promise<number>, [FLOOD_LOOP, tag, ms] as const),
    count: async (prefix) => (await held(prefix)).length,
    held,
    refusals: async () => ({}),
    links: async () => ({}),
  };
}

async function waitUntil(check: () => Promise<boolean>, label: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(250);
  }
  process.stderr.write(`  gave up waiting: ${label}\n`);
  return false;
}

async function openPages(browsers: readonly Browser[], backend: Backend, target: Target, n: number): Promise<PageDriver[]> {
  const room = `bench${Date.now() % 1_000_000}`;
  const drivers: PageDriver[] = [];
  for (let i = 0; i < n; i++) {
    const context = await browsers[i % browsers.length]!.newContext();
    const page = await context.newPage();
    page.on('pageerror', (error) => process.stderr.write(`  page ${i}: ${error.message}\n`));
    if (target === 'bare') {
      await page.goto(backend.url, { timeout: 120_000 });
      await page.waitForFunction(() => (window as unknown as { bare?: { connected(): boolean } }).bare?.connected() === true, undefined, { timeout: 120_000 });
      drivers.push(barePage(page));
      continue;
    }
    await page.goto(`${backend.url}/?room=${room}&name=p${i}`, { timeout: 120_000 });
    await page.getByTestId('server-status').filter({ hasText: 'connected' }).waitFor({ timeout: 120_000 });
    if (i === 0) {
      await page.evaluate((mode) => window.peerlab!.switchMode(mode as never), modeOf(target));
      await page.getByTestId('mode').filter({ hasText: modeOf(target) }).waitFor({ timeout: 60_000 });
    }
    drivers.push(peerlabPage(page));
  }
  if (target !== 'bare') {
    for (const driver of drivers) await driver.page.getByTestId('mode').filter({ hasText: modeOf(target) }).waitFor({ timeout: 30_000 });
    if (modeOf(target) === 'hybrid') {
      await waitUntil(async () => (await Promise.all(drivers.map((d) => d.page.evaluate(() => window.peerlab!.debug.directPeers().length)))).every((links) => links >= 1), 'every page has a direct link', 60_000);
    }
    for (const driver of drivers) await hookPeerlab(driver.page);
  }
  return drivers;
}

// ---- measuring ----

interface Latency {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly delivered: number;
  readonly written: number;
}

/** For each text: when its author held it, and when the last page did (undefined if some page never did). */
function deliveries(held: readonly Held[]): Map<string, { at: number; last: number | undefined; holders: number }> {
  const byText = new Map<string, { at: number; last: number; holders: number }>();
  for (const page of held) {
    for (const [text, at] of page) {
      const entry = byText.get(text);
      if (!entry) byText.set(text, { at, last: at, holders: 1 });
      else {
        entry.at = Math.min(entry.at, at);
        entry.last = Math.max(entry.last, at);
        entry.holders++;
      }
    }
  }
  const result = new Map<string, { at: number; last: number | undefined; holders: number }>();
  for (const [text, entry] of byText) result.set(text, { ...entry, last: entry.holders === held.length ? entry.last : undefined });
  return result;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function latency(held: readonly Held[], written: number): Latency {
  const delays = [...deliveries(held).values()].filter((d) => d.last !== undefined).map((d) => d.last! - d.at).sort((a, b) => a - b);
  return { p50: percentile(delays, 50), p95: percentile(delays, 95), max: delays[delays.length - 1] ?? NaN, delivered: delays.length, written };
}

/** Samples of one Prometheus metric, by their label text. */
function samples(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (match && match[1] === name) found.set(match[2] ?? '', Number(match[3]));
  }
  return found;
}

function diffSamples(before: string, after: string, name: string): Record<string, number> {
  const start = samples(before, name);
  const out: Record<string, number> = {};
  for (const [labels, value] of samples(after, name)) {
    const delta = value - (start.get(labels) ?? 0);
    if (delta !== 0) out[labels || '(total)'] = delta;
  }
  return out;
}

interface PhaseResult {
  readonly latency: Latency;
  readonly seconds: number;
  readonly websocketBytes: number;
  readonly bytesPerDelivery: number;
  readonly cpuPercent: number;
  readonly sentBytes: Record<string, number>;
  readonly relayBytes: number;
  readonly rejections: Record<string, number>;
  readonly eventsPerSecond?: number;
}

interface TargetResult {
  readonly target: Target;
  readonly pages: number;
  readonly steady: PhaseResult;
  readonly flood: PhaseResult;
  readonly pageRefusals: Record<string, number>;
  /** Each page's links at the end, by kind and reason. */
  readonly pageLinks: Record<string, number>[];
}

async function measurePhase(
  drivers: readonly PageDriver[],
  backend: Backend,
  prefix: string,
  run: () => Promise<number>,
): Promise<PhaseResult> {
  const metricsBefore = await backend.metrics();
  const bytesBefore = await backend.websocketBytes();
  const cpu = cpuTicks();
  const started = Date.now();
  const written = await run();
  await waitUntil(async () => (await Promise.all(drivers.map((d) => d.count(prefix)))).every((n) => n >= written), `${written} ${prefix} events on every page`, DRAIN_TIMEOUT_MS);
  const seconds = (Date.now() - started) / 1000;
  const cpuPercent = cpuSince(cpu);
  const held = await Promise.all(drivers.map((d) => d.held(prefix)));
  const websocketBytes = (await backend.websocketBytes()) - bytesBefore;
  const metricsAfter = await backend.metrics();
  const result = latency(held, written);
  const lastDelivery = Math.max(...[...deliveries(held).values()].map((d) => d.last ?? 0));
  return {
    latency: result,
    seconds,
    websocketBytes,
    bytesPerDelivery: Math.round(websocketBytes / Math.max(1, result.delivered * (drivers.length - 1))),
    cpuPercent,
    sentBytes: diffSamples(metricsBefore, metricsAfter, 'peerlab_sent_bytes_total'),
    relayBytes: diffSamples(metricsBefore, metricsAfter, 'peerlab_relay_bytes_total')['(total)'] ?? 0,
    rejections: diffSamples(metricsBefore, metricsAfter, 'peerlab_rejections_total'),
    ...(prefix.startsWith('f') ? { eventsPerSecond: Math.round(result.delivered / Math.max(0.001, (lastDelivery - started) / 1000)) } : {}),
  };
}

/** Starts a CDP CPU profile of `page`; the returned function stops it and gives its top functions as a table. */
async function startPageProfile(page: Page): Promise<() => Promise<string>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
    const { spanMs, bySelf, byTotal } = summarise(profile, 30);
    const rows = (lines: readonly ProfileLine[]): string => lines.map((line) => `| ${Math.round(line.selfMs)} | ${Math.round(line.totalMs)} | ${line.name} |`).join('\n');
    return `${Math.round(spanMs)} ms profiled\n| self ms | total ms | function |\n|---|---|---|\n${rows(bySelf)}\n\nby total:\n${rows(byTotal)}`;
  };
}

async function runTarget(options: Options, browsers: readonly Browser[], target: Target): Promise<TargetResult> {
  const backend = target === 'bare' ? await startBare() : await startPeerlab(options, target);
  try {
    const drivers = await openPages(browsers, backend, target, options.pages);
    await sleep(1000); // let joins and link-ups settle before the clock starts
    const profiled = options.pageProfile ? await startPageProfile(drivers[drivers.length - 1]!.page) : undefined;
    const steady = await measurePhase(drivers, backend, 's:', async () => {
      const start = Date.now();
      for (let i = 0; i < options.events; i++) {
        await sleep(start + i * options.intervalMs - Date.now());
        void drivers[i % drivers.length]!.send(benchText(`s:${i}`));
      }
      return options.events;
    });
    const flood = await measurePhase(drivers, backend, 'f', async () => {
      const counts = await Promise.all(drivers.map((d, i) => d.flood(`f${i}`, options.floodMs)));
      return counts.reduce((sum, n) => sum + n, 0);
    });
    if (profiled) process.stderr.write(`[${target}] CPU profile of the last page, both phases:\n${await profiled()}\n`);
    const refusals: Record<string, number> = {};
    for (const driver of drivers) for (const [reason, n] of Object.entries(await driver.refusals())) refusals[reason] = (refusals[reason] ?? 0) + n;
    const pageLinks = await Promise.all(drivers.map((driver) => driver.links()));
    for (const driver of drivers) await driver.page.context().close();
    return { target, pages: options.pages, steady, flood, pageRefusals: refusals, pageLinks };
  } finally {
    if (options.serverLogDir && target !== 'bare') {
      mkdirSync(options.serverLogDir, { recursive: true });
      writeFileSync(resolve(options.serverLogDir, `${target}.log`), backend.log());
    }
    await backend.stop();
  }
}

function report(results: readonly TargetResult[]): string {
  const rows = results.map((r) =>
    [
      r.target,
      `${r.steady.latency.p50} / ${r.steady.latency.p95} / ${r.steady.latency.max}`,
      `${r.steady.latency.delivered}/${r.steady.latency.written}`,
      String(r.steady.bytesPerDelivery),
      `${r.steady.cpuPercent} %`,
      String(r.flood.eventsPerSecond ?? ''),
      `${r.flood.latency.p95}`,
      `${r.flood.latency.delivered}/${r.flood.latency.written}`,
      String(r.flood.bytesPerDelivery),
      `${Math.round((r.steady.relayBytes + r.flood.relayBytes) / 1024)} KiB`,
      JSON.stringify({ ...r.steady.rejections, ...Object.fromEntries(Object.entries(r.flood.rejections).map(([k, v]) => [k, v + (r.steady.rejections[k] ?? 0)])) }),
    ].join(' | '),
  );
  return [
    `| target | steady p50 / p95 / max ms | delivered | server B/delivery | CPU | flood events/s | flood p95 ms | flood delivered | flood B/delivery | relayed | refusals |`,
    `|---|---|---|---|---|---|---|---|---|---|---|`,
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });
  const executablePath = systemChromium();
  const launch = () => chromium.launch({ ...(executablePath ? { executablePath } : {}), args: CHROMIUM_ARGS });
  const browsers = [await launch(), await launch()];
  const results: TargetResult[] = [];
  try {
    for (const target of options.targets) {
      process.stderr.write(`${target}: ${options.pages} pages\n`);
      const result = await runTarget(options, browsers, target);
      results.push(result);
      process.stderr.write(`${JSON.stringify(result, null, 1)}\n`);
    }
  } finally {
    for (const browser of browsers) await browser.close();
  }
  console.log(report(results));
  if (options.json) writeFileSync(options.json, `${JSON.stringify({ at: new Date().toISOString(), options, results }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
