/**
 * One browser peer as Svelte state: a `PeerDriver` (the engine plus its transports, framework-free) and
 * `$state.raw` fields refreshed from it at most once per animation frame. Components render the fields
 * and call the public methods; they never see a socket. What is browser-specific is chosen here: the tab's
 * identity and sequence counter in sessionStorage, the room admin key in localStorage, simple-peer's
 * browser bundle over the page's RTCPeerConnection, and WebCrypto verification shared by the page.
 */
import SimplePeer from 'simple-peer/simplepeer.min.js';
import {
  boardView,
  cellKey,
  chatView,
  CURRENT_PROTOCOL,
  engineRoomId,
  formatVersion,
  notUnderstood,
  NOTHING_NOT_UNDERSTOOD,
  understands,
  REJECTION_REASONS,
  webCryptoVerifier,
  type Board,
  type ChatMessage,
  type HeldReport,
  type FaultRule,
  type KeyPair,
  type Ledger,
  type LinkKind,
  type Mode,
  type OverlayConfig,
  type PixelColor,
  type RejectionReason,
  type SignedEvent,
  type Verifier,
  type FreezeGate,
  type MessageTrace,
  type NotUnderstood,
  type NodeStats,
  type ProtocolVersion,
  type StoredEvent,
  type TraceSequence,
} from '@peerlab/shared';
import type { ServerStatus } from '../transport/serverLink.ts';
import type { RtcImplementation } from '../transport/webrtcMesh.ts';
import type { OverlaySetting, ProtocolSetting } from '../config.ts';
import { loadLastSeq, roomAdminKey, saveLastSeq, tabIdentity, type StorageKeys } from './identity.ts';
import { openEventCache, type EventCache } from './eventCache.ts';
import { PeerDriver, type MemberView, type PeerSnapshot } from './peerDriver.ts';
import type { AttackPort } from '../attack/attacker.ts';
import { defensesOf, NO_DEFENSES, type Defenses } from './defenses.ts';
import { generationScoped, loadGeneration, saveGeneration } from './roomGeneration.ts';
import { NO_CLASSROOM, type ClassroomView } from './classroomView.ts';

export { MAX_CHAT_CHARS, type MemberLink, type MemberView, type PeerLinkKind } from './peerDriver.ts';

/** Notices kept on screen; older ones scroll away. */
const MAX_NOTICES = 4;
/** How often derived state is refreshed while the tab is hidden (animation frames do not run then). */
const HIDDEN_REFRESH_MS = 250;

/** The browser's WebRTC: simple-peer's prebuilt bundle (its Node entry needs globals Vite does not provide). */
const BROWSER_RTC: RtcImplementation = { SimplePeer };

export interface SessionOptions {
  readonly room: string;
  readonly name: string;
  readonly storage: StorageKeys;
  readonly iceServers: RTCIceServer[];
  /** Server origin; the page's own by default. */
  readonly serverUrl?: string;
  /** Degree watermarks of the mesh, when not the engine's defaults (`?overlay=target,low,high`). */
  readonly overlay?: OverlayConfig;
  /** Shown once the session starts, e.g. why a URL option was ignored. */
  readonly notices?: readonly string[];
  /** The room's passcode (`?passcode=`). */
  readonly passcode?: string;
  /** A dashboard's session: it reports as an observer. */
  readonly observer?: boolean;
  /** Lab: the tab's freeze gate and trace numbering, shared by its peers. */
  readonly gate?: FreezeGate;
  readonly traceSequence?: TraceSequence;
  /** The protocol version this page speaks (`&protocol=`); this build's newest by default. */
  readonly protocol?: ProtocolVersion;
}

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

/** The session options a URL `?overlay=` setting contributes: the degree, or a notice saying why it was ignored. */
export function sessionOverlay(setting: OverlaySetting): Pick<SessionOptions, 'overlay' | 'notices'> {
  if (!setting.ok) return { notices: [setting.notice] };
  return setting.degree ? { overlay: setting.degree } : {};
}

/** The session options a URL `&protocol=` setting contributes: the version, or a notice saying why it was ignored. */
export function sessionProtocol(setting: ProtocolSetting): Pick<SessionOptions, 'protocol' | 'notices'> {
  if (!setting.ok) return { notices: [setting.notice] };
  return setting.protocol ? { protocol: setting.protocol } : {};
}

let sharedVerifier: Promise<Verifier> | undefined;

/** One native verifier per page: its key cache serves every session (the lab view runs many). */
function pageVerifier(): Promise<Verifier> {
  sharedVerifier ??= webCryptoVerifier();
  return sharedVerifier;
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
  messages = $state.raw<readonly ChatMessage[]>([]);
  /** The shared pixel board (last writer wins). */
  board = $state.raw<Board>(boardView([]));
  /** Events held (and forwarded) whose kind this page's version does not know; the views leave them out. */
  notUnderstood = $state.raw<NotUnderstood>(NOTHING_NOT_UNDERSTOOD);
  members = $state.raw<readonly MemberView[]>([]);
  /** Open direct WebRTC links. */
  directCount = $state.raw(0);
  rejections = $state.raw<readonly (readonly [RejectionReason, number])[]>([]);
  duplicates = $state.raw(0);
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
  refusedCount = $state.raw(0);
  /** The server's refusals of this page's messages, by reason. */
  serverRefusals = $state.raw<Readonly<Record<string, number>>>({});
  /** What this peer's defenses did (refusals, proofs of equivocation, banned flooders). */
  defenses = $state.raw<Defenses>(NO_DEFENSES);
  notices = $state.raw<readonly Notice[]>([]);
  /** Newest telemetry report per peer, as gossip (and this session) brought them. */
  reports = $state.raw<readonly HeldReport[]>([]);
  verifierName: string;

  readonly #driver: PeerDriver;
  #refreshFrame: number | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #noticeId = 0;
  #closed = false;

  static async create(options: SessionOptions): Promise<PeerSession> {
    const [identity, verifier, cache] = await Promise.all([tabIdentity(options.storage.identity), pageVerifier(), openEventCache()]);
    // The generation this browser last saw; a join into a newer one drops this copy and starts again.
    const generation = loadGeneration(options.room);
    const restored = cache ? await cache.load(engineRoomId(options.room, generation)) : [];
    return new PeerSession(options, identity, verifier, cache, restored, generation);
  }

  private constructor(
    options: SessionOptions,
    identity: KeyPair,
    verifier: Verifier,
    cache: EventCache | undefined,
    restored: readonly SignedEvent[],
    generation: number,
  ) {
    const storage = { ...options.storage, lastSeq: generationScoped(options.storage.lastSeq, generation) };
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
        verifier,
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
        saveLastSeq: (seq) => saveLastSeq(storage.lastSeq, identity.publicKey, seq),
        persist: (events) => cache?.save(engineRoom, events),
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
    this.verifierName = this.#driver.verifierName;
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
    clearTimeout(this.#refreshTimer);
    if (this.#refreshFrame !== undefined) cancelAnimationFrame(this.#refreshFrame);
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
    restore: (events: readonly SignedEvent[]): void => this.#driver.restoreEvents(events),
    /** Leaves the room as churn does (links and server closed, store kept), or returns (the benchmark's catch-up). */
    setAway: (away: boolean): void => this.#driver.setAway(away),
    /** Traffic by link kind since the session started, read now (not at the last refresh). */
    traffic: (): NodeStats => this.#driver.node.stats(),
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

  /** Coalesces refreshes: at most one per animation frame (or per HIDDEN_REFRESH_MS in a hidden tab). */
  #scheduleRefresh(): void {
    if (this.#closed || this.#refreshFrame !== undefined || this.#refreshTimer !== undefined) return;
    const run = (): void => {
      if (this.#refreshFrame !== undefined) cancelAnimationFrame(this.#refreshFrame);
      clearTimeout(this.#refreshTimer);
      this.#refreshFrame = undefined;
      this.#refreshTimer = undefined;
      this.#refresh();
    };
    if (document.visibilityState === 'visible') this.#refreshFrame = requestAnimationFrame(run);
    this.#refreshTimer = setTimeout(run, HIDDEN_REFRESH_MS);
  }

  #defenses(): Defenses {
    return defensesOf(this.#driver.node, (key) => (key === this.publicKey ? this.name : (this.members.find((member) => member.peer === key)?.name ?? key.slice(0, 8))));
  }

  #refresh(): void {
    const driver = this.#driver;
    const node = driver.node;
    this.mode = node.mode;
    this.epoch = node.epoch;
    this.digest = node.store.digest();
    this.eventCount = node.store.size;
    this.pendingCount = node.pendingCount;
    this.serviceRunning = node.serviceRunning;
    this.serverStatus = driver.serverStatus;
    this.serverDetail = driver.serverDetail;
    this.serverShown = this.serverStatus === 'connected' && !node.serviceRunning ? 'stopped' : this.serverStatus;
    this.serverKey = driver.serverKey;
    this.adminKey = node.admin;
    this.isAdmin = driver.isAdmin;
    this.refusedCount = driver.refusedCount;
    this.serverRefusals = { ...driver.serverRefusals };
    this.ledger = node.ledger();
    this.partitionGroups = node.partition;
    this.classroom = driver.classroom();
    // The views read only the kinds this page's version knows: an older page holds newer events unseen.
    const events = [...node.store.events()];
    const unknown = notUnderstood(events, this.protocol);
    const understood: readonly StoredEvent[] = unknown.count === 0 ? events : events.filter((stored) => understands(this.protocol, stored.event.kind));
    this.notUnderstood = unknown.count === this.notUnderstood.count && unknown.kinds.join() === this.notUnderstood.kinds.join() ? this.notUnderstood : unknown;
    this.messages = chatView(understood);
    this.board = boardView(understood);
    this.directCount = driver.directPeers().length;
    this.members = driver.members();
    this.defenses = this.#defenses();
    const stats = node.stats();
    this.rejections = REJECTION_REASONS.filter((reason) => stats.rejections[reason] > 0).map((reason) => [reason, stats.rejections[reason]] as const);
    this.duplicates = stats.duplicates;
    this.reports = node.reports();
    this.traffic = (['server', 'direct', 'relay'] as const).map((kind) => ({
      kind,
      sentMessages: stats.sent[kind].messages,
      sentBytes: stats.sent[kind].bytes,
      receivedMessages: stats.received[kind].messages,
      receivedBytes: stats.received[kind].bytes,
    }));
  }
}
