/**
 * One peer, framework-free: a `PeerlabNode` (the sans-IO engine) plus its transports — the Socket.IO
 * server link, the WebRTC mesh and the server's relay. `#apply` is the only place the engine is driven: it
 * feeds one input with the engine's clock and performs every output. The browser's `PeerSession` wraps it
 * in Svelte state; the Node bot peers (e2e/bots) run it as is. What differs between the two is injected:
 * identity and sequence storage, the WebRTC implementation, the socket.io factory and the verifier.
 *
 * This class is the composition root; each job is a collaborator:
 * - `peerLinks.ts` (rules in `linkPolicy.ts`): the mesh, the relay, retries, and the engine's peer links;
 * - `memberRoster.ts`: the server's member list and the member views;
 * - `engineClock.ts`: the engine's clock, wake-up timer and the lab's freeze gate;
 * - `telemetryReporter.ts`: the report timer; `peerTracer.ts`: the message trace;
 * - `classroomControls.ts`: the fault stage and the churn follower;
 * - `userWrites.ts`: the user's writes, checked.
 *
 * Engine link ids: `server` for the Socket.IO link, `peer:<key>` for another member, of kind `direct`
 * while its data channel is open, else `relay` when the mode routes through the server, else no link.
 * Whom to link with is the engine's call: it is fed the server's roster (`members`), asks for links
 * (`connect`), gives them up (`drop`) and decides whether to take an incoming one (`acceptsDirectLink`).
 */
import {
  DEFAULT_NODE_CONFIG,
  DEFAULT_OVERLAY,
  engineRoomId,
  fingerprint,
  resetSigningBytes,
  toHex,
  PeerlabNode,
  seededRng,
  tweetnaclSigner,
  type FaultRule,
  type Input,
  type KeyPair,
  type Member,
  type Mode,
  type Output,
  type SignedEvent,
  type Signer,
  type OverlayConfig,
  type PixelColor,
  type ProtocolVersion,
  type Rejection,
  type Verifier,
  type VerifyRequest,
  type FreezeGate,
  type MessageTrace,
  type TraceSequence,
} from '@peerlab/shared';
import type { io } from 'socket.io-client';
import { ServerLink, type JoinAccepted, type ServerStatus } from '../transport/serverLink.ts';
import { webRtcSupported, type RtcImplementation } from '../transport/webrtcMesh.ts';
import { PeerTracer } from './peerTracer.ts';
import type { ChurnClock } from './churnFollower.ts';
import type { ClassroomView } from './classroomView.ts';
import { ClassroomControls } from './classroomControls.ts';
import { EngineClock } from './engineClock.ts';
import { linkPeer, PEER_PREFIX, peerLinkId, SERVER_LINK } from './linkPolicy.ts';
import type { AttackPort } from '../attack/attacker.ts';
import { MemberRoster, type MemberView } from './memberRoster.ts';
import { PeerLinks } from './peerLinks.ts';
import { TelemetryReporter } from './telemetryReporter.ts';
import { chatWrite, pixelWrite, transferWrite } from './userWrites.ts';

export { MAX_CHAT_CHARS } from './userWrites.ts';
export type { MemberLink, PeerLinkKind } from './linkPolicy.ts';
export type { MemberView } from './memberRoster.ts';

/** Wall-clock timers for the fault stage and the churn follower (the engine itself has none). */
const WALL_CLOCK: ChurnClock = {
  now: () => Date.now(),
  after: (ms, run) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};

/** Why a member has no link: this peer banned its key for flooding (the engine's `bans()`). */
export const BANNED_REASON = 'banned (flooding)';
/** Why a member has no link: its page speaks another major version (the engine's `incompatiblePeers()`). */
export const INCOMPATIBLE_REASON = 'refused (another major version)';

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
  /** The protocol version this peer speaks (`&protocol=`): this build's newest unless a lesson says otherwise. */
  readonly protocol?: ProtocolVersion;
}

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
  /** The server's refusals of this page's messages, by reason (the attacker panel reads them). */
  readonly serverRefusals: Record<string, number> = {};

  readonly #node: PeerlabNode;
  /** This peer's own key (the engine signs its writes with it; the attacker panel its crafted events). */
  readonly #signer: Signer;
  readonly #verifier: Verifier;
  readonly #adminPair: KeyPair;
  readonly #on: DriverHandlers;
  readonly #observer: boolean;
  readonly #clock: EngineClock;
  readonly #tracer: PeerTracer;
  readonly #classroom: ClassroomControls;
  readonly #roster: MemberRoster;
  readonly #server: ServerLink;
  readonly #links: PeerLinks;
  readonly #reporter: TelemetryReporter;
  /** Version refusals already told (by their wording, which names both versions): one notice each, not one per link. */
  readonly #toldRefusals = new Set<string>();
  /** Nesting of `#apply` (an output can cause another input): work after an input waits for depth 0. */
  #depth = 0;
  #closed = false;

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
    this.generation = options.generation ?? 0;
    this.#observer = options.observer ?? false;
    this.#signer = tweetnaclSigner(identity);
    this.#node = new PeerlabNode({
      room: engineRoomId(options.room, this.generation),
      role: 'peer',
      signer: this.#signer,
      rng: seededRng(options.seed),
      lastSeq: options.lastSeq,
      ...(options.protocol ? { protocol: options.protocol } : {}),
      config: { traceReceived: true, ...(options.overlay ? { overlay: { ...DEFAULT_NODE_CONFIG.overlay, degree: options.overlay } } : {}) },
    });
    this.#clock = new EngineClock({ gate: options.gate, wall: () => Date.now(), deadline: () => this.#node.nextWakeup(), tick: () => this.#apply({ type: 'tick' }) });
    this.#tracer = new PeerTracer(identity.publicKey, this.#node, options.traceSequence, () => Date.now());
    this.#roster = new MemberRoster(identity.publicKey);
    this.#classroom = new ClassroomControls(options.seed, WALL_CLOCK, {
      self: identity.publicKey,
      candidates: () => this.#roster.churnCandidates(this.#observer),
      suspend: () => this.#setSuspended(true),
      resume: () => this.#setSuspended(false),
      behind: () => this.#node.eventsBehindPartners(),
      changed: () => this.#on.changed(),
    });
    // What the host kept from earlier visits, before anyone answers (trusted: verified when first received).
    if (options.restored && options.restored.length > 0) this.#node.handle({ type: 'restore', events: options.restored.map((event) => ({ event })) }, this.#clock.now());
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
        ...(options.protocol ? { protocol: options.protocol } : {}),
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
          this.#links.reconcile();
        },
        peer: (data) => this.#apply({ type: 'message', link: SERVER_LINK, data }),
        members: (members) => {
          this.#setRoster(members);
          this.#links.reconcile();
        },
        signal: ({ from, data }) => this.#links.signal(from, data),
        relay: ({ from, data }) => this.#links.relayed(from, data),
        refused: (reason, detail) => {
          this.refusedCount++;
          this.serverRefusals[reason] = (this.serverRefusals[reason] ?? 0) + 1;
          this.#on.notice(`Server refused a message: ${reason} (${detail}).`);
          this.#on.changed();
        },
        reset: (generation) => this.#onGeneration(generation),
      },
    );
    // Built after the server link it relays over; the server's events that reach it all come later.
    this.#links = new PeerLinks(
      {
        self: identity.publicKey,
        iceServers: options.iceServers,
        rtc: options.rtc,
        degree: options.overlay ?? DEFAULT_OVERLAY,
        node: this.#node,
        server: this.#server,
        roster: this.#roster,
      },
      {
        apply: (input) => this.#apply(input),
        applying: () => this.#depth > 0,
        closed: () => this.#closed,
        received: (peer, data) => {
          this.#classroom.faults.noteReceived(peer);
          this.#apply({ type: 'message', link: peerLinkId(peer), data });
        },
        changed: () => this.#on.changed(),
      },
    );
    this.#reporter = new TelemetryReporter({
      node: this.#node,
      name: this.name,
      observer: this.#observer,
      server: this.#server,
      wall: () => Date.now(),
      members: () => this.#roster.size,
      apply: (input) => this.#apply(input),
    });
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
    return this.#links.directPeers();
  }

  /** The server's member list (without this peer), with the link each pair has and why. */
  members(): MemberView[] {
    return this.#roster.views((peer) => {
      if (this.#node.isBanned(peer)) return { ...this.#links.view(peer), reason: BANNED_REASON };
      if (this.#node.isIncompatible(peer)) return { ...this.#links.view(peer), reason: INCOMPATIBLE_REASON };
      return this.#links.view(peer);
    });
  }

  /**
   * The attacker panel's way below the engine: this peer's own key, raw sends on its real links, and what
   * the transports saw. Nothing here can sign with another key or skip a receiver's checks.
   */
  attackPort(): AttackPort {
    return {
      node: this.#node,
      signer: this.#signer,
      name: this.name,
      sendRaw: (link, data) => this.#sendRaw(link, data),
      keepOwn: (event) => {
        this.#apply({ type: 'restore', events: [{ event }] });
        this.#on.saveLastSeq(this.#node.lastSeq);
      },
      serverRefusals: () => ({ ...this.serverRefusals }),
      declines: (peer) => this.#links.declines(peer),
      offer: (peer) => this.#links.offer(peer),
    };
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
      directPeers: this.#links.directPeers().length,
    };
  }

  // ---- what the UI (or a bot) calls ----

  sendChat(text: string): boolean {
    if (this.#closed) return false;
    const input = chatWrite(text, this.name);
    if (!input) return false;
    this.#apply(input);
    return true;
  }

  /** A ledger transfer between named accounts; the authority (or, in p2p, this peer) judges it. */
  transfer(from: string, to: string, amount: number, memo: string): boolean {
    if (this.#closed) return false;
    const checked = transferWrite(from, to, amount, memo);
    if ('refused' in checked) {
      this.#on.notice(checked.refused);
      return false;
    }
    this.#apply(checked.input);
    return true;
  }

  /** Paints one board cell; `over` is the id of the cell's winner this peer shows (it paints over that). */
  paint(x: number, y: number, color: PixelColor, over?: string): boolean {
    if (this.#closed) return false;
    const input = pixelWrite(x, y, color, over);
    if (!input) return false;
    this.#apply(input);
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
    return this.#classroom.view(this.#roster.names);
  }

  /** Debug/test hook: breaks one WebRTC channel as if the network had, so the overlay must repair it. */
  dropDirectLink(peer: string): boolean {
    return this.#links.breakLink(peer);
  }

  /** Benchmark hook: events taken as if from this host's own storage (trusted, not re-verified, not persisted). */
  restoreEvents(events: readonly SignedEvent[]): void {
    if (this.#closed) return;
    this.#apply({ type: 'restore', events: events.map((event) => ({ event })) });
  }

  /** Benchmark hook: leave the room as the churn generator makes a member leave (links and server closed, store kept), or come back. */
  setAway(away: boolean): void {
    this.#setSuspended(away);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.stop();
    this.#classroom.stop();
    this.#reporter.stop();
    this.#links.close();
    this.#server.close();
  }

  // ---- the driver ----

  #apply(input: Input): void {
    if (this.#closed) return;
    if (this.#clock.hold(input, () => this.#applyHeld(input))) {
      this.#on.changed();
      return;
    }
    this.#depth++;
    try {
      this.#tracer.begin(input);
      for (const output of this.#node.handle(input, this.#clock.now())) {
        this.#tracer.note(output);
        this.#perform(output);
      }
    } finally {
      this.#depth--;
    }
    if (this.#depth === 0) {
      this.#classroom.churn.observe();
      this.#links.settle();
      this.#clock.arm();
      this.#on.changed();
    }
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
        this.#links.wantReconcile();
        break;
      case 'rejected':
        // Counted by the engine (node.stats().rejections); a refusal of our own action is told, and so is a
        // link refused for its version (once: nothing more is read from it).
        if (output.rejection.fault === 'local') this.#on.notice(`Refused: ${output.rejection.reason} (${output.rejection.detail}).`);
        else if (output.link !== undefined && this.#node.links().get(output.link)?.refused) this.#noticeRefusedLink(output.link, output.rejection);
        break;
      case 'connect':
        this.#links.connect(output.peer);
        break;
      case 'drop':
        this.#links.drop(output.link);
        break;
      case 'signal':
        this.#links.signal(output.from, output.data);
        break;
      case 'service':
        break; // the admin stopped or restored the server's service; nothing for the transports to do
      case 'partition':
        this.#links.wantReconcile(); // the engine already dropped the links the partition cuts
        break;
      case 'faults':
        this.#classroom.faults.setRules(output.rules);
        break;
      case 'churn':
        this.#classroom.churn.follow(output.plan);
        break;
      default:
        output satisfies never;
    }
  }

  /** The first link refused for a given pair of versions is told; the member list shows every one. */
  #noticeRefusedLink(link: string, rejection: Rejection): void {
    if (this.#toldRefusals.has(rejection.detail)) return;
    this.#toldRefusals.add(rejection.detail);
    const peer = linkPeer(link);
    const who = peer === undefined ? 'the server' : (this.#roster.names.get(peer) ?? peer.slice(0, 8));
    this.#on.notice(`Link with ${who} refused (${rejection.reason}): ${rejection.detail}.`);
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
    this.#classroom.faults.send(peer, data, (faulted) => this.#links.send(peer, faulted));
  }

  /** Raw text on a link, past the engine and the fault stage (the attacker panel's sends). */
  #sendRaw(link: string, data: string): boolean {
    if (this.#closed) return false;
    if (link === SERVER_LINK) {
      if (!this.#server.joined) return false;
      this.#server.sendPeer(data);
      return true;
    }
    const peer = linkPeer(link);
    return peer !== undefined && this.#links.send(peer, data);
  }

  // ---- the server ----

  #onJoined(response: JoinAccepted): void {
    // Joined a newer generation than this engine's: take no part (no links, no old events offered).
    if (this.#onGeneration(response.generation)) return;
    this.serverKey = response.server;
    this.isAdmin = response.admin === this.#adminPair.publicKey;
    this.#links.joinedAt(response.epoch);
    this.#apply({ type: 'setAdmin', admin: response.admin });
    // The authority's key: its stamps order strict operations and its certificates admit members (hybrid).
    this.#apply({ type: 'setServer', server: response.server });
    this.#setRoster(response.members);
    this.#apply({ type: 'linkUp', link: SERVER_LINK, kind: 'server' });
    this.#links.reconcile();
    this.#links.connectDeferred();
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
    const change = this.#roster.update(members);
    this.#links.rosterChanged(change);
    this.#apply({ type: 'members', peers: [...change.listed] });
  }

  /** Churn: leave (close every peer link and the server connection) or come back. */
  #setSuspended(suspended: boolean): void {
    if (this.#closed || suspended === this.#links.suspended) return;
    this.#links.suspended = suspended;
    if (suspended) this.#server.suspend();
    else this.#server.resume();
    this.#links.reconcile();
  }
}
