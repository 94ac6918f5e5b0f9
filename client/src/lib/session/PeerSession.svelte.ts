/**
 * One browser peer as Svelte state: a `PeerDriver` (the engine plus its transports, framework-free) and
 * `$state.raw` fields refreshed from it at most once per animation frame, each from only what changed
 * since the last refresh: the views fold in the events that arrived since (the store's arrivals), and a
 * field whose value says what it said keeps its old one, so nothing that renders it redraws (the cost
 * of a refresh follows what happened, not the room's history). Components render the fields
 * and call the public methods; they never see a socket. What is browser-specific is chosen here: the tab's
 * identity and sequence counter in sessionStorage, the room admin key in localStorage, simple-peer's
 * browser bundle over the page's RTCPeerConnection, and the page's crypto path (cryptoChoice.ts: WebCrypto's
 * native Ed25519, else @noble/ed25519), chosen once and shared by every session of the page.
 */
import SimplePeer from 'simple-peer/simplepeer.min.js';
import {
  BoardFold,
  boardView,
  cellKey,
  ChatWindow,
  CURRENT_PROTOCOL,
  engineRoomId,
  formatVersion,
  notUnderstood,
  NOTHING_NOT_UNDERSTOOD,
  understands,
  REJECTION_REASONS,
  chooseBrowserCrypto,
  type Admission,
  type Board,
  type ChatMessage,
  type HeldReport,
  type FaultRule,
  type KeyPair,
  type Ledger,
  type LinkKind,
  type Mode,
  type PixelColor,
  type RejectionReason,
  type SignedEvent,
  type CryptoSuite,
  type MessageTrace,
  type NotUnderstood,
  type NodeStats,
  type ProtocolVersion,
} from '@peerlab/shared';
import type { ServerStatus } from '../transport/serverLink.ts';
import type { RtcImplementation } from '../transport/webrtcMesh.ts';
import { loadLastSeq, roomAdminKey, saveLastSeq, tabIdentity } from './identity.ts';
import { LastSeqSaver } from './lastSeqSaver.ts';
import { WALL_CLOCK } from './wallClock.ts';
import { openEventCache, type EventCache } from './eventCache.ts';
import { PeerDriver, type MemberView, type PeerSnapshot } from './peerDriver.ts';
import type { AttackPort } from '../attack/attacker.ts';
import { defensesOf, NO_DEFENSES, type Defenses } from './defenses.ts';
import { generationScoped, loadGeneration, saveGeneration } from './roomGeneration.ts';
import { NO_CLASSROOM, type ClassroomView } from './classroomView.ts';
import { sameItems, sameOr } from './unchanged.ts';
import { nameOf } from './memberRoster.ts';
import { RefreshPacer } from './refreshPacer.ts';
import type { SessionOptions } from './sessionOptions.ts';

export type { SessionOptions } from './sessionOptions.ts';

export { MAX_CHAT_CHARS, type MemberLink, type MemberView, type PeerLinkKind } from './peerDriver.ts';

/** Notices kept on screen; older ones scroll away. */
const MAX_NOTICES = 4;
/**
 * Least time between two refreshes of a hidden tab: animation frames do not run there, so nothing is drawn,
 * but the automation contract's fields keep up. A visible tab's gap is its RefreshPacer's (refreshPacer.ts):
 * ten a second while drawing is cheap, less while it is not. The first change after a quiet spell shows on
 * the next frame.
 */
const HIDDEN_REFRESH_GAP_MS = 250;

/** The browser's WebRTC: simple-peer's prebuilt bundle (its Node entry needs globals Vite does not provide). */
const BROWSER_RTC: RtcImplementation = { SimplePeer };

export interface TrafficRow {
  readonly kind: LinkKind;
  readonly sentMessages: number;
  readonly sentBytes: number;
  readonly receivedMessages: number;
  readonly receivedBytes: number;
}

export interface Notice {
  readonly id: number;
  readonly text: string;
}

let sharedCrypto: Promise<CryptoSuite> | undefined;

/** One crypto path per page: its verifier's key cache serves every session (the lab view runs many). */
function pageCrypto(): Promise<CryptoSuite> {
  sharedCrypto ??= chooseBrowserCrypto();
  return sharedCrypto;
}

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

export class PeerSession {
  readonly room: string;
  readonly name: string;
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly webrtcSupported: boolean;
  /** The room's generation this session belongs to: how many times its admin reset it. */
  readonly generation: number;
  /** The protocol version this page speaks, and as MAJOR.MINOR. */
  readonly protocol: ProtocolVersion;
  readonly protocolText: string;

  mode = $state.raw<Mode>('p2p');
  epoch = $state.raw(0);
  digest = $state.raw('');
  eventCount = $state.raw(0);
  pendingCount = $state.raw(0);
  /** The newest chat messages (at most CHAT_WINDOW, so the page does not grow with history), oldest first. */
  messages = $state.raw<readonly ChatMessage[]>([]);
  /** Chat messages held in all; those before `messages` are not shown. */
  chatTotal = $state.raw(0);
  /** The shared pixel board (last writer wins). */
  board = $state.raw<Board>(boardView([]));
  /** Events held (and forwarded) whose kind this page's version does not know; the views leave them out. */
  notUnderstood = $state.raw<NotUnderstood>(NOTHING_NOT_UNDERSTOOD);
  members = $state.raw<readonly MemberView[]>([]);
  /** Open direct WebRTC links. */
  directCount = $state.raw(0);
  rejections = $state.raw<readonly (readonly [RejectionReason, number])[]>([]);
  duplicates = $state.raw(0);
  /** The push tree's graft wait, and how this page's grafts turned out (needless: the tree brought it first). */
  tree = $state.raw({ graftWaitMs: 0, needlessGrafts: 0, usefulGrafts: 0 });
  traffic = $state.raw<readonly TrafficRow[]>([]);
  serverStatus = $state.raw<ServerStatus>('connecting');
  /** What the page shows for the server: its connection, or `stopped` while the admin has stopped its service. */
  serverShown = $state.raw<ServerStatus | 'stopped'>('connecting');
  serviceRunning = $state.raw(true);
  ledger = $state.raw<Ledger>({ balances: new Map(), entries: [] });
  /** The admin's current split of the room's peer links, or null. */
  partitionGroups = $state.raw<readonly (readonly string[])[] | null>(null);
  serverDetail = $state.raw('');
  /** The teacher's fault rules and churn generator, and what they did here. */
  classroom = $state.raw<ClassroomView>(NO_CLASSROOM);
  serverKey = $state.raw<string | undefined>(undefined);
  /** The room admin's key (it signs mode, service and partition events). */
  adminKey = $state.raw<string | undefined>(undefined);
  isAdmin = $state.raw(false);
  /** The server's door for new identities: the admin's budget per address, what it admitted and refused. */
  admission = $state.raw<Admission | undefined>(undefined);
  refusedCount = $state.raw(0);
  /** The server's refusals of this page's messages, by reason. */
  serverRefusals = $state.raw<Readonly<Record<string, number>>>({});
  /** What this peer's defenses did (refusals, proofs of equivocation, banned flooders). */
  defenses = $state.raw<Defenses>(NO_DEFENSES);
  notices = $state.raw<readonly Notice[]>([]);
  /** Newest telemetry report per peer, as gossip (and this session) brought them. */
  reports = $state.raw<readonly HeldReport[]>([]);
  /** Which path signs and verifies in this page (`webcrypto`, `noble`, `tweetnacl`), and why. */
  readonly cryptoName: string;
  readonly cryptoWhy: string;
  /** Every member's name ever seen, by key (not this peer's own): the one map components name peers by. */
  names = $state.raw<ReadonlyMap<string, string>>(new Map());

  readonly #driver: PeerDriver;
  /** The views of the kinds this page's version knows, folded from the store's arrivals. */
  readonly #chat: ChatWindow | undefined;
  readonly #board: BoardFold | undefined;
  /** The store's arrival count at the last refresh: what the event-derived fields reflect. */
  #seenArrivals = -1;
  #refreshFrame: number | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the last refresh ran (performance.now()). */
  #refreshedAt = Number.NEGATIVE_INFINITY;
  readonly #pacer = new RefreshPacer();
  /** Saves the identity's last sequence number, throttled; at once when the page is hidden or left. */
  readonly #lastSeq: LastSeqSaver;
  readonly #saveNow = (): void => this.#lastSeq.flush();
  /**
   * Its message, carrying when a refresh started, arrives in the task after the frame the refresh ran in
   * was drawn: the difference is what the refresh cost.
   */
  readonly #frameDrawn = ((channel: MessageChannel) => {
    channel.port1.onmessage = (event: MessageEvent<number>) => this.#pacer.measured(performance.now() - event.data);
    return channel;
  })(new MessageChannel());
  #noticeId = 0;
  #closed = false;

  static async create(options: SessionOptions): Promise<PeerSession> {
    const [identity, suite, cache] = await Promise.all([tabIdentity(options.storage.identity), pageCrypto(), openEventCache()]);
    // The generation this browser last saw; a join into a newer one drops this copy and starts again.
    const generation = loadGeneration(options.room);
    const restored = cache ? await cache.load(engineRoomId(options.room, generation)) : [];
    return new PeerSession(options, identity, suite, cache, restored, generation);
  }

  private constructor(
    options: SessionOptions,
    identity: KeyPair,
    crypto: CryptoSuite,
    cache: EventCache | undefined,
    restored: readonly SignedEvent[],
    generation: number,
  ) {
    const storage = { ...options.storage, lastSeq: generationScoped(options.storage.lastSeq, generation) };
    this.#lastSeq = new LastSeqSaver((seq) => saveLastSeq(storage.lastSeq, identity.publicKey, seq), WALL_CLOCK);
    addEventListener('pagehide', this.#saveNow);
    document.addEventListener('visibilitychange', this.#saveNow);
    const engineRoom = engineRoomId(options.room, generation);
    // Notices given before the driver exists (its constructor already reports) must not be lost.
    const early: string[] = [...(options.notices ?? [])];
    let ready = false;
    this.#driver = new PeerDriver(
      {
        room: options.room,
        name: options.name,
        identity,
        adminPair: roomAdminKey(options.room),
        crypto,
        rtc: BROWSER_RTC,
        iceServers: options.iceServers,
        lastSeq: loadLastSeq(storage.lastSeq, identity.publicKey),
        seed: randomSeed(),
        ...(options.serverUrl === undefined ? {} : { serverUrl: options.serverUrl }),
        ...(options.overlay ? { overlay: options.overlay } : {}),
        ...(options.passcode ? { passcode: options.passcode } : {}),
        ...(options.observer ? { observer: true } : {}),
        restored,
        generation,
        ...(options.gate ? { gate: options.gate } : {}),
        ...(options.traceSequence ? { traceSequence: options.traceSequence } : {}),
        ...(options.protocol ? { protocol: options.protocol } : {}),
      },
      {
        changed: () => {
          if (ready) this.#onChanged();
        },
        notice: (text) => {
          if (ready) this.#notice(text);
          else early.push(text);
        },
        saveLastSeq: (seq) => this.#lastSeq.note(seq),
        persist: (events, own) => cache?.save(engineRoom, events, own),
        roomReset: (next) => void this.#onRoomReset(options, cache, next),
      },
    );
    this.room = this.#driver.room;
    this.name = this.#driver.name;
    this.publicKey = this.#driver.publicKey;
    this.fingerprint = this.#driver.fingerprint;
    this.webrtcSupported = this.#driver.webrtcSupported;
    this.generation = this.#driver.generation;
    this.protocol = this.#driver.node.protocol;
    this.protocolText = formatVersion(this.protocol);
    this.cryptoName = this.#driver.cryptoPath.name;
    this.cryptoWhy = this.#driver.cryptoPath.why;
    // The views read only the kinds this page's version knows: an older page holds newer events unseen.
    this.#chat = understands(this.protocol, 'chat') ? new ChatWindow(this.#driver.node.store) : undefined;
    this.#board = understands(this.protocol, 'pixel') ? new BoardFold(this.#driver.node.store) : undefined;
    ready = true;
    for (const text of early) this.#notice(text);
    if (!this.webrtcSupported) this.#notice('WebRTC (RTCPeerConnection) is unavailable in this browser: no direct links, only the server.');
    if (this.protocol.major !== CURRENT_PROTOCOL.major || this.protocol.minor !== CURRENT_PROTOCOL.minor) {
      this.#notice(`This page speaks protocol ${this.protocolText} (this build's newest is ${formatVersion(CURRENT_PROTOCOL)}), as the lesson asked (&protocol=).`);
    }
    this.#onChanged();
  }

  // ---- what the UI calls ----

  sendChat(text: string): boolean {
    return this.#driver.sendChat(text);
  }

  /** A ledger transfer between named accounts; the authority (or, in p2p, this peer) judges it. */
  transfer(from: string, to: string, amount: number, memo: string): boolean {
    return this.#driver.transfer(from, to, amount, memo);
  }

  /** Admin: stop or restore the server's service of the room (an outage the class can see). */
  setService(running: boolean): void {
    this.#driver.setService(running);
  }

  switchMode(mode: Mode): void {
    this.#driver.switchMode(mode);
  }

  /** Whether this page's version knows an event kind (an older one holds newer kinds without showing them). */
  understands(kind: string): boolean {
    return understands(this.protocol, kind);
  }

  /** Paints one board cell, knowingly over the colour this peer shows there now. */
  paint(x: number, y: number, color: PixelColor): boolean {
    return this.#driver.paint(x, y, color, this.board.cells.get(cellKey(x, y))?.id);
  }

  /** Admin: how many new identities one address may bring into the room a minute (the server's budget). */
  setAdmission(perMinute: number): void {
    this.#driver.setAdmission(perMinute);
  }

  /** Admin: empty the room for everyone (its next generation); every page drops its copy and rejoins. */
  resetRoom(): void {
    this.#driver.resetRoom();
  }

  /** Admin: split the room's peer-to-peer links into groups of peer keys (e2e: `window.peerlab.partition`). */
  partition(groups: readonly (readonly string[])[]): void {
    this.#driver.partition(groups);
  }

  /** Admin: split the members in two halves (by key), the teacher's one-click partition. */
  splitInHalves(): void {
    const keys = [this.publicKey, ...this.members.map((member) => member.peer)].sort();
    const half = Math.ceil(keys.length / 2);
    this.partition([keys.slice(0, half), keys.slice(half)]);
  }

  /** Admin: end the partition. */
  heal(): void {
    this.#driver.heal();
  }

  /** Every message this peer sent and received (a bounded ring; subscribe for new records). */
  get trace(): MessageTrace {
    return this.#driver.trace;
  }

  /** A short description of an event this peer holds, for pickers: its kind, author and chat text. */
  describeEvent(id: string): { readonly kind: string; readonly author: string; readonly text?: string } | undefined {
    const stored = this.#driver.node.store.get(id);
    if (!stored) return undefined;
    const body = stored.event.body as { text?: unknown; name?: unknown };
    const text = stored.event.kind === 'chat' && typeof body.text === 'string' ? body.text : undefined;
    return { kind: stored.event.kind, author: stored.event.author, ...(text === undefined ? {} : { text }) };
  }

  /** Admin: set the fault rules of the room's peer links (an empty list clears them). */
  setFaults(rules: readonly FaultRule[]): void {
    this.#driver.setFaults(rules);
  }

  /** Admin: start or stop the churn generator (this tab never leaves). */
  setChurn(on: boolean, periodMs: number, downMs: number): void {
    this.#driver.setChurn(on, periodMs, downMs);
  }

  /** The attacker panel's way onto this peer's real links (its own key only). */
  attackPort(): AttackPort {
    return this.#driver.attackPort();
  }

  dismissNotice(id: number): void {
    this.notices = this.notices.filter((notice) => notice.id !== id);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#saveNow();
    removeEventListener('pagehide', this.#saveNow);
    document.removeEventListener('visibilitychange', this.#saveNow);
    clearTimeout(this.#refreshTimer);
    if (this.#refreshFrame !== undefined) cancelAnimationFrame(this.#refreshFrame);
    this.#frameDrawn.port1.close();
    this.#driver.close();
  }

  /**
   * Debug/test hooks (reached as `window.peerlab.debug` by the e2e suite and from the console); not part
   * of the UI. `dropDirectLink` breaks one WebRTC channel as if the network had, so the overlay must
   * notice and repair it.
   */
  readonly debug = {
    directPeers: (): string[] => this.#driver.directPeers(),
    dropDirectLink: (peer: string): boolean => this.#driver.dropDirectLink(peer),
    /** Digest, counts and events held per author, read in one call (the churn scenarios poll it). */
    snapshot: (): PeerSnapshot => this.#driver.snapshot(),
    /** Fault counters per link and churn state, read at once (the faults and churn specs poll it). */
    classroom: (): ClassroomView => this.#driver.classroom(),
    /** What this peer's defenses did (the attacks spec polls it). */
    defenses: (): Defenses => this.#defenses(),
    /** Events held as if from this browser's storage, trusted (the benchmark's history: `npm run bench:compare`). */
    restore: (events: readonly SignedEvent[]): void => this.#driver.restore(events),
    /** Leaves the room as churn does (links and server closed, store kept), or returns (the benchmark's catch-up). */
    setAway: (away: boolean): void => this.#driver.setAway(away),
    /** Traffic by link kind since the session started, read now (not at the last refresh). */
    traffic: (): NodeStats => this.#driver.node.stats(),
    /** The visible page's refresh gap now and the refresh cost it follows (refreshPacer.ts; the benchmark reports it). */
    refreshPace: (): { gapMs: number; costMs: number | undefined } => ({ gapMs: this.#pacer.gapMs, costMs: this.#pacer.costMs }),
  };

  // ---- derived state ----

  #onChanged(): void {
    // The connection status shows at once (tests and people watch it); the rest is coalesced.
    this.serverStatus = this.#driver.serverStatus;
    this.serverDetail = this.#driver.serverDetail;
    this.#scheduleRefresh();
  }

  /** The room runs as a newer generation: forget this one's events, remember the generation, start again. */
  async #onRoomReset(options: SessionOptions, cache: EventCache | undefined, generation: number): Promise<void> {
    await cache?.clear(options.room);
    if (!saveGeneration(options.room, generation)) {
      this.#notice(`The room was reset, but this browser cannot store that: open the room again in a new tab.`);
      return;
    }
    location.reload(); // the tab keeps its identity (sessionStorage); the next start is the new generation
  }

  #notice(text: string): void {
    this.notices = [...this.notices, { id: ++this.#noticeId, text }].slice(-MAX_NOTICES);
  }

  /** Coalesces refreshes: at most one per pacer gap (HIDDEN_REFRESH_GAP_MS in a hidden tab), a visible one on a frame. */
  #scheduleRefresh(): void {
    if (this.#closed || this.#refreshFrame !== undefined || this.#refreshTimer !== undefined) return;
    const visible = document.visibilityState === 'visible';
    const wait = Math.max(0, this.#refreshedAt + (visible ? this.#pacer.gapMs : HIDDEN_REFRESH_GAP_MS) - performance.now());
    if (visible && wait === 0) {
      this.#refreshOnFrame();
      return;
    }
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      if (document.visibilityState === 'visible') this.#refreshOnFrame();
      else this.#runRefresh(false);
    }, wait);
  }

  /** On the next frame, so the pacer learns what drawing it cost; by timer if the tab hides before the frame comes. */
  #refreshOnFrame(): void {
    this.#refreshFrame = requestAnimationFrame(() => this.#runRefresh(true));
    this.#refreshTimer = setTimeout(() => this.#runRefresh(false), HIDDEN_REFRESH_GAP_MS);
  }

  #runRefresh(onFrame: boolean): void {
    if (this.#refreshFrame !== undefined) cancelAnimationFrame(this.#refreshFrame);
    clearTimeout(this.#refreshTimer);
    this.#refreshFrame = undefined;
    this.#refreshTimer = undefined;
    const started = performance.now();
    this.#refreshedAt = started;
    this.#refresh();
    if (!onFrame) return;
    // Svelte flushes in a microtask and the frame draws after the animation-frame callbacks; a message
    // posted now is handled in a task after both (and after whatever else waited its turn).
    this.#frameDrawn.port2.postMessage(started);
  }

  #defenses(): Defenses {
    return defensesOf(this.#driver.node, (key) => (key === this.publicKey ? this.name : nameOf(this.#driver.names, key)));
  }

  #refresh(): void {
    const driver = this.#driver;
    const node = driver.node;
    this.mode = node.mode;
    this.epoch = node.epoch;
    this.pendingCount = node.pendingCount;
    this.serviceRunning = node.serviceRunning;
    this.serverStatus = driver.serverStatus;
    this.serverDetail = driver.serverDetail;
    this.serverShown = this.serverStatus === 'connected' && !node.serviceRunning ? 'stopped' : this.serverStatus;
    this.serverKey = driver.serverKey;
    this.adminKey = node.admin;
    this.isAdmin = driver.isAdmin;
    this.admission = driver.admission; // the same object until the server tells a new one
    this.refusedCount = driver.refusedCount;
    this.serverRefusals = sameOr(this.serverRefusals, { ...driver.serverRefusals });
    this.ledger = node.ledger(); // the same object until a transfer or stamp changes it
    this.partitionGroups = node.partition;
    this.classroom = sameOr(this.classroom, driver.classroom());
    this.#refreshEvents();
    this.directCount = driver.directPeers().length;
    this.members = sameOr(this.members, driver.members());
    this.defenses = sameOr(this.defenses, this.#defenses());
    this.names = driver.names;
    const stats = node.stats();
    this.rejections = sameOr(this.rejections, REJECTION_REASONS.filter((reason) => stats.rejections[reason] > 0).map((reason) => [reason, stats.rejections[reason]] as const));
    this.duplicates = stats.duplicates;
    this.tree = sameOr(this.tree, stats.tree);
    this.reports = sameItems(this.reports, node.reports());
    this.traffic = sameOr(
      this.traffic,
      (['server', 'direct', 'relay'] as const).map((kind) => ({
        kind,
        sentMessages: stats.sent[kind].messages,
        sentBytes: stats.sent[kind].bytes,
        receivedMessages: stats.received[kind].messages,
        receivedBytes: stats.received[kind].bytes,
      })),
    );
  }

  /** What derives from the events: read again only when some arrived, each view folding in just those. */
  #refreshEvents(): void {
    const store = this.#driver.node.store;
    if (store.arrivalCount === this.#seenArrivals) return;
    this.#seenArrivals = store.arrivalCount;
    this.digest = store.digest();
    this.eventCount = store.size;
    this.notUnderstood = sameOr(this.notUnderstood, notUnderstood(store.kindCounts(), this.protocol));
    if (this.#chat?.update()) this.messages = this.#chat.messages;
    this.chatTotal = this.#chat?.total ?? 0;
    if (this.#board?.update()) this.board = this.#board.board;
  }
}
