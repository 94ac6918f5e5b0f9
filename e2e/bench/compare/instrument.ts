/**
 * What every benchmarked page carries, whatever system it runs, installed before any of its scripts
 * (`addInitScript`): counters of the bytes it sends over data channels and WebSockets, the two arrival
 * clocks of each benchmark message (data level, when the system's own hook calls `delivered`; on screen,
 * when a `chat-message` element showing it is added), and the in-page writers the harness starts. The same
 * code measures Yjs, the bare Socket.IO page and Peerlab, so their numbers compare.
 *
 * A benchmark message is any text holding `[[k:N]]`; N identifies it across pages.
 */

/** What a system's page provides once ready (its adapter installs it as `window.__app`). */
export interface BenchApp {
  /** Writes one chat message (synchronously: the system takes it from here). */
  write(text: string): void;
  /** Direct peer links open now (WebRTC data channels). */
  links(): number;
  /** Joined/connected and ready to write. */
  ready(): boolean;
}

export interface BenchCounters {
  readonly dcBytes: number;
  readonly dcMessages: number;
  readonly wsBytes: number;
  readonly wsMessages: number;
}

/** One page's view of the benchmark messages: k -> arrival time (epoch ms, sub-ms precision). */
export interface BenchArrivals {
  readonly data: readonly (readonly [number, number])[];
  readonly screen: readonly (readonly [number, number])[];
  /** k -> when this page wrote it. */
  readonly sent: readonly (readonly [number, number])[];
}

export interface BenchPage {
  readonly counters: BenchCounters;
  /** Epoch ms with sub-millisecond precision, comparable across the machine's processes. */
  now(): number;
  /** The system's data-level hook: a message entered this page's state. */
  delivered(text: string): void;
  /** First time this page had `target` links or more (epoch ms), once it has. */
  linkedAt: number | undefined;
  /** Starts watching `__app.links()` for `target`. */
  watchLinks(target: number): void;
  /** Writes message k at epoch time `at` for each item. */
  schedule(items: readonly { readonly k: number; readonly at: number }[], pad: number): void;
  /** Writes as fast as the page can for `ms`, messages k = first, first + stride, …; resolves to how many. */
  flood(first: number, stride: number, ms: number, pad: number): Promise<number>;
  arrivals(): BenchArrivals;
  /** How many benchmark messages reached this page's state so far. */
  deliveredCount(): number;
  /** How many benchmark messages this page has drawn as a chat message. */
  shownCount(): number;
  /** Forgets arrivals (between phases). */
  clear(): void;
}

declare global {
  interface Window {
    __app?: BenchApp;
    __bench?: BenchPage;
  }
}

/** Runs in the page before anything else. Must be self-contained: Playwright sends its source text. */
export function instrumentPage(): void {
  const counters = { dcBytes: 0, dcMessages: 0, wsBytes: 0, wsMessages: 0 };
  const size = (data: unknown): number => (typeof data === 'string' ? data.length : ((data as { byteLength?: number; size?: number }).byteLength ?? (data as { size?: number }).size ?? 0));
  if (typeof RTCDataChannel !== 'undefined') {
    const send = RTCDataChannel.prototype.send;
    RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
      counters.dcBytes += size(data);
      counters.dcMessages++;
      return send.call(this, data);
    } as typeof send;
  }
  const wsSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data: never) {
    counters.wsBytes += size(data);
    counters.wsMessages++;
    return wsSend.call(this, data);
  } as typeof wsSend;

  const now = (): number => performance.timeOrigin + performance.now();
  const marker = /\[\[k:(\d+)\]\]/;
  const data = new Map<number, number>();
  const screen = new Map<number, number>();
  const sent = new Map<number, number>();
  const keyOf = (text: string | null | undefined): number | undefined => {
    const match = text ? marker.exec(text) : null;
    return match ? Number(match[1]) : undefined;
  };
  const textFor = (k: number, pad: number): string => `[[k:${k}]] ${'x'.repeat(Math.max(0, pad))}`;
  const app = (): BenchApp => {
    if (!window.__app) throw new Error('the page has no __app yet');
    return window.__app;
  };
  // A macrotask, not a microtask: the page keeps receiving and drawing between two writes.
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  const yieldTask = (): Promise<void> =>
    new Promise((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(0);
    });

  const bench: BenchPage = {
    counters,
    now,
    delivered(text) {
      const k = keyOf(text);
      if (k !== undefined && !data.has(k)) data.set(k, now());
    },
    linkedAt: undefined,
    watchLinks(target) {
      const check = (): void => {
        const current = window.__app;
        if (current && current.ready() && current.links() >= target) {
          bench.linkedAt = now();
          clearInterval(timer);
        }
      };
      const timer = setInterval(check, 20);
      check();
    },
    schedule(items, pad) {
      for (const { k, at } of items) {
        setTimeout(() => {
          sent.set(k, now());
          app().write(textFor(k, pad));
        }, Math.max(0, at - now()));
      }
    },
    async flood(first, stride, ms, pad) {
      const end = now() + ms;
      let written = 0;
      for (let k = first; now() < end; k += stride) {
        sent.set(k, now());
        app().write(textFor(k, pad));
        written++;
        await yieldTask();
      }
      return written;
    },
    arrivals() {
      return { data: [...data], screen: [...screen], sent: [...sent] };
    },
    deliveredCount: () => data.size,
    shownCount: () => screen.size,
    clear() {
      data.clear();
      screen.clear();
      sent.clear();
    },
  };
  window.__bench = bench;

  // On screen: a chat-message element showing a benchmark message was added (any system's page).
  const seen = (node: Node): void => {
    if (!(node instanceof Element)) return;
    const items = node.matches('[data-testid="chat-message"]') ? [node] : node.querySelectorAll('[data-testid="chat-message"]');
    for (const item of items) {
      const k = keyOf(item.textContent);
      if (k !== undefined && !screen.has(k)) screen.set(k, now());
    }
  };
  new MutationObserver((records) => {
    for (const record of records) for (const node of record.addedNodes) seen(node);
  }).observe(document, { childList: true, subtree: true });
}
