/**
 * Headless peers in Node: the browser's `PeerDriver` (same engine, same overlay, same gossip) over real
 * WebRTC (simple-peer with `@roamhq/wrtc`) and a real Socket.IO link, so a room can hold more peers than
 * this machine can open browser pages. A bot keeps its identity and sequence counter in memory, so
 * leaving and rejoining is a reload: same author key, empty store, catches up from the room.
 */
import SimplePeer from 'simple-peer';
import wrtc from '@roamhq/wrtc';
import { io } from 'socket.io-client';
import { generateKeyPair, type KeyPair, type Mode } from '@peerlab/shared';
import { nodeCryptoSuite } from '@peerlab/shared/node';
import { PeerDriver, type PeerSnapshot } from '../../client/src/lib/session/peerDriver.ts';

/** node:crypto signs synchronously (a bot's engine signs inline, as the server's does) and verifies on the thread pool. */
const BOT_CRYPTO = nodeCryptoSuite();

export interface BotOptions {
  readonly url: string;
  readonly room: string;
  readonly name: string;
  /** ICE servers; none on localhost and a LAN. */
  readonly iceServers?: RTCIceServer[];
}

export interface BotState extends PeerSnapshot {
  readonly live: boolean;
  /** Chat events this bot wrote (over all its lives). */
  readonly written: number;
}

export class BotPeer {
  readonly name: string;
  readonly #options: BotOptions;
  readonly #identity: KeyPair = generateKeyPair();
  readonly #adminPair: KeyPair = generateKeyPair();
  #lastSeq = 0;
  #written = 0;
  #driver: PeerDriver | undefined;
  readonly notices: string[] = [];

  constructor(options: BotOptions) {
    this.#options = options;
    this.name = options.name;
  }

  get peer(): string {
    return this.#identity.publicKey;
  }

  get live(): boolean {
    return this.#driver !== undefined;
  }

  get driver(): PeerDriver | undefined {
    return this.#driver;
  }

  /** Joins the room (again, after `leave`), with the same identity. */
  async join(): Promise<void> {
    if (this.#driver) return;
    this.#driver = new PeerDriver(
      {
        room: this.#options.room,
        name: this.name,
        identity: this.#identity,
        adminPair: this.#adminPair,
        crypto: BOT_CRYPTO,
        rtc: { SimplePeer, wrtc, udpOnly: true },
        iceServers: this.#options.iceServers ?? [],
        lastSeq: this.#lastSeq,
        seed: Math.floor(Math.random() * 2 ** 32),
        serverUrl: this.#options.url,
        io,
      },
      {
        changed: () => {},
        notice: (text) => this.notices.push(text),
        saveLastSeq: (seq) => {
          this.#lastSeq = seq;
        },
      },
    );
  }

  /** Resolves once the server has admitted this bot (its status is `connected`), or rejects after `timeoutMs`. */
  async connected(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#driver?.serverStatus !== 'connected') {
      if (Date.now() > deadline) throw new Error(`${this.name} did not connect to the server`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Leaves the room like a closed tab: transports close, the store is gone, identity and counter stay. */
  leave(): void {
    this.#driver?.close();
    this.#driver = undefined;
  }

  write(text: string): boolean {
    const ok = this.#driver?.sendChat(text) ?? false;
    if (ok) this.#written++;
    return ok;
  }

  switchMode(mode: Mode): void {
    this.#driver?.switchMode(mode);
  }

  /** The bot's peer snapshot; while it is out of the room, an empty store. */
  state(): BotState {
    const snapshot: PeerSnapshot = this.#driver?.snapshot() ?? {
      peer: this.peer,
      name: this.name,
      mode: 'p2p',
      serverStatus: 'disconnected',
      digest: '',
      events: 0,
      pending: 0,
      lastSeq: this.#lastSeq,
      authors: {},
      directPeers: 0,
    };
    return { ...snapshot, live: this.live, written: this.#written };
  }
}

export interface SwarmOptions extends Omit<BotOptions, 'name'> {
  readonly count: number;
  /** Name prefix; bot i is `${prefix}-${i + 1}`. */
  readonly prefix?: string;
}

/** N bots in one room, with a write loop and a churn loop. */
export class BotSwarm {
  readonly bots: BotPeer[];
  #writeTimer: ReturnType<typeof setInterval> | undefined;
  #churnTimer: ReturnType<typeof setInterval> | undefined;
  readonly #rejoins = new Set<ReturnType<typeof setTimeout>>();
  #writes = 0;

  constructor(options: SwarmOptions) {
    const prefix = options.prefix ?? 'Bot';
    this.bots = Array.from({ length: options.count }, (_, i) => new BotPeer({ ...options, name: `${prefix}-${i + 1}` }));
  }

  /** Joins every bot, a few at a time (each join is a WebSocket and a burst of WebRTC handshakes). */
  async join(batch = 4): Promise<void> {
    for (let i = 0; i < this.bots.length; i += batch) {
      const some = this.bots.slice(i, i + batch);
      await Promise.all(some.map((bot) => bot.join()));
      await Promise.all(some.map((bot) => bot.connected()));
    }
  }

  /** Every live bot writes `rate` chat messages a second (spread over the second) until `stopWriting`. */
  startWriting(rate: number): void {
    this.stopWriting();
    if (rate <= 0) return;
    const bots = this.bots;
    const interval = Math.max(5, 1000 / (rate * Math.max(1, bots.length)));
    let next = 0;
    this.#writeTimer = setInterval(() => {
      const bot = bots[next++ % bots.length]!;
      if (bot.live) bot.write(`${bot.name} #${++this.#writes}`);
    }, interval);
  }

  stopWriting(): void {
    clearInterval(this.#writeTimer);
    this.#writeTimer = undefined;
  }

  /** Every `everyMs`, a random live bot leaves and rejoins `everyMs` later. */
  startChurn(everyMs: number, random: () => number = Math.random): void {
    clearInterval(this.#churnTimer);
    this.#churnTimer = setInterval(() => {
      const live = this.bots.filter((bot) => bot.live);
      if (live.length === 0) return;
      const bot = live[Math.floor(random() * live.length)]!;
      bot.leave();
      const timer = setTimeout(() => {
        this.#rejoins.delete(timer);
        void bot.join();
      }, everyMs);
      this.#rejoins.add(timer);
    }, everyMs);
  }

  /** Stops churning and brings every bot that is out back in. */
  async stopChurn(): Promise<void> {
    clearInterval(this.#churnTimer);
    this.#churnTimer = undefined;
    for (const timer of this.#rejoins) clearTimeout(timer);
    this.#rejoins.clear();
    await Promise.all(this.bots.map((bot) => bot.join()));
  }

  live(): BotPeer[] {
    return this.bots.filter((bot) => bot.live);
  }

  states(): BotState[] {
    return this.bots.map((bot) => bot.state());
  }

  close(): void {
    this.stopWriting();
    clearInterval(this.#churnTimer);
    for (const timer of this.#rejoins) clearTimeout(timer);
    for (const bot of this.bots) bot.leave();
  }
}
