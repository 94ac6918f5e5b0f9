/**
 * The systems the comparison runs, behind one interface: the servers each needs, the URL of its page, how
 * its page reports arrivals at data level and what counts as linked. Yjs + y-webrtc and the bare
 * Socket.IO broadcast are what a user would pick instead of Peerlab's p2p and client-server modes.
 */
import type { Page } from '@playwright/test';
import type { Mode } from '../../peer.ts';
import { benchServer, peerlabServer, yWebrtcSignaling, type CountedProcess } from './processes.ts';

export type SystemName = 'yjs' | 'socketio' | 'peerlab-p2p' | 'peerlab-client-server' | 'peerlab-hybrid';
export const SYSTEMS: readonly SystemName[] = ['yjs', 'socketio', 'peerlab-p2p', 'peerlab-client-server', 'peerlab-hybrid'];

export const SYSTEM_LABELS: Readonly<Record<SystemName, string>> = {
  yjs: 'Yjs + y-webrtc',
  socketio: 'bare Socket.IO broadcast',
  'peerlab-p2p': 'Peerlab p2p',
  'peerlab-client-server': 'Peerlab client-server',
  'peerlab-hybrid': 'Peerlab hybrid',
};

/** Degree the Peerlab overlay aims for (`DEFAULT_OVERLAY.target`): a page with that many links (or all others) is linked. */
const PEERLAB_TARGET_DEGREE = 6;

/** Counters a system adds to the common ones (Peerlab: relay bytes, server refusals). */
export type Extras = Record<string, number>;

export interface RunningSystem {
  readonly name: SystemName;
  /** Server processes whose written bytes count as "server bytes". */
  readonly servers: readonly CountedProcess[];
  url(room: string, index: number): string;
  /** After navigation: wait until the page's system is up, then install `window.__app` (and the data-level hook). */
  attach(page: Page): Promise<void>;
  /** Links a page must have to count as linked in a room of `pages`. */
  linkTarget(pages: number): number;
  /** With the first page joined (it created the room): put the room in this system's mode. */
  prepareRoom(first: Page): Promise<void>;
  /** Every page runs in the system's mode (Peerlab: the mode shown on every page). */
  inMode(page: Page): Promise<boolean>;
  /** Counters read at the start and end of a phase; the report shows their difference. */
  extras(pages: readonly Page[]): Promise<Extras>;
  stop(): Promise<void>;
}

export async function startSystem(name: SystemName, pagesDir: string): Promise<RunningSystem> {
  switch (name) {
    case 'yjs':
      return startYjs(pagesDir);
    case 'socketio':
      return startSocketIo(pagesDir);
    case 'peerlab-p2p':
      return startPeerlab(name, 'p2p');
    case 'peerlab-client-server':
      return startPeerlab(name, 'client-server');
    case 'peerlab-hybrid':
      return startPeerlab(name, 'hybrid');
    default:
      return name satisfies never;
  }
}

async function waitForApp(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__app?.ready() === true, undefined, { timeout: 30_000, polling: 20 });
}

async function startYjs(pagesDir: string): Promise<RunningSystem> {
  const [pages, signaling] = await Promise.all([benchServer(pagesDir, false), yWebrtcSignaling()]);
  return {
    name: 'yjs',
    servers: [signaling],
    url: (room) => `${pages.url}/page-yjs.html?room=${room}&signaling=${encodeURIComponent(signaling.url)}`,
    attach: waitForApp,
    linkTarget: (n) => n - 1,
    prepareRoom: async () => {},
    inMode: async () => true,
    extras: async () => ({}),
    stop: async () => {
      await Promise.all([pages.stop(), signaling.stop()]);
    },
  };
}

async function startSocketIo(pagesDir: string): Promise<RunningSystem> {
  const relay = await benchServer(pagesDir, true);
  return {
    name: 'socketio',
    servers: [relay],
    url: () => `${relay.url}/page-socketio.html`,
    attach: waitForApp,
    linkTarget: () => 0,
    prepareRoom: async () => {},
    inMode: async () => true,
    extras: async () => ({}),
    stop: () => relay.stop(),
  };
}

/** Sums a Prometheus counter's samples whose labels match `filter`. */
function counter(metrics: string, name: string, filter: (labels: string) => boolean = () => true): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    const match = /^(\w+)(\{[^}]*\})?\s+([0-9.e+-]+)$/.exec(line);
    if (match && match[1] === name && filter(match[2] ?? '')) total += Number(match[3]);
  }
  return total;
}

async function startPeerlab(name: SystemName, mode: Mode): Promise<RunningSystem> {
  const server = await peerlabServer();
  return {
    name,
    servers: [server],
    url: (room, index) => `${server.url}/?room=${room}&name=P${index}`,
    async attach(page) {
      await page.waitForFunction(() => window.peerlab !== undefined, undefined, { timeout: 30_000, polling: 20 });
      await page.evaluate(() => {
        const session = window.peerlab as unknown as PeerlabSession;
        // Data level: the trace marks events as they enter this peer's state (the `held` record).
        session.trace.subscribe((record) => {
          if (record.dir !== 'held' || !record.eventIds) return;
          for (const id of record.eventIds) {
            const text = session.describeEvent(id)?.text;
            if (text !== undefined) window.__bench?.delivered(text);
          }
        });
        window.__app = {
          write: (text) => void session.sendChat(text),
          links: () => session.debug.directPeers().length,
          ready: () => session.serverStatus === 'connected',
        };
      });
      await waitForApp(page);
    },
    linkTarget: (n) => (mode === 'client-server' ? 0 : Math.min(n - 1, PEERLAB_TARGET_DEGREE)),
    async prepareRoom(first) {
      if (mode === 'p2p') return;
      await first.evaluate((target) => (window.peerlab as unknown as PeerlabSession).switchMode(target), mode);
      await first.waitForFunction((target) => (window.peerlab as unknown as PeerlabSession).mode === target, mode, { timeout: 30_000 });
    },
    inMode: (page) => page.evaluate((target) => (window.peerlab as unknown as PeerlabSession | undefined)?.mode === target, mode),
    async extras(pages) {
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const relayBytes = counter(metrics, 'peerlab_relay_bytes_total');
      const refusals = counter(metrics, 'peerlab_rejections_total');
      const pageRefusals = await Promise.all(pages.map((page) => page.evaluate(() => (window.peerlab as unknown as PeerlabSession | undefined)?.refusedCount ?? 0)));
      return { relayBytes, serverRefusals: refusals, refusalsTold: pageRefusals.reduce((a, b) => a + b, 0) };
    },
    stop: () => server.dispose(),
  };
}

/** The part of the page's PeerSession the comparison uses. */
interface PeerlabSession {
  readonly mode: Mode;
  readonly serverStatus: string;
  readonly refusedCount: number;
  readonly trace: { subscribe(listener: (record: { readonly dir: string; readonly eventIds?: readonly string[] }) => void): () => void };
  readonly debug: { directPeers(): string[] };
  describeEvent(id: string): { readonly text?: string } | undefined;
  sendChat(text: string): boolean;
  switchMode(mode: Mode): void;
}
