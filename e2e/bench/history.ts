/**
 * Does a page's cost grow with the room's history? One real peer page (real Chromium, a real server, a
 * Node peer over real WebRTC sending to it) holding first no history and then `--events` events (50,000
 * by default), measured side by side in one run, `--rounds` times each, alternating:
 * - main-thread time per incoming event: the page's top-level task time between one incoming event
 *   and the next (p50/p95 over the arrivals), from a Chromium trace;
 * - the animation frames (the session's refresh and what Svelte renders after it): p50/p95 duration;
 * - with `--profile`, one more round of each, CPU-profiled instead of traced: the busy time and the top
 *   functions by self time (the client's bundle is minified, so names are its own).
 * The history is generated and signed in Node, then handed to the page through
 * `window.peerlab.debug.restore` (or, on builds without that hook, through the page's IndexedDB and a
 * reload); the Node peer holds the same history, so no catch-up traffic blurs the measurement.
 *
 *   npm run bench:history [-- --events 50000 --incoming 150 --rate 10 --rounds 2 --profile --json FILE]
 *
 * A benchmark, not a test: timings on this shared machine are noisy, so compare within one run (ratios).
 */
import { createPrivateKey, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';
import SimplePeer from 'simple-peer';
import wrtc from '@roamhq/wrtc';
import { io } from 'socket.io-client';
import { fromHex, generateKeyPair, keyPairFromSeed, signingBytes, toHex, PIXEL_COLORS, type SignedEvent, type Signer } from '@peerlab/shared';
import { nodeCryptoSuite } from '@peerlab/shared/node';
import { PeerDriver } from '../../client/src/lib/session/peerDriver.ts';
import { systemChromium } from '../browser.ts';
import { ServerProcess } from '../server.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    incoming: { type: 'string', default: '150' },
    rate: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const HISTORY = Number(values.events);
const INCOMING = Number(values.incoming);
const RATE = Number(values.rate);
const ROUNDS = Number(values.rounds);

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** node:crypto signing: 50,000 signatures in a second or two (tweetnacl would take minutes). */
function fastSigner(label: string): Signer {
  const seed = new Uint8Array(32);
  seed.set(new TextEncoder().encode(label).subarray(0, 32));
  const pair = keyPairFromSeed(seed);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, Buffer.from(fromHex(pair.secretKey).subarray(0, 32))]), format: 'der', type: 'pkcs8' });
  return { publicKey: pair.publicKey, sign: (message) => new Uint8Array(sign(null, message, key)) };
}

/** A room's history by one departed author: mostly chat, a quarter pixels, a few transfers. */
function history(room: string, count: number): SignedEvent[] {
  const signer = fastSigner('history author');
  const events: SignedEvent[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const pick = seq % 100;
    const [kind, body] =
      pick === 0
        ? ['transfer', { from: 'fund', to: `acct${seq % 7}`, amount: 1 }]
        : pick < 25
          ? ['pixel', { x: seq % 16, y: (seq >> 4) % 16, color: PIXEL_COLORS[seq % PIXEL_COLORS.length]! }]
          : ['chat', { text: `history message ${seq}: about a hundred bytes of text, as a class would type them.`, name: 'Alum' }];
    const unsigned = { v: 1, room, author: signer.publicKey, seq, lamport: seq, kind, body };
    events.push({ ...unsigned, sig: toHex(signer.sign(signingBytes(unsigned))) });
  }
  return events;
}

interface PageWindow {
  peerlab?: {
    debug: { restore?(events: readonly SignedEvent[]): void };
    trace: { subscribe(listener: (record: { dir: string; t: string }) => void): () => void };
  };
}

/** Hands the history to the page: the debug hook where the build has it, else IndexedDB and a reload. */
async function seed(page: Page, room: string, events: readonly SignedEvent[]): Promise<void> {
  if (events.length === 0) return;
  // As one JSON string: Playwright's serialiser takes minutes over 50,000 objects, a string goes at once.
  const text = JSON.stringify(events);
  const hooked = await page.evaluate((json) => {
    const restore = (window as unknown as PageWindow).peerlab?.debug.restore;
    if (!restore) return false;
    restore(JSON.parse(json) as SignedEvent[]);
    return true;
  }, text);
  if (hooked) return;
  await page.evaluate(
    async ({ room, json }) => {
      const batch = JSON.parse(json) as SignedEvent[];
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('peerlab', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('events');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const tx = db.transaction('events', 'readwrite');
      batch.forEach((event, i) => tx.objectStore('events').put(event, `${room}\u0000${String(i).padStart(8, '0')}`));
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
    },
    { room, json: text },
  );
  await page.reload();
}

async function eventCount(page: Page): Promise<number> {
  return Number((await page.getByTestId('event-count').innerText()).trim());
}

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summary(samples: readonly number[]): { n: number; p50: number; p95: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { n: sorted.length, p50: round(quantile(sorted, 0.5)), p95: round(quantile(sorted, 0.95)), mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)) };
}

/**
 * From a trace: the page main thread's top-level task time in each interval between two incoming events
 * (marked in the page), and the durations of its animation frames, in ms.
 */
function analyse(trace: { traceEvents: TraceEvent[] }): { perEvent: number[]; frames: number[]; tasks: number[]; breakdown: Record<string, number> } {
  const marks = trace.traceEvents.filter((event) => event.name === 'peerlab-events-in' && (event.ph === 'R' || event.ph === 'I' || event.ph === 'n' || event.ph === 'b'));
  if (marks.length < 2) return { perEvent: [], frames: [], tasks: [], breakdown: {} };
  const { pid, tid } = marks[0]!;
  const onMain = trace.traceEvents.filter((event) => event.pid === pid && event.tid === tid && event.ph === 'X' && event.dur !== undefined);
  // Each task once: the timeline's RunTask (the toplevel category names the same task again), outermost only.
  const tasks: TraceEvent[] = [];
  for (const task of onMain.filter((event) => event.name === 'RunTask').sort((a, b) => a.ts - b.ts)) {
    const last = tasks.at(-1);
    if (!last || task.ts >= last.ts + last.dur!) tasks.push(task);
  }
  const frames = onMain.filter((event) => event.name === 'FireAnimationFrame').map((event) => event.dur! / 1000);
  const times = marks.map((mark) => mark.ts).sort((a, b) => a - b);
  const perEvent = times.slice(0, -1).map(() => 0);
  let i = 0;
  for (const task of [...tasks].sort((a, b) => a.ts - b.ts)) {
    while (i < times.length - 1 && task.ts >= times[i + 1]!) i++;
    if (task.ts < times[0]! || i >= times.length - 1) continue;
    perEvent[i]! += task.dur! / 1000;
  }
  const within = (event: TraceEvent) => event.ts >= times[0]! && event.ts <= times.at(-1)!;
  const breakdown: Record<string, number> = {};
  for (const event of onMain.filter(within)) if (BREAKDOWN.includes(event.name)) breakdown[event.name] = Math.round((breakdown[event.name] ?? 0) + event.dur! / 1000);
  return { perEvent, frames, tasks: tasks.filter(within).map((task) => task.dur! / 1000), breakdown };
}

/** Main-thread work by kind, summed over the arrivals (nested kinds overlap: script inside frames, say). */
const BREAKDOWN = ['FunctionCall', 'FireAnimationFrame', 'EventDispatch', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'MajorGC', 'MinorGC', 'V8.GC_MC_BACKGROUND_MARKING'];

interface CpuProfile {
  readonly nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

/** The profile's busy time (all but idle) and its top functions by self time, in ms. */
function profileSummary(profile: CpuProfile): { busyMs: number; self: [string, number][] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id)!;
    const label = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop() ?? ''}:${node.callFrame.lineNumber}`;
    self.set(label, (self.get(label) ?? 0) + ms);
  });
  const busy = [...self].filter(([label]) => !label.startsWith('(idle)'));
  const top = busy.sort((a, b) => b[1] - a[1]).slice(0, 15);
  return { busyMs: Math.round(busy.reduce((sum, [, ms]) => sum + ms, 0)), self: top.map(([label, ms]) => [label, Math.round(ms)]) };
}

interface RoundResult {
  readonly held: number;
  /** From handing the history to the page until it shows it (restore, first refresh and render). */
  readonly seedMs: number;
  /** From the Node peer's start until the page shows a direct link with it. */
  readonly linkMs: number;
  readonly perEventMs: ReturnType<typeof summary>;
  readonly frameMs: ReturnType<typeof summary>;
  readonly taskMs: ReturnType<typeof summary>;
  /** Main-thread ms by trace event name over the arrivals. */
  readonly breakdownMs: Record<string, number>;
  readonly profile?: ReturnType<typeof profileSummary>;
}

async function round(browser: Browser, server: ServerProcess, held: number, events: (room: string) => SignedEvent[], profile: boolean): Promise<RoundResult> {
  const room = `history${held}x${Date.now() % 1_000_000}`;
  const heldEvents = events(room);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/?room=${room}&name=Page`);
  await page.getByTestId('server-status').filter({ hasText: 'connected' }).waitFor();
  const seeding = Date.now();
  await seed(page, room, heldEvents);
  await page.getByTestId('server-status').filter({ hasText: 'connected' }).waitFor({ timeout: 300_000 });
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="event-count"]')?.textContent) >= n, held, { timeout: 300_000, polling: 500 });
  const seedMs = Date.now() - seeding;

  const pair = generateKeyPair();
  const sender = new PeerDriver(
    {
      room,
      name: 'Sender',
      identity: pair,
      adminPair: generateKeyPair(),
      crypto: nodeCryptoSuite(),
      rtc: { SimplePeer, wrtc, udpOnly: true },
      iceServers: [],
      lastSeq: 0,
      seed: 7,
      serverUrl: server.url,
      io,
      restored: heldEvents,
    },
    { changed: () => {}, notice: () => {}, saveLastSeq: () => {} },
  );
  try {
    const linking = Date.now();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="peer-count"]')?.textContent) >= 1, undefined, { timeout: 300_000, polling: 200 });
    const linkMs = Date.now() - linking;
    const base = await eventCount(page);
    await page.evaluate(() => {
      (window as unknown as PageWindow).peerlab!.trace.subscribe((record) => {
        if (record.dir === 'recv' && record.t === 'events') performance.mark('peerlab-events-in');
      });
    });
    const cdp = profile ? await context.newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    // A trace or a profile, not both: the profiler's own overhead would land in the traced tasks.
    if (!cdp) await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'toplevel'] });
    let written = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        sender.sendChat(`incoming ${++written}`);
        if (written >= INCOMING) {
          clearInterval(timer);
          resolve();
        }
      }, 1000 / RATE);
    });
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="event-count"]')?.textContent) >= n, base + INCOMING, { timeout: 120_000, polling: 100 });
    const cpu = cdp ? ((await cdp.send('Profiler.stop')) as { profile: CpuProfile }).profile : undefined;
    const trace = cdp ? { traceEvents: [] } : (JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] });
    const { perEvent, frames, tasks, breakdown } = analyse(trace);
    return {
      held,
      seedMs,
      linkMs,
      perEventMs: summary(perEvent),
      frameMs: summary(frames),
      taskMs: summary(tasks),
      breakdownMs: breakdown,
      ...(cpu ? { profile: profileSummary(cpu) } : {}),
    };
  } finally {
    sender.close();
    await context.close();
  }
}

async function main(): Promise<void> {
  const server = new ServerProcess();
  await server.start();
  const executablePath = systemChromium();
  const browser = await chromium.launch({ ...(executablePath ? { executablePath } : {}), args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const progress = (text: string): void => void process.stderr.write(`${text}\n`);
  const started = Date.now();
  const cached = new Map<string, SignedEvent[]>();
  const make = (count: number) => (room: string) => {
    const key = `${room}:${count}`;
    if (!cached.has(key)) cached.set(key, history(room, count));
    return cached.get(key)!;
  };
  const results: RoundResult[] = [];
  const profiles: { held: number; seedMs: number; linkMs: number; profile: ReturnType<typeof profileSummary> }[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const held of [0, HISTORY]) {
        progress(`round ${r + 1}: page holding ${held} events, ${INCOMING} incoming at ${RATE}/s`);
        const result = await round(browser, server, held, make(held), false);
        progress(`  per incoming event p50 ${result.perEventMs.p50} ms, p95 ${result.perEventMs.p95} ms; frames p50 ${result.frameMs.p50} ms, p95 ${result.frameMs.p95} ms`);
        results.push(result);
      }
    }
    for (const held of values.profile ? [0, HISTORY] : []) {
      progress(`profile: page holding ${held} events`);
      const { seedMs, linkMs, profile } = await round(browser, server, held, make(held), true);
      profiles.push({ held, seedMs, linkMs, profile: profile! });
    }
  } finally {
    await browser.close();
    await server.dispose();
  }
  const pick = (held: number, field: 'perEventMs' | 'frameMs') => results.filter((result) => result.held === held).map((result) => result[field].p95);
  const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  const ratio = (field: 'perEventMs' | 'frameMs') => Math.round((median(pick(HISTORY, field)) / median(pick(0, field))) * 100) / 100;
  const report = {
    history: HISTORY,
    incoming: INCOMING,
    ratePerSecond: RATE,
    rounds: ROUNDS,
    results,
    profiles,
    p95Ratio: { perIncomingEvent: ratio('perEventMs'), frame: ratio('frameMs') },
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
  const text = JSON.stringify(report, null, 2);
  if (values.json) writeFileSync(values.json, `${text}\n`);
  console.log(text);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
