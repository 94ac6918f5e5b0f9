/**
 * One peer, framework-free: a `PeerlabNode` (the sans-IO engine) plus its transports — the Socket.IO
 * server link, the WebRTC mesh and the server's relay. `#apply` is the only place the engine is driven: it
 * feeds one input with the wall clock and performs every output. The browser's `PeerSession` wraps it in
 * Svelte state; the Node bot peers (e2e/bots) run it as is. What differs between the two is injected:
 * identity and sequence storage, the WebRTC implementation, the socket.io factory and the verifier.
 *
 * Engine link ids: `server` for the Socket.IO link, `peer:<key>` for another member, of kind `direct`
 * while its data channel is open, else `relay` when the mode routes through the server, else no link.
 *
 * Whom to link with is the engine's call: it is fed the server's roster (`members`), asks for links
 * (`connect`), gives them up (`drop`) and decides whether to take an incoming one (`acceptsDirectLink`).
 * In hybrid a pair whose direct link cannot be made or breaks talks through the server's relay instead,
 * with the reason shown, and tries direct again now and then. WebRTC signals travel over the server
 * while it is reachable, else over the mesh itself (`routeSignal` / `signal`).
 */
import {
  BOARD_SIZE,
  DEFAULT_NODE_CONFIG,
  isPixelColor,
  DEFAULT_OVERLAY,
  engineRoomId,
  FaultStage,
  fingerprint,
  resetSigningBytes,
  toHex,
  PeerlabNode,
  seededRng,
  tweetnaclSigner,
  wantsDirectLinks,
  wantsRelayLinks,
  type FaultRule,
  type Input,
  type KeyPair,
  type Member,
  type Mode,
  type Output,
  type SignedEvent,
  type OverlayConfig,
  type PixelColor,
  type Verifier,
  type VerifyRequest,
  type FreezeGate,
  type MessageTrace,
  type TraceSequence,
} from '@peerlab/shared';
import type { io } from 'socket.io-client';
import { ServerLink, type JoinAccepted, type ServerStatus } from '../transport/serverLink.ts';
import { WebRtcMesh, webRtcSupported, type LinkFailure, type RtcImplementation } from '../transport/webrtcMesh.ts';
import { buildReport, REPORT_INTERVAL_MS, REPORTS_PER_PERIOD } from './telemetryReport.ts';
import { PeerTracer } from './peerTracer.ts';
import { ChurnFollower, type ChurnClock } from './churnFollower.ts';
import { classroomView, type ClassroomView } from './classroomView.ts';

/** Wall-clock timers for the fault stage and the churn follower (the engine itself has none). */
const WALL_CLOCK: ChurnClock = {
  now: () => Date.now(),
  after: (ms, run) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

/** Longest chat message a user can type; keeps one event far below the engine's event size limit. */
export const MAX_CHAT_CHARS = 500;
/** Ledger account names, as the engine's decoder accepts them. */
const ACCOUNT_PATTERN = /^[a-z0-9_-]{1,24}$/;
/** Bound on nested reconcile passes: each pass can only react to links the previous one changed. */
const MAX_RECONCILE_PASSES = 4;
/**
 * Hybrid: how long a pair stays on the relay before trying direct again. Shorter upgrades sooner after a
 * transient failure; each try costs a WebRTC handshake that fails again where WebRTC is blocked.
 */
const DIRECT_RETRY_MS = 25_000;

const SERVER_LINK = 'server';
const PEER_PREFIX = 'peer:';

export type PeerLinkKind = 'direct' | 'relay';
export type MemberLink = PeerLinkKind | 'none';

export interface MemberView {
  readonly peer: string;
  readonly name: string;
  readonly version: number;
  readonly fingerprint: string;
  readonly link: MemberLink;
  /** Why the pair is on the relay (or why its last direct attempt failed), when known. */
  readonly reason?: string;
  /** The member is a dashboard (the presenter), not a student's peer. */
  readonly observer?: boolean;
}

/** Why a relay link exists when this side saw no failure itself: the other side fell back to it. */
const REMOTE_FALLBACK = 'remote-fallback';

/** Failures after which trying direct again later may work (a browser without WebRTC will not grow one). */
function retryable(reason: LinkFailure): boolean {
  return reason !== 'webrtc-unavailable' && reason !== 'declined';
}

/** What a test (or a bot's summary) reads of a peer: enough to prove that nothing was lost. */
export interface PeerSnapshot {
  readonly peer: string;
  readonly name: string;
  readonly mode: Mode;
  readonly serverStatus: ServerStatus;
  readonly digest: string;
  readonly events: number;
  readonly pending: number;
  /** Highest sequence number this peer's identity used: what it wrote, over all its lives. */
  readonly lastSeq: number;
  /** Events held, by author key. */
  readonly authors: Readonly<Record<string, number>>;
  readonly directPeers: number;
}

export interface DriverOptions {
  readonly room: string;
  readonly name: string;
  /** This peer's author key. */
  readonly identity: KeyPair;
  /** The room admin key this peer offers when it creates the room (it is the admin only then). */
  readonly adminPair: KeyPair;
  readonly verifier: Verifier;
  readonly rtc: RtcImplementation;
  readonly iceServers: RTCIceServer[];
  /** Highest sequence number this identity used in the room (from the host's storage). */
  readonly lastSeq: number;
  /** Seed of the engine's PRNG. */
  readonly seed: number;
  /** Server origin; the page's own by default. */
  readonly serverUrl?: string;
  /** Degree watermarks of the mesh, when not the engine's defaults. */
  readonly overlay?: OverlayConfig;
  /** socket.io-client's factory, when not the package's own. */
  readonly io?: typeof io;
  /** The room's passcode (`?passcode=`): set by the join that creates the room, required after. */
  readonly passcode?: string;
  /** Events the host kept from earlier visits (a browser's IndexedDB). */
  readonly restored?: readonly SignedEvent[];
  /** The room's generation as the host last knew it (0 until the admin first resets the room). */
  readonly generation?: number;
  /** A dashboard's session: it reports as an observer (watches, does not write). */
  readonly observer?: boolean;
  /** The lab's freeze gate: its clock drives the engine, and it holds outside inputs while frozen. */
  readonly gate?: FreezeGate;
  /** Record numbers shared by the peers of one tab, so their traces interleave in one order. */
  readonly traceSequence?: TraceSequence;
}

/** Inputs from the outside world that a frozen gate holds; the user's own actions still apply at once. */
const GATED_INPUTS: ReadonlySet<Input['type']> = new Set(['message', 'verified']);

export interface DriverHandlers {
  /** Something the host shows may have changed (coalesce: this fires for every engine input). */
  changed(): void;
  /** A sentence for the user: a refusal, a failure worth knowing. */
  notice(text: string): void;
  /** The host's storage keeps the highest sequence number used, so a restart never reuses one. */
  saveLastSeq(seq: number): void;
  /** Events that entered the state, for the host to keep (a browser: IndexedDB). */
  persist?(events: readonly { readonly id: string; readonly event: SignedEvent }[]): void;
  /**
   * The server runs the room as another generation (the admin reset it): this driver's events belong to
   * an older one and it no longer takes part. The host drops what it keeps for the room and starts again.
   */
  roomReset?(generation: number): void;
}

export class PeerDriver {
  readonly room: string;
  readonly name: string;
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly webrtcSupported: boolean;
  readonly verifierName: string;
  /** The room's generation this driver's engine belongs to (its room id names it). */
  readonly generation: number;

  serverStatus: ServerStatus = 'connecting';
  serverDetail = '';
  serverKey: string | undefined;
  isAdmin = false;
  refusedCount = 0;

  readonly #node: PeerlabNode;
  readonly #verifier: Verifier;
  readonly #adminPair: KeyPair;
  readonly #on: DriverHandlers;
  readonly #server: ServerLink;
  readonly #mesh: WebRtcMesh;
  /** Peer links the engine currently knows, by remote key. */
  readonly #peerLinks = new Map<string, PeerLinkKind>();
  /** Why the last direct attempt with a peer failed; cleared when a channel opens or the engine drops the pair. */
  readonly #failures = new Map<string, LinkFailure>();
  /** Hybrid: pending direct retries for pairs on the relay. */
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #degree: OverlayConfig;
  #roster: readonly Member[] = [];
  #depth = 0;
  #reconcileWanted = false;
  /** The room's epoch when we joined: until our store reaches it, we do not know the mode, so no links. */
  #joinedEpoch = 0;
  #reconciling = false;
  #wakeup: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #observer: boolean;
  #reportSeq = 0;
  #reportTicks = 0;
  readonly #reportTimer: ReturnType<typeof setInterval>;
  readonly #gate: FreezeGate | undefined;
  readonly #tracer: PeerTracer;
  readonly #unsubscribeGate: (() => void) | undefined;
  /** The teacher's fault rules, applied to what this peer sends on peer links (direct and relay). */
  readonly #faults: FaultStage;
  readonly #churn: ChurnFollower;
  /** Away by the churn schedule: no server connection, no peer links, identity and store kept. */
  #suspended = false;
  /** Links the overlay asked for while this peer was away: started when it has rejoined the server. */
  readonly #deferredConnects = new Set<string>();
  /** Names of members seen in the roster, so a member away (off the roster) can still be named. */
  readonly #names = new Map<string, string>();

  constructor(options: DriverOptions, handlers: DriverHandlers) {
    const { identity } = options;
    this.room = options.room;
    this.name = options.name;
    this.publicKey = identity.publicKey;
    this.fingerprint = fingerprint(identity.publicKey);
    this.webrtcSupported = webRtcSupported(options.rtc);
    this.#on = handlers;
    this.#verifier = options.verifier;
    this.verifierName = options.verifier.name;
    this.#adminPair = options.adminPair;
    this.#degree = options.overlay ?? DEFAULT_OVERLAY;
    this.generation = options.generation ?? 0;
    this.#observer = options.observer ?? false;
    this.#reportTimer = setInterval(() => this.#report(), REPORT_INTERVAL_MS);
    this.#gate = options.gate;
    this.#node = new PeerlabNode({
      room: engineRoomId(options.room, this.generation),
      role: 'peer',
      signer: tweetnaclSigner(identity),
      rng: seededRng(options.seed),
      lastSeq: options.lastSeq,
      config: { traceReceived: true, ...(options.overlay ? { overlay: { ...DEFAULT_NODE_CONFIG.overlay, degree: options.overlay } } : {}) },
    });
    this.#tracer = new PeerTracer(identity.publicKey, this.#node, options.traceSequence, () => Date.now());
    // Time runs again after a freeze: timers are re-armed (they are not armed while frozen).
    this.#unsubscribeGate = this.#gate?.subscribe(() => {
      if (!this.#gate?.frozen && this.#wakeup === undefined) this.#armWakeup();
    });
    this.#faults = new FaultStage(identity.publicKey, seededRng(options.seed ^ 0x5f3759df), WALL_CLOCK);
    this.#churn = new ChurnFollower(
      {
        self: identity.publicKey,
        // Observers (the presenter's dashboard) never leave: every peer drops them from the draw alike.
        candidates: () => [...(this.#observer ? [] : [this.publicKey]), ...this.#roster.filter((member) => !member.observer).map((member) => member.peer)],
        suspend: () => this.#setSuspended(true),
        resume: () => this.#setSuspended(false),
        behind: () => this.#node.eventsBehindPartners(),
        changed: () => this.#on.changed(),
      },
      WALL_CLOCK,
    );
    // What the host kept from earlier visits, before anyone answers (trusted: verified when first received).
    if (options.restored && options.restored.length > 0) this.#node.handle({ type: 'restore', events: options.restored.map((event) => ({ event })) }, this.#now());
    this.#mesh = new WebRtcMesh(identity.publicKey, options.iceServers, options.rtc, {
      open: (peer) => {
        this.#failures.delete(peer);
        this.#cancelRetry(peer);
        this.#reconcile();
      },
      failed: (peer, reason) => this.#onDirectFailed(peer, reason),
      data: (peer, data) => this.#onPeerData(peer, data),
      signal: (to, data) => this.#sendSignal(to, data),
      // In-progress handshakes count too, so offers arriving together cannot overshoot; up to one over the
      // high watermark, as the engine grafts then prunes (refusing at `high` locked newcomers out of small
      // rooms); never across the admin's partition.
      accepts: (peer) => this.#node.acceptsDirectLink(peer) && this.#mesh.size <= this.#degree.high,
    });
    this.#server = new ServerLink(
      {
        url: options.serverUrl,
        room: options.room,
        name: options.name,
        peer: identity.publicKey,
        adminKey: this.#adminPair.publicKey,
        ...(options.io ? { io: options.io } : {}),
        ...(options.passcode ? { passcode: options.passcode } : {}),
        ...(options.observer ? { observer: true } : {}),
      },
      {
        status: (status, detail) => {
          this.serverStatus = status;
          this.serverDetail = detail ?? '';
          this.#on.changed();
        },
        joined: (response) => this.#onJoined(response),
        joinRefused: (reason, detail) => this.#on.notice(`The server refused to join room ${options.room}: ${reason} (${detail}).`),
        down: () => {
          this.#apply({ type: 'linkDown', link: SERVER_LINK });
          this.#reconcile();
        },
        peer: (data) => this.#apply({ type: 'message', link: SERVER_LINK, data }),
        members: (members) => {
          this.#setRoster(members);
          this.#reconcile();
        },
        signal: ({ from, data }) => this.#mesh.signal(from, data),
        relay: ({ from, data }) => this.#onRelay(from, data),
        refused: (reason, detail) => {
          this.refusedCount++;
          this.#on.notice(`Server refused a message: ${reason} (${detail}).`);
          this.#on.changed();
        },
        reset: (generation) => this.#onGeneration(generation),
      },
    );
  }

  /** The engine, for reading state (mode, store, stats...). Drive it only through this class's methods. */
  get node(): PeerlabNode {
    return this.#node;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Every message this peer sent and received, and when events entered its state (a bounded ring). */
  get trace(): MessageTrace {
    return this.#tracer.trace;
  }

  /** Peers with an open direct channel. */
  directPeers(): string[] {
    return this.#mesh.openPeers();
  }

  /** The server's member list (without this peer), with the link each pair has and why. */
  members(): MemberView[] {
    return this.#roster.map((member) => ({
      peer: member.peer,
      name: member.name,
      version: member.version,
      ...(member.observer ? { observer: true } : {}),
      fingerprint: fingerprint(member.peer),
      link: this.#peerLinks.get(member.peer) ?? 'none',
      ...this.#reasonFor(member.peer),
    }));
  }

  snapshot(): PeerSnapshot {
    const node = this.#node;
    const authors: Record<string, number> = {};
    for (const stored of node.store.events()) authors[stored.event.author] = (authors[stored.event.author] ?? 0) + 1;
    return {
      peer: this.publicKey,
      name: this.name,
      mode: node.mode,
      serverStatus: this.serverStatus,
      digest: node.store.digest(),
      events: node.store.size,
      pending: node.pendingCount,
      lastSeq: node.lastSeq,
      authors,
      directPeers: this.#mesh.openPeers().length,
    };
  }

  // ---- what the UI (or a bot) calls ----

  sendChat(text: string): boolean {
    const trimmed = text.trim().slice(0, MAX_CHAT_CHARS);
    if (this.#closed || trimmed === '') return false;
    this.#apply({ type: 'write', kind: 'chat', body: { text: trimmed, name: this.name } });
    return true;
  }

  /** A ledger transfer between named accounts; the authority (or, in p2p, this peer) judges it. */
  transfer(from: string, to: string, amount: number, memo: string): boolean {
    if (this.#closed) return false;
    if (!ACCOUNT_PATTERN.test(from) || !ACCOUNT_PATTERN.test(to)) {
      this.#on.notice('Account names are 1–24 lowercase letters, digits, - or _.');
      return false;
    }
    if (!Number.isInteger(amount) || amount < 1) {
      this.#on.notice('The amount must be a whole number of at least 1.');
      return false;
    }
    this.#apply({ type: 'write', kind: 'transfer', body: memo ? { from, to, amount, memo } : { from, to, amount } });
    return true;
  }

  /** Paints one board cell; `over` is the id of the cell's winner this peer shows (it paints over that). */
  paint(x: number, y: number, color: PixelColor, over?: string): boolean {
    if (this.#closed || !isPixelColor(color) || !Number.isInteger(x) || !Number.isInteger(y)) return false;
    if (x < 0 || y < 0 || x >= BOARD_SIZE || y >= BOARD_SIZE) return false;
    this.#apply({ type: 'write', kind: 'pixel', body: over === undefined ? { x, y, color } : { x, y, color, over } });
    return true;
  }

  /** Admin: stop or restore the server's service of the room (an outage the class can see). */
  setService(running: boolean): void {
    if (this.#closed || !this.isAdmin) return;
    this.#apply({ type: 'setService', running, admin: tweetnaclSigner(this.#adminPair) });
  }

  switchMode(mode: Mode): void {
    if (this.#closed || mode === this.#node.mode) return;
    if (!this.isAdmin) {
      this.#on.notice('Only the room admin (the browser that created the room) can switch modes.');
      return;
    }
    this.#apply({ type: 'switchMode', mode, admin: tweetnaclSigner(this.#adminPair) });
  }

  /** Admin: split the room's peer-to-peer links into groups of peer keys (unnamed peers join the first). */
  partition(groups: readonly (readonly string[])[]): void {
    if (this.#closed || !this.isAdmin) return;
    this.#apply({ type: 'partition', groups, admin: tweetnaclSigner(this.#adminPair) });
  }

  /** Admin: end the partition. */
  heal(): void {
    if (this.#closed || !this.isAdmin) return;
    this.#apply({ type: 'partition', groups: null, admin: tweetnaclSigner(this.#adminPair) });
  }

  /** Admin: empty the room for everyone (a new generation); signed with the room admin key, checked by the server. */
  resetRoom(): void {
    if (this.#closed) return;
    if (!this.isAdmin) {
      this.#on.notice('Only the room admin (the browser that created the room) can reset it.');
      return;
    }
    const sig = toHex(tweetnaclSigner(this.#adminPair).sign(resetSigningBytes(this.room, this.generation)));
    this.#server.reset({ generation: this.generation, sig });
  }

  /** Admin: set the fault rules of the room's peer links (an empty list clears them). */
  setFaults(rules: readonly FaultRule[]): void {
    if (this.#closed || !this.isAdmin) return;
    this.#apply({ type: 'setFaults', rules, admin: tweetnaclSigner(this.#adminPair) });
  }

  /** Admin: start or stop the churn generator; this tab is exempt, so the teacher keeps control. */
  setChurn(on: boolean, periodMs: number, downMs: number): void {
    if (this.#closed || !this.isAdmin) return;
    this.#apply({ type: 'setChurn', on, periodMs, downMs, exempt: [this.publicKey], admin: tweetnaclSigner(this.#adminPair) });
  }

  /** Fault rules and counters, churn state: what the classroom panels show. */
  classroom(): ClassroomView {
    return classroomView(this.#faults, this.#churn, this.#names);
  }

  /** Debug/test hook: breaks one WebRTC channel as if the network had, so the overlay must repair it. */
  dropDirectLink(peer: string): boolean {
    return this.#mesh.breakLink(peer);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribeGate?.();
    this.#churn.stop();
    this.#faults.clear();
    clearTimeout(this.#wakeup);
    clearInterval(this.#reportTimer);
    for (const timer of this.#retries.values()) clearTimeout(timer);
    this.#retries.clear();
    this.#mesh.shutdown();
    this.#server.close();
  }

  // ---- the driver ----

  #apply(input: Input): void {
    if (this.#closed) return;
    if (GATED_INPUTS.has(input.type) && this.#gate?.hold(() => this.#applyHeld(input))) {
      this.#on.changed();
      return;
    }
    this.#depth++;
    try {
      this.#tracer.begin(input);
      for (const output of this.#node.handle(input, this.#now())) {
        this.#tracer.note(output);
        this.#perform(output);
      }
    } finally {
      this.#depth--;
    }
    if (this.#depth === 0) {
      this.#churn.observe();
      if (this.#reconcileWanted) this.#reconcile();
      this.#armWakeup();
      this.#on.changed();
    }
  }

  /** The engine's clock: the lab's gate (stops while frozen), else the wall clock. */
  #now(): number {
    return this.#gate ? this.#gate.now() : Date.now();
  }

  /** An input the gate held: a message for a link closed meanwhile is dropped, as its transport would have. */
  #applyHeld(input: Input): void {
    if (input.type === 'message' && !this.#node.links().has(input.link)) return;
    this.#apply(input);
  }

  #perform(output: Output): void {
    switch (output.type) {
      case 'received':
        break; // traced above; the engine already acted on it
      case 'send':
        this.#send(output.link, output.data);
        break;
      case 'verify':
        this.#verify(output.requests);
        break;
      case 'accepted':
        if (output.local) this.#on.saveLastSeq(this.#node.lastSeq);
        this.#on.persist?.(output.events);
        break;
      case 'mode':
        this.#reconcileWanted = true;
        break;
      case 'rejected':
        // Counted by the engine (node.stats().rejections); a refusal of our own action is told.
        if (output.rejection.fault === 'local') this.#on.notice(`Refused: ${output.rejection.reason} (${output.rejection.detail}).`);
        break;
      case 'connect':
        // Away (churn): the overlay counts the attempt as under way, so make it once back on the server.
        if (this.#suspended) this.#deferredConnects.add(output.peer);
        else if (this.#peerLinks.get(output.peer) !== 'direct') this.#mesh.connect(output.peer);
        break;
      case 'drop':
        this.#onDrop(output.link);
        break;
      case 'signal':
        this.#mesh.signal(output.from, output.data);
        break;
      case 'service':
        break; // the admin stopped or restored the server's service; nothing for the transports to do
      case 'partition':
        this.#reconcileWanted = true; // the engine already dropped the links the partition cuts
        break;
      case 'faults':
        this.#faults.setRules(output.rules);
        break;
      case 'churn':
        this.#churn.follow(output.plan);
        break;
      default:
        output satisfies never;
    }
  }

  #verify(requests: readonly VerifyRequest[]): void {
    this.#verifier.verifyBatch(requests).then(
      (ok) => this.#apply({ type: 'verified', results: requests.map((request, i) => ({ id: request.id, ok: ok[i] ?? false })) }),
      () => this.#apply({ type: 'verified', results: requests.map((request) => ({ id: request.id, ok: false })) }),
    );
  }

  #send(link: string, data: string): void {
    if (link === SERVER_LINK) {
      this.#server.sendPeer(data);
      return;
    }
    const peer = link.slice(PEER_PREFIX.length);
    this.#faults.send(peer, data, (faulted) => this.#sendToPeer(peer, faulted));
  }

  /** After the fault stage (possibly later): over whatever link the pair has by then. */
  #sendToPeer(peer: string, data: string): void {
    if (this.#closed) return;
    const kind = this.#peerLinks.get(peer);
    if (kind === 'direct') this.#mesh.send(peer, data); // a failed send closes the channel; anti-entropy repairs
    else if (kind === 'relay') this.#server.relay(peer, data);
  }

  /**
   * Telemetry: the report enters the engine (kept, and gossiped where the mode carries data peer to
   * peer) and, while the server serves the room centrally, goes to it over the socket too.
   * Its seq starts from the wall clock so a reloaded tab's reports still count as newer.
   */
  #report(): void {
    if (this.#closed) return;
    const every = Math.max(1, Math.ceil((this.#roster.length + 1) / REPORTS_PER_PERIOD));
    if (this.#reportTicks++ % every !== 0) return;
    const at = Date.now();
    this.#reportSeq = Math.max(this.#reportSeq + 1, at);
    const report = buildReport({ node: this.#node, name: this.name, observer: this.#observer, periodMs: every * REPORT_INTERVAL_MS, seq: this.#reportSeq, at });
    this.#apply({ type: 'report', report });
    if (this.#server.joined && this.#node.mode !== 'p2p' && this.#node.serviceRunning) this.#server.report(report);
  }

  #armWakeup(): void {
    clearTimeout(this.#wakeup);
    this.#wakeup = undefined;
    const at = this.#node.nextWakeup();
    // Frozen time reaches no deadline: the gate's subscription re-arms on resume.
    if (at === undefined || this.#closed || this.#gate?.frozen) return;
    this.#wakeup = setTimeout(() => {
      this.#wakeup = undefined;
      if (!this.#gate?.frozen) this.#apply({ type: 'tick' });
    }, Math.max(0, at - this.#now()));
  }

  // ---- transports ----

  #onJoined(response: JoinAccepted): void {
    // Joined a newer generation than this engine's: take no part (no links, no old events offered).
    if (this.#onGeneration(response.generation)) return;
    this.serverKey = response.server;
    this.isAdmin = response.admin === this.#adminPair.publicKey;
    this.#joinedEpoch = response.epoch;
    this.#apply({ type: 'setAdmin', admin: response.admin });
    // The authority's key: its stamps order strict operations and its certificates admit members (hybrid).
    this.#apply({ type: 'setServer', server: response.server });
    this.#setRoster(response.members);
    this.#apply({ type: 'linkUp', link: SERVER_LINK, kind: 'server' });
    this.#reconcile();
    for (const peer of this.#deferredConnects) if (this.#listed(peer) && !this.#peerLinks.has(peer)) this.#mesh.connect(peer);
    this.#deferredConnects.clear();
  }

  /** True when the room runs as another generation: this driver stops and hands over to the host. */
  #onGeneration(generation: number): boolean {
    if (generation === this.generation) return false;
    if (!this.#closed) {
      this.close();
      if (this.#on.roomReset) this.#on.roomReset(generation);
      else this.#on.notice(`The room was reset (generation ${generation}); rejoin to take part.`);
      this.#on.changed();
    }
    return true;
  }

  #setRoster(members: readonly Member[]): void {
    const before = new Set(this.#roster.map((member) => member.peer));
    this.#roster = members.filter((member) => member.peer !== this.publicKey);
    // A member back on the roster (churn, reload) never got the offers made while it was away (they went
    // over the mesh, which it was not on), and glare would make us ignore its new offer: start over.
    for (const member of this.#roster) if (!before.has(member.peer) && !this.#mesh.isOpen(member.peer)) this.#mesh.close(member.peer);
    for (const member of this.#roster) this.#names.set(member.peer, member.name);
    const listed = new Set(this.#roster.map((member) => member.peer));
    for (const peer of this.#failures.keys()) if (!listed.has(peer)) this.#failures.delete(peer);
    this.#apply({ type: 'members', peers: [...listed] });
  }

  #listed(peer: string): boolean {
    return this.#roster.some((member) => member.peer === peer);
  }

  /** WebRTC signaling: over the server while it can reach the peer, else hop by hop over the mesh. */
  #sendSignal(to: string, data: string): void {
    if (this.#server.joined && this.#listed(to)) this.#server.signal(to, data);
    else this.#apply({ type: 'routeSignal', to, data });
  }

  #onPeerData(peer: string, data: string): void {
    if (this.#peerLinks.get(peer) !== 'direct') this.#reconcile(); // the channel opened before we linked it
    if (this.#peerLinks.has(peer)) {
      this.#faults.noteReceived(peer);
      this.#apply({ type: 'message', link: PEER_PREFIX + peer, data });
    }
  }

  #onRelay(from: string, data: string): void {
    if (!this.#peerLinks.has(from)) {
      // A member relaying to us before we linked it (its direct attempt failed): open the relay link first.
      if (!wantsRelayLinks(this.#node.mode) || !this.#server.joined || from === this.publicKey) return;
      this.#peerLinks.set(from, 'relay');
      this.#apply({ type: 'linkUp', link: PEER_PREFIX + from, kind: 'relay', peer: from });
    }
    this.#faults.noteReceived(from);
    this.#apply({ type: 'message', link: PEER_PREFIX + from, data });
  }

  /** A direct attempt or channel died. In hybrid the pair moves to the relay (reconcile) and retries later. */
  #onDirectFailed(peer: string, reason: LinkFailure): void {
    // A full partner is not a broken pair: the overlay picks another one rather than loading the relay.
    if (reason !== 'declined') this.#failures.set(peer, reason);
    // An attempt that never opened frees its overlay slot now; a channel that died is repaired as usual.
    if (reason === 'declined' || reason === 'timeout' || reason === 'webrtc-unavailable') this.#apply({ type: 'connectFailed', peer });
    if (retryable(reason) && wantsRelayLinks(this.#node.mode)) this.#scheduleRetry(peer);
    this.#reconcile();
  }

  /** The engine gave the link up and already forgot it: close its transport and keep it closed. */
  #onDrop(link: string): void {
    if (!link.startsWith(PEER_PREFIX)) return;
    const peer = link.slice(PEER_PREFIX.length);
    this.#peerLinks.delete(peer);
    this.#failures.delete(peer);
    this.#cancelRetry(peer);
    this.#mesh.close(peer);
    this.#reconcileWanted = true;
  }

  #scheduleRetry(peer: string): void {
    if (this.#retries.has(peer) || this.#closed) return;
    const timer = setTimeout(() => {
      this.#retries.delete(peer);
      if (this.#peerLinks.get(peer) === 'relay' && wantsDirectLinks(this.#node.mode)) this.#mesh.connect(peer);
    }, DIRECT_RETRY_MS);
    this.#retries.set(peer, timer);
  }

  #cancelRetry(peer: string): void {
    clearTimeout(this.#retries.get(peer));
    this.#retries.delete(peer);
  }

  /**
   * Brings the mesh and the engine's peer links in line with the mode, the roster and the open channels.
   * Deferred while an input is being applied, and re-run when a pass itself changes links.
   */
  #reconcile(): void {
    if (this.#closed) return;
    if (this.#depth > 0 || this.#reconciling) {
      this.#reconcileWanted = true; // e.g. the mesh reports a close while a pass tears links down
      return;
    }
    this.#reconciling = true;
    try {
      for (let pass = 0; pass < MAX_RECONCILE_PASSES; pass++) {
        this.#reconcileWanted = false;
        this.#reconcileOnce();
        if (!this.#reconcileWanted) break;
      }
    } finally {
      this.#reconciling = false;
    }
    this.#on.changed();
  }

  /**
   * A pair is `direct` while its channel is open; else `relay` (hybrid, server joined, peer listed) when it
   * had a link or its direct attempt failed; else unlinked. Which pairs to attempt is the overlay's call.
   */
  #reconcileOnce(): void {
    const mode = this.#node.mode;
    const modeKnown = this.#node.epoch >= this.#joinedEpoch;
    // Enabled even without WebRTC here: the mesh must still answer offers with a refusal.
    const direct = modeKnown && wantsDirectLinks(mode) && !this.#suspended;
    const relay = modeKnown && wantsRelayLinks(mode) && this.#server.joined && !this.#suspended;
    this.#mesh.setEnabled(direct);
    const open = new Set(direct ? this.#mesh.openPeers() : []);
    for (const peer of new Set([...this.#peerLinks.keys(), ...open, ...this.#failures.keys()])) {
      const have = this.#peerLinks.get(peer);
      const fallback = relay && this.#listed(peer) && (have !== undefined || this.#failures.has(peer));
      const want: PeerLinkKind | undefined = open.has(peer) ? 'direct' : fallback ? 'relay' : undefined;
      if (want === have) continue;
      const link = PEER_PREFIX + peer;
      if (want === undefined) {
        this.#peerLinks.delete(peer);
        this.#apply({ type: 'linkDown', link });
      } else if (have === undefined) {
        this.#peerLinks.set(peer, want);
        this.#apply({ type: 'linkUp', link, kind: want, peer });
      } else {
        if (want === 'relay' && !this.#failures.has(peer)) this.#failures.set(peer, 'closed');
        this.#peerLinks.set(peer, want);
        this.#apply({ type: 'linkKind', link, kind: want });
      }
    }
  }

  /** Churn: leave (close every peer link and the server connection) or come back. */
  #setSuspended(suspended: boolean): void {
    if (this.#closed || suspended === this.#suspended) return;
    this.#suspended = suspended;
    if (suspended) this.#server.suspend();
    else this.#server.resume();
    this.#reconcile();
  }

  #reasonFor(peer: string): { reason?: string } {
    const failure = this.#failures.get(peer);
    if (this.#peerLinks.get(peer) === 'relay') return { reason: failure ?? (this.webrtcSupported ? REMOTE_FALLBACK : 'webrtc-unavailable') };
    return failure === undefined || this.#peerLinks.has(peer) ? {} : { reason: failure };
  }
}
