/**
 * One run of the comparison: one system, N pages (each its own browser context, spread over two Chromium
 * processes), through the phases of issue 11's method:
 *   1. connect: the first page creates the room (and sets the system's mode), the others open together;
 *      time until every page has its links;
 *   2. idle: nobody writes; machine CPU, each page's main-thread time and the bytes it sends;
 *   3. latency: `events` messages of ~`bytes` B, `intervalMs` apart, from rotating pages; time from the
 *      write to the last page, at data level (the system's own hook) and on screen;
 *   4. throughput: every page writes as fast as it can for `floodMs`; messages fully delivered (held by
 *      every page) per second, until the last of them arrived;
 * and records heap per page and the server's bytes. Conditions are polled; arrival times are taken in
 * the pages themselves.
 */
import { historyEvents, preloadHistory } from './history.ts';
import { distribution, MachineCpu, sleep, type Distribution } from './measure.ts';
import { openRoom, waitUntil, type Connect } from './room.ts';
import { SYSTEM_LABELS, type Extras, type RunningSystem, type SystemName } from './systems.ts';

export interface RunOptions {
  readonly pages: number;
  readonly events: number;
  readonly intervalMs: number;
  /** Size of each message's text. */
  readonly bytes: number;
  readonly idleMs: number;
  readonly floodMs: number;
  /** Longest wait for pages to link, or for messages to arrive after the last write. */
  readonly patienceMs: number;
  /** Peerlab only: events every page holds before the idle phase (a long lesson's history). */
  readonly history?: number;
  readonly progress: (text: string) => void;
}

export interface RunResult {
  readonly system: SystemName;
  readonly label: string;
  readonly pages: number;
  readonly at: string;
  /** Events every page held before the idle phase, and how long giving them to the pages took. */
  readonly history: number;
  readonly historyLoadMs?: number;
  readonly connect: Connect;
  readonly idle: {
    readonly seconds: number;
    /** Share of the whole machine (all cores) in use, 0–1. */
    readonly machineCpu: number;
    /** Main-thread task time per second of one page (mean over pages), 0–1 of a core. */
    readonly pageCpu: number;
    /** Bytes one page sends per second over data channels and WebSockets (mean over pages). */
    readonly pageBytesPerSecond: number;
    readonly pageMessagesPerSecond: number;
    /** WebSocket bytes the servers wrote per second. */
    readonly serverBytesPerSecond: number;
    /** HTTP bytes the servers answered per second (a Peerlab page's telemetry polls), apart from the above. */
    readonly serverHttpBytesPerSecond?: number;
  };
  readonly latency: {
    readonly events: number;
    /** Messages held by every page by the end of the phase. */
    readonly delivered: number;
    /** Write to the last page, ms; messages some page never got count as never arriving. */
    readonly data: Distribution;
    readonly screen: Distribution;
    readonly machineCpu: number;
    /** WebSocket bytes the servers wrote during the phase. */
    readonly serverBytes: number;
    /** HTTP bytes they answered during the phase (polls), not in `serverBytes`. */
    readonly serverHttpBytes?: number;
    /** Server bytes per delivery (one message reaching one other page). */
    readonly serverBytesPerDelivery: number;
    readonly extras: Extras;
  };
  readonly throughput: {
    readonly written: number;
    readonly offeredPerSecond: number;
    readonly fullyDelivered: number;
    /** Messages held by every page, per second from the flood's start to the last of them. */
    readonly eventsPerSecond: number;
    readonly machineCpu: number;
    readonly extras: Extras;
  };
  readonly heapMB: { readonly mean: number; readonly max: number };
  readonly errors: readonly string[];
}

/** First message number of the throughput phase, far above the latency phase's. */
const FLOOD_BASE = 1_000_000;
/** How long the latency phase waits, after every page holds every message, for every page to draw them. */
const SCREEN_PATIENCE_MS = 10_000;

function diffExtras(before: Extras, after: Extras): Extras {
  return Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));
}

/** What the system's servers wrote so far: WebSocket frames (the data path) and HTTP answers (polls), apart. */
async function serverBytes(system: RunningSystem): Promise<{ ws: number; http: number }> {
  const counts = await Promise.all(system.servers.map((server) => server.bytesWritten()));
  return { ws: counts.reduce((sum, count) => sum + count.ws, 0), http: counts.reduce((sum, count) => sum + count.http, 0) };
}

/** Arrival at the last page, per message, from every page's arrivals; undefined where some page lacks it. */
function lastArrivals(arrivals: readonly ReadonlyMap<number, number>[], keys: Iterable<number>): Map<number, number | undefined> {
  const out = new Map<number, number | undefined>();
  for (const k of keys) {
    let last: number | undefined = 0;
    for (const page of arrivals) {
      const at = page.get(k);
      if (at === undefined) {
        last = undefined;
        break;
      }
      last = Math.max(last, at);
    }
    out.set(k, last);
  }
  return out;
}

export async function runOne(name: SystemName, pagesDir: string, options: RunOptions): Promise<RunResult> {
  const { pages: n, progress } = options;
  const room = await openRoom(name, pagesDir, n, options.patienceMs);
  const { system, all, pages, errors, connect } = room;
  try {
    const first = all[0]!;
    progress(`${name} ×${n}: linked ${connect.allLinkedMs === null ? 'never' : `${Math.round(connect.allLinkedMs)} ms`}`);
    const history = options.history && name.startsWith('peerlab') ? options.history : 0;
    let historyLoadMs: number | undefined;
    if (history > 0) {
      progress(`${name} ×${n}: giving every page ${history} events`);
      historyLoadMs = await preloadHistory(pages, historyEvents(room.name, history), 180_000);
      progress(`${name} ×${n}: history held everywhere after ${Math.round(historyLoadMs)} ms`);
    }
    await sleep(2_000);

    // 2. Idle.
    const cpu = new MachineCpu();
    const metricsBefore = await Promise.all(all.map((page) => page.metrics()));
    const countersBefore = await Promise.all(all.map((page) => page.counters()));
    const serverBefore = await serverBytes(system);
    cpu.start();
    const idleStart = Date.now();
    await sleep(options.idleMs);
    const idleSeconds = (Date.now() - idleStart) / 1000;
    const idleCpu = cpu.stop();
    const metricsAfter = await Promise.all(all.map((page) => page.metrics()));
    const countersAfter = await Promise.all(all.map((page) => page.counters()));
    const serverAfter = await serverBytes(system);
    const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    const idle = {
      seconds: idleSeconds,
      machineCpu: idleCpu,
      pageCpu: mean(all.map((_, i) => (metricsAfter[i]!.taskSeconds - metricsBefore[i]!.taskSeconds) / idleSeconds)),
      pageBytesPerSecond: mean(all.map((_, i) => (countersAfter[i]!.dcBytes + countersAfter[i]!.wsBytes - countersBefore[i]!.dcBytes - countersBefore[i]!.wsBytes) / idleSeconds)),
      pageMessagesPerSecond: mean(all.map((_, i) => (countersAfter[i]!.dcMessages + countersAfter[i]!.wsMessages - countersBefore[i]!.dcMessages - countersBefore[i]!.wsMessages) / idleSeconds)),
      serverBytesPerSecond: (serverAfter.ws - serverBefore.ws) / idleSeconds,
      serverHttpBytesPerSecond: (serverAfter.http - serverBefore.http) / idleSeconds,
    };
    progress(`${name} ×${n}: idle CPU ${(idle.machineCpu * 100).toFixed(0)} %, ${Math.round(idle.pageBytesPerSecond)} B/s per page`);

    // 3. Latency.
    await Promise.all(all.map((page) => page.clear()));
    const extrasBefore = await system.extras(pages);
    const serverBeforeLatency = await serverBytes(system);
    const t0 = (await first.now()) + 1_000;
    await Promise.all(
      all.map((page, i) => {
        const items = Array.from({ length: options.events }, (_, k) => ({ k, at: t0 + k * options.intervalMs })).filter(({ k }) => k % n === i);
        return page.page.evaluate(({ items, pad }) => window.__bench!.schedule(items, pad), { items, pad: options.bytes - 12 });
      }),
    );
    cpu.start();
    const writesEnd = t0 + options.events * options.intervalMs;
    await sleep(Math.max(0, writesEnd - Date.now()));
    await waitUntil(async () => (await Promise.all(pages.map((page) => page.evaluate(() => window.__bench!.deliveredCount())))).every((count) => count >= options.events), options.patienceMs, 100);
    // A page draws what it holds on its next refresh, which a busy Peerlab page paces up to a second apart:
    // read the arrivals only once every page has also drawn them (or after a bounded wait, leaving the rest
    // infinite in the screen column rather than missing).
    await waitUntil(async () => (await Promise.all(pages.map((page) => page.evaluate(() => window.__bench!.shownCount())))).every((count) => count >= options.events), SCREEN_PATIENCE_MS, 100);
    const latencyCpu = cpu.stop();
    const serverAfterLatency = await serverBytes(system);
    const extrasAfter = await system.extras(pages);
    const arrivals = await Promise.all(all.map((page) => page.arrivals()));
    const sentAt = new Map(arrivals.flatMap((page) => page.sent));
    const keys = [...sentAt.keys()];
    const latencyOf = (which: 'data' | 'screen'): number[] => {
      const last = lastArrivals(arrivals.map((page) => new Map(page[which])), keys);
      return keys.map((k) => {
        const at = last.get(k);
        return at === undefined ? Number.POSITIVE_INFINITY : at - sentAt.get(k)!;
      });
    };
    const dataLatency = latencyOf('data');
    const deliveries = options.events * (n - 1);
    const latency = {
      events: options.events,
      delivered: dataLatency.filter(Number.isFinite).length,
      data: distribution(dataLatency),
      screen: distribution(latencyOf('screen')),
      machineCpu: latencyCpu,
      serverBytes: serverAfterLatency.ws - serverBeforeLatency.ws,
      serverHttpBytes: serverAfterLatency.http - serverBeforeLatency.http,
      serverBytesPerDelivery: deliveries > 0 ? (serverAfterLatency.ws - serverBeforeLatency.ws) / deliveries : 0,
      extras: diffExtras(extrasBefore, extrasAfter),
    };
    progress(`${name} ×${n}: p95 ${latency.data.p95.toFixed(0)} ms (${latency.delivered}/${options.events} everywhere)`);

    // 4. Throughput.
    await Promise.all(all.map((page) => page.clear()));
    const floodExtrasBefore = await system.extras(pages);
    const floodStart = (await first.now()) + 500;
    cpu.start();
    const written = (
      await Promise.all(
        all.map((page, i) =>
          page.page.evaluate(
            async ({ first, stride, ms, pad, start }) => {
              await new Promise((resolve) => setTimeout(resolve, Math.max(0, start - window.__bench!.now())));
              return window.__bench!.flood(first, stride, ms, pad);
            },
            { first: FLOOD_BASE + i, stride: n, ms: options.floodMs, pad: options.bytes - 16, start: floodStart },
          ),
        ),
      )
    ).reduce((a, b) => a + b, 0);
    // Drain: until every page holds everything written, or nothing new arrived for a while.
    let lastTotal = -1;
    let lastProgress = Date.now();
    const drainDeadline = Date.now() + options.patienceMs;
    while (Date.now() < drainDeadline) {
      const counts = await Promise.all(pages.map((page) => page.evaluate(() => window.__bench!.deliveredCount())));
      if (counts.every((count) => count >= written)) break;
      const total = counts.reduce((a, b) => a + b, 0);
      if (total !== lastTotal) {
        lastTotal = total;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > 5_000) break;
      await sleep(250);
    }
    const floodCpu = cpu.stop();
    const floodArrivals = await Promise.all(all.map((page) => page.arrivals()));
    const floodSent = new Map(floodArrivals.flatMap((page) => page.sent));
    const floodLast = lastArrivals(floodArrivals.map((page) => new Map(page.data)), floodSent.keys());
    const full = [...floodLast.values()].filter((at): at is number => at !== undefined);
    const lastFull = full.length > 0 ? Math.max(...full) : floodStart;
    const throughput = {
      written,
      offeredPerSecond: written / (options.floodMs / 1000),
      fullyDelivered: full.length,
      eventsPerSecond: full.length > 0 ? full.length / Math.max(options.floodMs, lastFull - floodStart) * 1000 : 0,
      machineCpu: floodCpu,
      extras: diffExtras(floodExtrasBefore, await system.extras(pages)),
    };
    progress(`${name} ×${n}: ${Math.round(throughput.eventsPerSecond)} events/s fully delivered (${full.length} of ${written})`);

    const heaps = (await Promise.all(all.map((page) => page.metrics()))).map((metrics) => metrics.heapBytes / 1e6);
    return {
      system: name,
      label: SYSTEM_LABELS[name],
      pages: n,
      at: new Date().toISOString(),
      history,
      ...(historyLoadMs === undefined ? {} : { historyLoadMs }),
      connect,
      idle,
      latency,
      throughput,
      heapMB: { mean: mean(heaps), max: Math.max(...heaps) },
      errors,
    };
  } finally {
    await room.close();
  }
}
