/**
 * One peer, framework-free: a `PeerlabNode` (the sans-IO engine) plus its transports — the Socket.IO
 * server link, the WebRTC mesh and the server's relay. `#apply` is the only place the engine is driven: it
 * feeds one input with the engine's clock and performs every output. The browser's `PeerSession` wraps it
 * in Svelte state; the Node bot peers (e2e/bots) run it as is. What differs between the two is injected:
 * identity and sequence storage, the WebRTC implementation, the socket.io factory and the crypto path (a
 * browser's WebCrypto signs asynchronously: the engine asks with `sign` outputs, answered as `signed`).
 *
 * Inputs flow down one at a time: an input met while another is being handled (an effect the links
 * return, an output's consequence) waits in `#queue` and is handled after it, so no collaborator calls
 * back into the engine while it works.
 *
 * This class is the composition root; each job is a collaborator:
 * - `peerLinks.ts` (rules in `linkPolicy.ts`): the mesh, the relay, retries, and the engine's peer links,
 *   returning what happened as inputs for the engine;
 * - `adminCommands.ts`: the room admin's commands, checked and signed;
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
  PeerlabNode,
  seededRng,
  nobleSigner,
  toHex,
  signsInline,
  type Admission,
  type AnySigner,
  type CryptoSuite,
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
  type SignRequest,
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
import type { ClassroomView } from './classroomView.ts';
import { ClassroomControls } from './classroomControls.ts';
import { EngineClock } from './engineClock.ts';
import { linkPeer, PEER_PREFIX, SERVER_LINK } from './linkPolicy.ts';
import type { AttackPort } from '../attack/attacker.ts';
import { MemberRoster, nameOf, type MemberView } from './memberRoster.ts';
import { PeerLinks, type LinkEffect } from './peerLinks.ts';
import { AdminCommands, type AdminCommand } from './adminCommands.ts';
import { TelemetryReporter } from './telemetryReporter.ts';
import { WALL_CLOCK } from './wallClock.ts';
import { chatWrite, pixelWrite, transferWrite } from './userWrites.ts';

export { MAX_CHAT_CHARS } from './userWrites.ts';
export type { MemberLink, PeerLinkKind } from './linkPolicy.ts';
export type { MemberView } from './memberRoster.ts';

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
  /** How this platform signs and verifies (cryptoChoice.ts in a browser, nodeCrypto.ts in a bot). */
  readonly crypto: CryptoSuite;
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
  /** `own`: this page's writes, which may exist nowhere else yet (saved at once, not batched). */
  persist?(events: readonly { readonly id: string; readonly event: SignedEvent }[], own: boolean): void;
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
  /** Which path signs and verifies here, and why (the page shows both). */
  readonly cryptoPath: { readonly name: string; readonly why: string };
  /** The room's generation this driver's engine belongs to (its room id names it). */
  readonly generation: number;

  serverStatus: ServerStatus = 'connecting';
  serverDetail = '';
  serverKey: string | undefined;
  isAdmin = false;
  refusedCount = 0;
  /** The server's refusals of this page's messages, by reason (the attacker panel reads them). */
  readonly serverRefusals: Record<string, number> = {};
  /** The room's door for new identities as the server last told it (none before the join). */
  admission: Admission | undefined;

  readonly #node: PeerlabNode;
  /** This peer's own key, as the engine writes with it (asynchronous where the platform signs natively). */
  readonly #signer: AnySigner;
  /** The same key, synchronous: the attacker panel crafts its events with it. */
  readonly #craftSigner: Signer;
  readonly #crypto: CryptoSuite;
  readonly #verifier: Verifier;
  /** Keys the driver signs `sign` requests with: this peer's, and the room admin's once used. */
  readonly #signers = new Map<string, AnySigner>();
  readonly #adminPair: KeyPair;
  readonly #admin: AdminCommands;
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
  /** Inputs waiting for the one being handled (see the header); empty between outside events. */
  readonly #queue: Input[] = [];
  #draining = false;
  /** An output of the input being handled changed what the links should be (mode, partition). */
  #reconcileWanted = false;
  /** Signature checks asked for while a batch is being verified (see `#verify`). */
  readonly #verifyQueue: VerifyRequest[] = [];
  #verifyInFlight = false;
  #closed = false;

  constructor(options: DriverOptions, handlers: DriverHandlers) {
    const { identity } = options;
    this.room = options.room;
    this.name = options.name;
    this.publicKey = identity.publicKey;
    this.fingerprint = fingerprint(identity.publicKey);
    this.webrtcSupported = webRtcSupported(options.rtc);
    this.#on = handlers;
    this.#crypto = options.crypto;
    this.#verifier = options.crypto.verifier;
    this.cryptoPath = { name: options.crypto.name, why: options.crypto.why };
    this.#adminPair = options.adminPair;
    this.#admin = new AdminCommands(options.adminPair, identity.publicKey, () => this.#adminSigner());
    this.generation = options.generation ?? 0;
    this.#observer = options.observer ?? false;
    this.#signer = options.crypto.signer(identity);
    this.#signers.set(identity.publicKey, this.#signer);
    this.#craftSigner = nobleSigner(identity);
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
        signer: this.#signer,
        adminKey: this.#admin.publicKey,
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
          this.#applyEffects(this.#links.reconcile());
        },
        peer: (data) => this.#apply({ type: 'message', link: SERVER_LINK, data }),
        members: (members) => {
          this.#setRoster(members);
          this.#applyEffects(this.#links.reconcile());
        },
        signal: ({ from, data }) => this.#applyEffects(this.#links.signal(from, data)),
        relay: ({ from, data, alone }) => this.#applyEffects(this.#links.relayed(from, data, alone === true)),
        refused: (reason, detail) => {
          this.refusedCount++;
          this.serverRefusals[reason] = (this.serverRefusals[reason] ?? 0) + 1;
          this.#on.notice(`Server refused a message: ${reason} (${detail}).`);
          this.#on.changed();
        },
        reset: (generation) => this.#onGeneration(generation),
        admission: (admission) => {
          this.admission = admission;
          this.#on.changed();
        },
      },
    );
    // Built after the server link it relays over; the server's events that reach it all come later.
    this.#links = new PeerLinks({
      self: identity.publicKey,
      iceServers: options.iceServers,
      rtc: options.rtc,
      degree: options.overlay ?? DEFAULT_OVERLAY,
      node: this.#node,
      server: this.#server,
      roster: this.#roster,
      emit: (effects) => this.#applyEffects(effects),
    });
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
      signer: this.#craftSigner,
      name: this.name,
      sendRaw: (link, data) => this.#sendRaw(link, data),
      keepOwn: (event) => {
        this.#apply({ type: 'restore', events: [{ event }] });
        this.#on.saveLastSeq(this.#node.lastSeq);
      },
      serverRefusals: () => ({ ...this.serverRefusals }),
      declines: (peer) => this.#links.declines(peer),
      offer: (peer) => this.#applyEffects(this.#links.offer(peer)),
    };
  }

  snapshot(): PeerSnapshot {
    const node = this.#node;
    // One count per author, kept by the store: polling this costs the room's size, not its history.
    const authors = Object.fromEntries(node.store.authorCounts());
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
    this.#command({ type: 'setService', running });
  }

  switchMode(mode: Mode): void {
    this.#command({ type: 'switchMode', mode });
  }

  /** Admin: split the room's peer-to-peer links into groups of peer keys (unnamed peers join the first). */
  partition(groups: readonly (readonly string[])[]): void {
    this.#command({ type: 'partition', groups });
  }

  /** Admin: end the partition. */
  heal(): void {
    this.#command({ type: 'partition', groups: null });
  }

  /** Admin: how many new identities one address may bring into the room a minute (the server checks this socket's key). */
  setAdmission(perMinute: number): void {
    this.#command({ type: 'setAdmission', perMinute });
  }

  /** Admin: empty the room for everyone (a new generation); signed with the room admin key, checked by the server. */
  resetRoom(): void {
    this.#command({ type: 'resetRoom' });
  }

  /** Admin: set the fault rules of the room's peer links (an empty list clears them). */
  setFaults(rules: readonly FaultRule[]): void {
    this.#command({ type: 'setFaults', rules });
  }

  /** Admin: start or stop the churn generator; this tab is exempt, so the teacher keeps control. */
  setChurn(on: boolean, periodMs: number, downMs: number): void {
    this.#command({ type: 'setChurn', on, periodMs, downMs });
  }

  /** Every member's name ever seen, by key: the same map until a name is added or changed. */
  get names(): ReadonlyMap<string, string> {
    return this.#roster.names;
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
  restore(events: readonly SignedEvent[]): void {
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

  #command(command: AdminCommand): void {
    if (this.#closed) return;
    const action = this.#admin.run(command, { isAdmin: this.isAdmin, mode: this.#node.mode, room: this.room, generation: this.generation, now: Date.now() });
    if (action.type === 'input') this.#apply(action.input);
    else if (action.type === 'reset') this.#server.reset(action.request);
    else if (action.type === 'admission') this.#server.setAdmission(action.request);
    else if (action.type === 'notice') this.#on.notice(action.text);
  }

  /** Effects the links returned: a message from a peer is counted by the fault stage as it arrives. */
  #applyEffects(effects: readonly LinkEffect[]): void {
    for (const effect of effects) {
      if (effect.type === 'message') {
        const peer = linkPeer(effect.link);
        if (peer !== undefined) this.#classroom.faults.noteReceived(peer);
      }
      this.#apply(effect);
    }
  }

  /** Queues one input and, unless an input is being handled already, handles the queue in order. */
  #apply(input: Input): void {
    if (this.#closed) return;
    this.#queue.push(input);
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let next = this.#queue.shift(); next !== undefined && !this.#closed; next = this.#queue.shift()) this.#handle(next);
    } finally {
      this.#draining = false;
      this.#queue.length = 0;
    }
    if (this.#closed) return;
    this.#classroom.churn.observe();
    this.#clock.arm();
    this.#on.changed();
  }

  #handle(input: Input): void {
    // A message for a link the engine no longer has (dropped while it waited) goes nowhere, as its transport would have.
    if (input.type === 'message' && !this.#node.links().has(input.link)) return;
    if (this.#clock.hold(input, () => this.#apply(input))) return;
    this.#tracer.begin(input);
    for (const output of this.#node.handle(input, this.#clock.now())) {
      this.#tracer.note(output);
      this.#perform(output);
    }
    if (this.#reconcileWanted) {
      this.#reconcileWanted = false;
      this.#queue.push(...this.#links.reconcile());
    }
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
      case 'sign':
        this.#sign(output.requests);
        break;
      case 'accepted':
        if (output.local) this.#on.saveLastSeq(this.#node.lastSeq);
        this.#on.persist?.(output.events, output.local);
        break;
      case 'mode':
        this.#reconcileWanted = true;
        break;
      case 'rejected':
        // Counted by the engine (node.stats().rejections); a refusal of our own action is told, and so is a
        // link refused for its version (once: nothing more is read from it).
        if (output.rejection.fault === 'local') this.#on.notice(`Refused: ${output.rejection.reason} (${output.rejection.detail}).`);
        else if (output.link !== undefined && this.#node.links().get(output.link)?.refused) this.#noticeRefusedLink(output.link, output.rejection);
        break;
      case 'connect':
        this.#queue.push(...this.#links.connect(output.peer));
        break;
      case 'drop':
        this.#links.drop(output.link);
        break;
      case 'signal':
        this.#queue.push(...this.#links.signal(output.from, output.data));
        break;
      case 'service':
        break; // the admin stopped or restored the server's service; nothing for the transports to do
      case 'partition':
        this.#reconcileWanted = true; // the engine already dropped the links the partition cuts
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
    const who = peer === undefined ? 'the server' : nameOf(this.#roster.names, peer);
    this.#on.notice(`Link with ${who} refused (${rejection.reason}): ${rejection.detail}.`);
  }

  /**
   * One verification batch in flight at a time: what is asked meanwhile waits and goes as the next batch
   * the moment this one answers. No timer: an idle page verifies at once; a busy one answers many events
   * with one `verified` input, so they are stored, persisted and pushed on as one batch per link.
   */
  #verify(requests: readonly VerifyRequest[]): void {
    this.#verifyQueue.push(...requests);
    if (!this.#verifyInFlight) this.#verifyNext();
  }

  #verifyNext(): void {
    const batch = this.#verifyQueue.splice(0);
    this.#verifyInFlight = batch.length > 0;
    if (batch.length === 0 || this.#closed) return;
    const answer = (ok: readonly boolean[]): void => {
      this.#apply({ type: 'verified', results: batch.map((request, i) => ({ id: request.id, ok: ok[i] ?? false })) });
      this.#verifyNext();
    };
    this.#verifier.verifyBatch(batch).then(answer, () => answer([]));
  }

  /** The room admin key's signer, made on first use (only the admin's page signs with it). */
  #adminSigner(): AnySigner {
    let signer = this.#signers.get(this.#adminPair.publicKey);
    if (!signer) {
      signer = this.#crypto.signer(this.#adminPair);
      this.#signers.set(this.#adminPair.publicKey, signer);
    }
    return signer;
  }

  /** One batch per key; the answers (or the failure) go back to the engine later, which never awaits them. */
  #sign(requests: readonly SignRequest[]): void {
    const byKey = new Map<string, SignRequest[]>();
    for (const request of requests) byKey.set(request.publicKey, [...(byKey.get(request.publicKey) ?? []), request]);
    for (const [key, batch] of byKey) {
      const signer = this.#signers.get(key);
      const messages = batch.map((request) => request.message);
      const signatures = new Promise<Uint8Array[]>((resolve, reject) => {
        if (!signer) reject(new Error(`no signer for key ${key.slice(0, 8)}`));
        else if (signsInline(signer)) resolve(messages.map((message) => signer.sign(message)));
        else resolve(signer.signBatch(messages));
      });
      signatures.then(
        (sigs) => this.#apply({ type: 'signed', results: batch.map((request, i) => (sigs[i] ? { id: request.id, ok: true as const, sig: toHex(sigs[i]) } : { id: request.id, ok: false as const })) }),
        () => this.#apply({ type: 'signed', results: batch.map((request) => ({ id: request.id, ok: false as const })) }),
      );
    }
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
    this.isAdmin = response.admin === this.#admin.publicKey;
    this.admission = response.admission;
    this.#links.joinedAt(response.epoch);
    this.#apply({ type: 'setAdmin', admin: response.admin });
    // The authority's key: its stamps order strict operations and its certificates admit members (hybrid).
    this.#apply({ type: 'setServer', server: response.server });
    this.#setRoster(response.members);
    this.#apply({ type: 'linkUp', link: SERVER_LINK, kind: 'server' });
    // Starts the direct links the overlay asked for on the roster above, if the room's mode is known.
    this.#applyEffects(this.#links.reconcile());
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
    this.#applyEffects(this.#links.reconcile());
  }
}
