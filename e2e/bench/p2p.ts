/**
 * Peer-to-peer data plane at classroom size, in real Chromium: N pages (each its own browser context, spread
 * over two Chromium processes), a real server, real WebRTC. Measures
 * - link-up: per page, from its PeerSession starting to its first direct link and to its target degree
 *   (min(N − 1, the overlay's target)), and until every page is linked;
 * - latency: 200 chat events of ~100 B sent 50 ms apart from rotating pages; for each event the time until
 *   each page held it (a trace listener on the page's `held` records, i.e. when the event entered its
 *   store), reported as p50/p95/max to the last page;
 * - throughput: every page writing as fast as it can for 5 s; events fully delivered (held by every page)
 *   per second, until the last of them reached the last page;
 * - counters per event: `events` messages and event copies sent, copies received, duplicates per delivery
 *   (from the same traces), bytes on direct links and through the relay per page.
 * `--profile` records a CDP CPU profile of the last page over both phases and prints where its time went.
 *
 * npm run bench:p2p -- [--pages 4,8,16] [--mode p2p,hybrid] [--events 200] [--flood-ms 5000] [--profile] [--json FILE]
 *
 * Needs the built client (`npm run build`). A benchmark, not a test: it prints numbers and asserts nothing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import { systemChromium } from '../browser.ts';
import { ServerProcess } from '../server.ts';

type Mode = 'p2p' | 'hybrid';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

const PAGES = option('pages', '4,8,16').split(',').map(Number);
const MODES = option('mode', 'p2p,hybrid').split(',') as Mode[];
const EVENTS = Number(option('events', '200'));
const GAP_MS = 50;
const FLOOD_MS = Number(option('flood-ms', '5000'));
const PROFILE = process.argv.includes('--profile');
const TRACE = process.argv.includes('--trace');
const JSON_OUT = option('json', '');
/** The overlay's target degree (the engine's default): a page is linked once it has this many, or N − 1. */
const TARGET_DEGREE = 6;
/** Chat text length: with name, keys and signature the event is ~400 B on the wire, its body ~100 B. */
const TEXT_BYTES = 100;
const ARTIFACTS = new URL('../artifacts/bench/', import.meta.url).pathname;

const CHROMIUM_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface LinkTimes {
  startedAt?: number;
  firstAt?: number;
  linkedAt?: number;
}

interface PageCounters {
  /** `events` messages this page sent on peer links, and bench-event copies in them. */
  eventMessages: number;
  copiesSent: number;
  /** Bench-event copies this page received (valid, before dedup). */
  copiesReceived: number;
  /** key -> when this page held it (wall clock), and when its author sent it. */
  held: Record<string, number>;
  sent: Record<string, number>;
}

interface PageStats {
  readonly duplicates: number;
  readonly traffic: readonly { kind: string; sentMessages: number; sentBytes: number; receivedMessages: number; receivedBytes: number }[];
}

/** Installed before the page's scripts: polls the session's direct links every 10 ms (cheap: a map read). */
function linkWatcher(want: number): void {
  const times: LinkTimes = {};
  (window as unknown as { __link: LinkTimes }).__link = times;
  const timer = setInterval(() => {
    const session = (window as unknown as { peerlab?: { debug: { directPeers(): string[] } } }).peerlab;
    if (!session) return;
    const now = Date.now();
    times.startedAt ??= now;
    const degree = session.debug.directPeers().length;
    if (degree >= 1) times.firstAt ??= now;
    if (degree >= want) {
      times.linkedAt ??= now;
      clearInterval(timer);
    }
  }, 10);
}

/** Subscribes to the page's trace: when each bench event entered the store, and copies sent and received. */
function installCounters(): void {
  interface Session {
    trace: { subscribe(listener: (record: { dir: string; t: string; eventIds?: readonly string[] }) => void): () => void };
    describeEvent(id: string): { text?: string } | undefined;
  }
  const session = (window as unknown as { peerlab: Session }).peerlab;
  const counters: PageCounters = { eventMessages: 0, copiesSent: 0, copiesReceived: 0, held: {}, sent: {} };
  (window as unknown as { __bench: PageCounters }).__bench = counters;
  const benchKey = (id: string): [string, number] | undefined => {
    const text = session.describeEvent(id)?.text;
    if (!text?.startsWith('bench|')) return undefined;
    const [, key, sentAt] = text.split('|');
    return [key!, Number(sentAt)];
  };
  session.trace.subscribe((record) => {
    const now = Date.now();
    if (record.dir === 'held') {
      for (const id of record.eventIds ?? []) {
        const bench = benchKey(id);
        if (bench && counters.held[bench[0]] === undefined) {
          counters.held[bench[0]] = now;
          counters.sent[bench[0]] = bench[1];
        }
      }
      return;
    }
    if (record.t !== 'events') return;
    const ids = record.eventIds ?? [];
    if (record.dir === 'send') {
      counters.eventMessages++;
      for (const id of ids) if (benchKey(id)) counters.copiesSent++;
    } else if (record.dir === 'recv') {
      // A received copy of an event not held yet has no text to read here; count every copy.
      counters.copiesReceived += ids.length;
    }
  });
}

/** Ms from the author's send until the last page held the event; Infinity when some page never did. */
function toLastPage(counters: readonly PageCounters[], key: string): number {
  let last = 0;
  let sent: number | undefined;
  for (const c of counters) {
    const at = c.held[key];
    if (at === undefined) return Number.POSITIVE_INFINITY;
    last = Math.max(last, at);
    sent ??= c.sent[key];
  }
  return last - (sent ?? last);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Machine CPU (both cores) busy fraction over an interval, from /proc/stat. */
function cpuSample(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + (fields[4] ?? 0);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

function cpuBetween(a: { busy: number; total: number }, b: { busy: number; total: number }): number {
  return Math.round((100 * (b.busy - a.busy)) / Math.max(1, b.total - a.total));
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self time per function (top 25) and per script file, from a CDP profile. */
function summarise(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }): { functions: [string, number][]; files: [string, number][] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, micros] of self) {
    const frame = byId.get(id)!.callFrame;
    const file = frame.url.split('/').pop() || '(native)';
    const name = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + micros / 1000);
    files.set(file, (files.get(file) ?? 0) + micros / 1000);
  }
  const top = (map: Map<string, number>, n: number): [string, number][] => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [k, Math.round(v)]);
  return { functions: top(functions, 25), files: top(files, 12) };
}

async function run(browsers: readonly Browser[], server: ServerProcess, pages: number, mode: Mode): Promise<Record<string, unknown>> {
  const room = `bench${mode}${pages}x${Date.now() % 1_000_000}`;
  const want = Math.min(pages - 1, TARGET_DEGREE);
  const contexts: BrowserContext[] = [];
  const opened: Page[] = [];
  const open = async (i: number): Promise<Page> => {
    const context = await browsers[i % browsers.length]!.newContext();
    contexts.push(context);
    // tsx keeps function names with a `__name` helper that the page does not have.
    await context.addInitScript('globalThis.__name = (target) => target;');
    await context.addInitScript(linkWatcher, want);
    const page = await context.newPage();
    await page.goto(`${server.url}/?room=${room}&name=p${i}`);
    await page.waitForFunction(() => (window as unknown as { peerlab?: unknown }).peerlab !== undefined, undefined, { timeout: 60_000 });
    return page;
  };
  // The first page creates the room and holds its admin key; in hybrid it switches before the others join.
  opened.push(await open(0));
  if (mode !== 'p2p') {
    // A page learns it is the room's admin once the server has it; a switch asked before is only a notice.
    await opened[0]!.waitForFunction(() => (window as unknown as { peerlab: { isAdmin: boolean } }).peerlab.isAdmin, undefined, { timeout: 30_000 });
    await opened[0]!.evaluate((m) => (window as unknown as { peerlab: { switchMode(mode: string): void } }).peerlab.switchMode(m), mode);
    await opened[0]!.getByTestId('mode').filter({ hasText: mode }).waitFor();
  }
  opened.push(...(await Promise.all(Array.from({ length: pages - 1 }, (_, i) => open(i + 1)))));
  const linkDeadline = Date.now() + 60_000;
  let links: LinkTimes[] = [];
  while (Date.now() < linkDeadline) {
    links = await Promise.all(opened.map((page) => page.evaluate(() => (window as unknown as { __link: LinkTimes }).__link)));
    if (links.every((times) => times.linkedAt !== undefined)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const started = links.map((times) => times.startedAt ?? Number.NaN);
  const linkedAt = links.map((times) => times.linkedAt ?? Number.NaN);
  const perPageLink = links.map((times) => (times.linkedAt ?? Number.NaN) - (times.startedAt ?? Number.NaN));
  const perPageFirst = links.map((times) => (times.firstAt ?? Number.NaN) - (times.startedAt ?? Number.NaN));
  const linkUp = {
    allLinkedAfterLastStartMs: Math.max(...linkedAt) - Math.max(...started),
    allLinkedAfterFirstStartMs: Math.max(...linkedAt) - Math.min(...started),
    worstPageMs: Math.max(...perPageLink),
    medianPageMs: quantile([...perPageLink].sort((a, b) => a - b), 0.5),
    worstFirstLinkMs: Math.max(...perPageFirst),
    degrees: await Promise.all(opened.map((page) => page.evaluate(() => (window as unknown as { peerlab: { debug: { directPeers(): string[] } } }).peerlab.debug.directPeers().length))),
  };
  process.stderr.write(`[${mode} ${pages}] linked: ${JSON.stringify(linkUp)}\n`);

  await Promise.all(opened.map((page) => page.evaluate(installCounters)));
  const cdps: CDPSession[] = await Promise.all(opened.map((page) => page.context().newCDPSession(page)));
  await Promise.all(cdps.map((cdp) => cdp.send('Performance.enable')));
  const metrics = async (): Promise<Record<string, number>[]> =>
    Promise.all(cdps.map(async (cdp) => Object.fromEntries(((await cdp.send('Performance.getMetrics')).metrics as { name: string; value: number }[]).map((m) => [m.name, m.value]))));
  const readStats = async (): Promise<PageStats[]> =>
    Promise.all(opened.map((page) => page.evaluate(() => {
      const s = (window as unknown as { peerlab: PageStats }).peerlab;
      return { duplicates: s.duplicates, traffic: s.traffic };
    })));
  const profiled = cdps[pages - 1]!;
  if (PROFILE) {
    await profiled.send('Profiler.enable');
    await profiled.send('Profiler.setSamplingInterval', { interval: 200 });
    await profiled.send('Profiler.start');
  }

  if (TRACE) await browsers[0]!.startTracing(undefined, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink', 'cc', 'gpu', 'toplevel', 'webrtc'] });
  // Phase 1: latency. Each page schedules its own share of the stream on its own clock (one machine, one clock).
  const statsBefore = await readStats();
  const metricsBefore = await metrics();
  const tasksBefore = metricsBefore.map((m) => m.TaskDuration ?? 0);
  const cpuBefore = cpuSample();
  const t0 = Date.now() + 500;
  await Promise.all(
    opened.map((page, i) =>
      page.evaluate(
        ({ t0, i, pages, events, gap, width }) => {
          const session = (window as unknown as { peerlab: { sendChat(text: string): boolean } }).peerlab;
          for (let k = i; k < events; k += pages) {
            setTimeout(() => session.sendChat(`bench|s${k}|${Date.now()}|`.padEnd(width, 'x')), Math.max(0, t0 + k * gap - Date.now()));
          }
        },
        { t0, i, pages, events: EVENTS, gap: GAP_MS, width: TEXT_BYTES },
      ),
    ),
  );
  const streamKeys = Array.from({ length: EVENTS }, (_, k) => `s${k}`);
  const heldAll = async (keys: readonly string[], deadline: number): Promise<PageCounters[]> => {
    for (;;) {
      const counters = await Promise.all(opened.map((page) => page.evaluate(() => (window as unknown as { __bench: PageCounters }).__bench)));
      if (Date.now() > deadline || counters.every((c) => keys.every((key) => c.held[key] !== undefined))) return counters;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const streamEnd = t0 + EVENTS * GAP_MS;
  const afterStream = await heldAll(streamKeys, streamEnd + 30_000);
  const cpuStream = cpuBetween(cpuBefore, cpuSample());
  const metricsStream = await metrics();
  if (TRACE) {
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(`${ARTIFACTS}${mode}-${pages}.trace.json`, await browsers[0]!.stopTracing());
  }
  const tasksStream = metricsStream.map((m) => m.TaskDuration ?? 0);
  // Main-thread seconds by kind, summed over pages (CDP Performance metrics): where a page's time goes.
  const mainThread = Object.fromEntries(
    ['ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration', 'TaskDuration'].map((name) => [
      name.replace('Duration', '').toLowerCase(),
      +metricsStream.reduce((sum, m, i) => sum + (m[name] ?? 0) - (metricsBefore[i]![name] ?? 0), 0).toFixed(1),
    ]),
  );
  const statsStream = await readStats();
  // Each visible page's refresh gap at the end of the stream (PeerSession's RefreshPacer).
  const refreshGapsMs = await Promise.all(
    opened.map((page) => page.evaluate(() => Math.round((window as unknown as { peerlab: { debug: { refreshPace(): { gapMs: number } } } }).peerlab.debug.refreshPace().gapMs))),
  );
  const toLast = streamKeys.map((key) => toLastPage(afterStream, key)).sort((a, b) => a - b);
  const delivered = toLast.filter(Number.isFinite).length;
  const copiesSent = afterStream.reduce((sum, c) => sum + c.copiesSent, 0);
  const copiesReceived = afterStream.reduce((sum, c) => sum + c.copiesReceived, 0);
  const eventMessages = afterStream.reduce((sum, c) => sum + c.eventMessages, 0);
  const deliveries = delivered * (pages - 1);
  /** What all pages sent over one link kind, summed: messages or bytes. */
  const sent = (stats: PageStats[], kind: string, what: 'sentMessages' | 'sentBytes') => stats.reduce((sum, s) => sum + (s.traffic.find((row) => row.kind === kind)?.[what] ?? 0), 0);
  const messages = (stats: PageStats[], kind: string) => sent(stats, kind, 'sentMessages');
  const bytes = (stats: PageStats[], kind: string) => sent(stats, kind, 'sentBytes');
  const latency = {
    events: EVENTS,
    deliveredToAll: delivered,
    p50ToLastMs: quantile(toLast, 0.5),
    p95ToLastMs: quantile(toLast, 0.95),
    maxToLastMs: toLast.at(-1),
    over10s: toLast.filter((ms) => ms > 10_000).length,
    eventMessagesPerEvent: +(eventMessages / EVENTS).toFixed(2),
    // Every message over direct links (events, have, prune, graft, reports, their announcements...), room-wide.
    directMessagesPerEvent: +((messages(statsStream, 'direct') - messages(statsBefore, 'direct')) / EVENTS).toFixed(2),
    copiesSentPerEvent: +(copiesSent / EVENTS).toFixed(2),
    copiesReceivedPerEvent: +(copiesReceived / EVENTS).toFixed(2),
    duplicatesPerDelivery: +((copiesReceived - deliveries) / Math.max(1, deliveries)).toFixed(2),
    engineDuplicates: statsStream.reduce((sum, s, i) => sum + s.duplicates - statsBefore[i]!.duplicates, 0),
    directKBPerPage: Math.round((bytes(statsStream, 'direct') - bytes(statsBefore, 'direct')) / pages / 1024),
    relayKBTotal: Math.round((bytes(statsStream, 'relay') - bytes(statsBefore, 'relay')) / 1024),
    serverKBTotal: Math.round((bytes(statsStream, 'server') - bytes(statsBefore, 'server')) / 1024),
    machineCpuPercent: cpuStream,
    pageCpuSeconds: tasksStream.map((t, i) => +(t - tasksBefore[i]!).toFixed(1)),
    mainThreadSeconds: mainThread,
    refreshGapsMs,
  };
  process.stderr.write(`[${mode} ${pages}] stream: ${JSON.stringify(latency)}\n`);

  // Phase 2: throughput. Every page writes as fast as it can, yielding to its event loop between writes.
  const cpuFloodBefore = cpuSample();
  const t1 = Date.now() + 300;
  const written = await Promise.all(
    opened.map((page, i) =>
      page.evaluate(
        ({ t1, i, floodMs, width }) =>
          new Promise<number>((resolve) => {
            const session = (window as unknown as { peerlab: { sendChat(text: string): boolean } }).peerlab;
            const channel = new MessageChannel();
            let n = 0;
            const step = (): void => {
              const now = Date.now();
              if (now >= t1 + floodMs) {
                resolve(n);
                return;
              }
              if (now >= t1) session.sendChat(`bench|f${i}.${n++}|${now}|`.padEnd(width, 'x'));
              channel.port2.postMessage(0);
            };
            channel.port1.onmessage = step;
            setTimeout(step, Math.max(0, t1 - Date.now()));
          }),
        { t1, i, floodMs: FLOOD_MS, width: TEXT_BYTES },
      ),
    ),
  );
  const floodKeys = written.flatMap((n, i) => Array.from({ length: n }, (_, k) => `f${i}.${k}`));
  const afterFlood = await heldAll(floodKeys, t1 + FLOOD_MS + 60_000);
  const cpuFlood = cpuBetween(cpuFloodBefore, cpuSample());
  const floodToLast = floodKeys.map((key) => toLastPage(afterFlood, key));
  const fullyDelivered = floodToLast.filter(Number.isFinite).length;
  // When the last fully delivered flood event reached its last page.
  const complete = floodKeys.filter((_, i) => Number.isFinite(floodToLast[i]!));
  const floodLastFinish = Math.max(t1, ...complete.map((key) => Math.max(...afterFlood.map((c) => c.held[key]!))));
  const throughput = {
    written: floodKeys.length,
    writtenPerSec: Math.round(floodKeys.length / (FLOOD_MS / 1000)),
    fullyDelivered,
    fullyDeliveredPerSec: Math.round(fullyDelivered / ((floodLastFinish - t1) / 1000)),
    drainMsAfterFlood: floodLastFinish - (t1 + FLOOD_MS),
    p95ToLastMs: quantile([...floodToLast].sort((a, b) => a - b), 0.95),
    machineCpuPercent: cpuFlood,
  };
  process.stderr.write(`[${mode} ${pages}] flood: ${JSON.stringify(throughput)}\n`);

  let profile: ReturnType<typeof summarise> | undefined;
  if (PROFILE) {
    const { profile: raw } = (await profiled.send('Profiler.stop')) as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } };
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = `${ARTIFACTS}${mode}-${pages}.cpuprofile`;
    writeFileSync(file, JSON.stringify(raw));
    profile = summarise(raw);
    process.stderr.write(`[${mode} ${pages}] profile of the last page -> ${file}\n${profile.functions.map(([name, ms]) => `  ${String(ms).padStart(6)} ms  ${name}`).join('\n')}\n  by file: ${profile.files.map(([f, ms]) => `${f} ${ms}`).join(', ')}\n`);
  }
  await Promise.all(contexts.map((context) => context.close()));
  return { mode, pages, linkUp, latency, throughput, ...(profile ? { profile } : {}) };
}

async function main(): Promise<void> {
  const server = new ServerProcess();
  await server.start();
  const executablePath = systemChromium();
  const launch = () => chromium.launch({ ...(executablePath ? { executablePath } : {}), args: CHROMIUM_ARGS });
  const browsers = [await launch(), await launch()];
  const results: Record<string, unknown>[] = [];
  try {
    for (const mode of MODES) for (const pages of PAGES) results.push(await run(browsers, server, pages, mode));
  } finally {
    await Promise.all(browsers.map((browser) => browser.close()));
    await server.dispose();
  }
  const text = JSON.stringify(results, null, 2);
  if (JSON_OUT) writeFileSync(JSON_OUT, text);
  console.log(text);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
