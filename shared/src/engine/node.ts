/**
 * The protocol engine: one room's node, sans-IO. The driver feeds it inputs with the current time and
 * performs the outputs it returns; `nextWakeup()` says when to call back with a `tick`. It never reads a
 * clock, a random source or a socket, so the same code runs in the browser, on the server, in tests
 * over an in-memory network and in the simulator.
 *
 * Rules it keeps:
 * - every event is decoded by `decodeMessage`, then its signature is checked once (a `verify` output
 *   answered by a `verified` input), before it enters the store; a gossiped telemetry report too, before
 *   it is kept or forwarded (and only when it is newer than the one held for its origin);
 * - new events are pushed along the links the mode's policy allows (push gossip), and version-vector
 *   summaries exchanged on link-up and every `antiEntropyIntervalMs` repair what push missed;
 * - the mode is the newest `mode` event signed by the room's admin key (its epoch is its sequence number);
 * - a message on a peer link is charged to that link's budget before it is decoded (floodGuard.ts): over
 *   budget it is refused, and a link that keeps flooding is dropped and its key banned for a while;
 * - it speaks one protocol version (`components.protocol`, this build's newest by default) and each link
 *   records what its remote's hello declared: a message form behind a feature goes only to remotes that
 *   named it, events of any kind go to everyone of the major, and a hello of another major is refused
 *   (`unsupported_version`; the rule is in version.ts).
 *
 * It holds the state and wires the inputs to outputs; each piece of bookkeeping lives in its own pure
 * collaborator: nodeIo.ts (inputs, outputs, config), outbox.ts (batching of one call's outputs),
 * linkTable.ts (links, remotes' versions, bans and refused keys), eventIntake.ts (checks and pending
 * verification of incoming events), controlState.ts (mode, service, partition, faults, churn),
 * authority.ts (the server's ack positions, stamps and admissions), ledger.ts (the ledger folded from
 * the store), gossip.ts (push targets, anti-entropy),
 * pushTree.ts (which peer links carry event bodies, and the lazy links' `have`s),
 * reportGossip.ts (telemetry reports), overlay.ts (the mesh), signalRouter.ts (mesh-relayed signals).
 */
import { CONTROL_KINDS, eventClass, isControlKind, signingBytes, eventId, type AdmitBody, type FaultRule, type Mode, type SignedEvent, type TransferBody, type UnsignedEvent } from './event.ts';
import { decodeEvent, decodeMessage, MAX_MESSAGE_BYTES, type Ack, type VersionVector, type WireMessage } from './messages.ts';
import { carries, serverOrdersStrict, wantsDirectLinks, type LinkKind } from './mode.ts';
import { Overlay } from './overlay.ts';
import { SignalRouter, type RouteDecision } from './signalRouter.ts';
import { emptyRejectionCounts, reject, type Rejection } from './rejections.ts';
import { EventStore, type StoredEvent } from './store.ts';
import type { HeldReport, TelemetryReport } from './telemetry.ts';
import { CURRENT_PROTOCOL, formatVersion, hasFeature, INCOMPATIBLE_RETRY_MS, REFUSED_LINK_GRACE_MS, remoteVersion, understands, type ProtocolVersion } from './version.ts';
import { limitsAnything, LinkBudget, refusalDetail } from './floodGuard.ts';
import { reportSigningBytes } from './reportSignature.ts';
import { toHex } from './encoding.ts';
import { DEFAULT_NODE_CONFIG, type ChurnPlan, type DropReason, type IncompatiblePeer, type Input, type LinkView, type NodeComponents, type NodeConfig, type NodeStats, type Output, type Role, type TrafficCounter } from './nodeIo.ts';
import { Outbox } from './outbox.ts';
import { emptyTraffic, Exclusions, heldOrSent, isPeerLink, LinkTable, type LinkState } from './linkTable.ts';
import { ADMIN_CONTROL_KINDS, adminControlEvent, ControlState, newestAdminEvent, partitionedBetween } from './controlState.ts';
import { acksBySource, AuthorityRecord } from './authority.ts';
import { checkBeforeSignature, heldId, incomingId, lacksBeyondPending, PendingEvents, type RoomContext } from './eventIntake.ts';
import { countBeyond, HELLO_PUSH_MAX, PULL_MIN, Pulls } from './catchUp.ts';
import { AnnouncedMissing, graftCandidates, GraftWait, haveDelayFor, HaveSchedule, inTree, PendingGrafts, treeBetween, relaysToPrune, shouldPrune, Spreading, startsLazy } from './pushTree.ts';
import { AntiEntropyClock, antiEntropyPartner, pushTargets, summaryAuthors } from './gossip.ts';
import { ReportAnnouncements } from './reportAnnouncements.ts';
import { ReportGossip, type Asks, type ReportPlan } from './reportGossip.ts';
import { LedgerFold, type Ledger } from './ledger.ts';
import { signsInline, type AnySigner, type Rng, type SignResult, type VerifyRequest } from '../ports/ports.ts';
import { PendingSignatures, type WriteContent } from './pendingSignatures.ts';
import { shuffled } from '../ports/rng.ts';

export { DEFAULT_NODE_CONFIG, type ChurnPlan, type DropReason, type IncompatiblePeer, type Input, type LinkView, type NodeComponents, type NodeConfig, type NodeStats, type Output, type Role } from './nodeIo.ts';

export class PeerlabNode {
  readonly store = new EventStore();
  readonly id: string;
  readonly room: string;
  readonly role: Role;
  /** The protocol version this node speaks. */
  readonly protocol: ProtocolVersion;
  readonly #signer: AnySigner;
  readonly #rng: Rng;
  readonly #config: NodeConfig;
  readonly #links = new LinkTable();
  /** Received events awaiting their signature check. */
  readonly #verifying = new PendingEvents();
  /** The server's decisions: ack positions, stamps, admissions (and on the server, the balances it judges by). */
  readonly #authority = new AuthorityRecord();
  /** The ledger, folded from the store's arrivals when read. */
  readonly #ledger = new LedgerFold(this.store);
  readonly #pendingOwn = new Set<number>();
  /** Writes and reports awaiting their signature from the driver (an asynchronous signer only). */
  readonly #signing = new PendingSignatures();
  readonly #rejections = emptyRejectionCounts();
  readonly #sent = emptyTraffic();
  readonly #received = emptyTraffic();
  #duplicates = 0;
  #floodDrops = 0;
  /** Keys dropped for flooding or refused for their major version, for a while. */
  readonly #exclusions = new Exclusions();
  #lastSeq: number;
  #admin: string | undefined;
  #server: string | undefined;
  /** Mode, service, partition, faults, churn: the newest admin event of each kind. */
  readonly #control = new ControlState();
  /** Time of the input being handled: handlers below read it instead of threading it through. */
  #now = 0;
  readonly #overlay: Overlay | undefined;
  readonly #router: SignalRouter;
  /** Peers only: when the next anti-entropy round is due. */
  readonly #antiEntropy: AntiEntropyClock;
  /** Telemetry reports heard by gossip (and this node's own), and those awaiting their signature check. */
  readonly #reportGossip: ReportGossip;
  /** Peers only: when lazy push-tree links next hear what is new. */
  readonly #haves = new HaveSchedule(() => haveDelayFor(this.#graftWait.waitMs));
  readonly #grafts = new PendingGrafts();
  /** How long the tree may take to bring what a lazy link announced, learnt from how grafts turn out. */
  readonly #graftWait = new GraftWait();
  readonly #announced = new AnnouncedMissing(() => this.#graftWait.waitMs);
  /** Peers only: report announcements waiting for their link's next batch. */
  readonly #reportAnnouncements = new ReportAnnouncements();
  readonly #pulls = new Pulls();
  /** Events still spreading over the push tree, which anti-entropy answers over tree links leave out. */
  readonly #spreading = new Spreading();

  constructor(components: NodeComponents) {
    this.room = components.room;
    this.role = components.role;
    this.protocol = components.protocol ?? CURRENT_PROTOCOL;
    this.#signer = components.signer;
    this.id = components.signer.publicKey;
    this.#rng = components.rng;
    this.#admin = components.admin;
    this.#server = components.role === 'server' ? components.signer.publicKey : components.server;
    this.#lastSeq = components.lastSeq ?? 0;
    this.#config = { ...DEFAULT_NODE_CONFIG, ...components.config };
    this.#overlay = this.role === 'peer' ? new Overlay(this.id, this.#rng, this.#config.overlay) : undefined;
    this.#router = new SignalRouter(this.id, this.#rng);
    this.#antiEntropy = new AntiEntropyClock(this.#config.antiEntropyIntervalMs, this.#config.antiEntropyMaxIntervalMs);
    this.#reportGossip = new ReportGossip(this.room, this.protocol);
  }

  /**
   * Whether to accept a direct link another peer opens: not across a partition, not from a banned key or
   * one just refused for its major version, not above the degree's high watermark.
   */
  acceptsDirectLink(peer?: string): boolean {
    if (peer !== undefined && (this.partitionedBetween(this.id, peer) || this.isBanned(peer) || this.isIncompatible(peer))) return false;
    return this.#overlay?.acceptsIncoming(this.#links.forOverlay()) ?? false;
  }

  /** Whether `peer` was refused for its major version a short while ago (at the time of the last input). */
  isIncompatible(peer: string): boolean {
    return this.#exclusions.isIncompatible(peer, this.#now);
  }

  /** Keys refused for their major version, still left alone as of the last input. */
  incompatiblePeers(): readonly IncompatiblePeer[] {
    return this.#exclusions.incompatible(this.#now);
  }

  /** Whether `peer` is banned for flooding (at the time of the last input). */
  isBanned(peer: string): boolean {
    return this.#exclusions.isBanned(peer, this.#now);
  }

  /** Keys banned for flooding and until when (engine clock), as of the last input. */
  bans(): readonly { readonly peer: string; readonly until: number }[] {
    return this.#exclusions.bans(this.#now);
  }

  /** The admin's current partition of the room, if any. */
  get partition(): readonly (readonly string[])[] | null {
    return this.#control.partition;
  }

  /** The admin's current fault rules for peer links (empty: none). */
  get faults(): readonly FaultRule[] {
    return this.#control.faults;
  }

  /** The admin's running churn generator, or null. */
  get churn(): ChurnPlan | null {
    return this.#control.churn;
  }

  /**
   * Events the partners' last summaries (over peer links) say they hold and this node lacks, or undefined
   * before any peer partner has reported: a returning peer has caught up when this reaches 0.
   */
  eventsBehindPartners(): number | undefined {
    return this.#links.eventsBehind(this.store.versionVector(() => true));
  }

  /** Whether the admin's partition puts `a` and `b` in different groups (members named in none are in the first). */
  partitionedBetween(a: string, b: string): boolean {
    return partitionedBetween(this.#control.partition, a, b);
  }

  /** Members this node knows of: the server's roster and those heard of by peer exchange. */
  knownMembers(): string[] {
    return this.#overlay?.members() ?? [];
  }

  get mode(): Mode {
    return this.#control.mode;
  }

  get epoch(): number {
    return this.#control.epoch;
  }

  get admin(): string | undefined {
    return this.#admin;
  }

  get server(): string | undefined {
    return this.#server;
  }

  /** False while the admin has stopped the server's service of the room. */
  get serviceRunning(): boolean {
    return this.#control.serviceRunning;
  }

  isAdmitted(peer: string): boolean {
    return this.#authority.isAdmitted(peer);
  }

  /** The ledger as this node sees it; strict while the mode has the server order transfers. */
  ledger(): Ledger {
    return this.#ledger.view({ server: this.#server, strict: serverOrdersStrict(this.#control.mode) });
  }

  /** Own writes no link has confirmed holding yet (the server's ack, or a peer's summary), or not even signed yet. */
  get pendingCount(): number {
    return this.#pendingOwn.size + this.#signing.count(this.id);
  }

  /** Highest sequence number of an own event in the state (a write still awaiting its signature is not counted). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Where the server placed an event when it acknowledged it (the ack's `order` on the wire), once known. */
  ackPositionOf(id: string): number | undefined {
    return this.#authority.ackPositionOf(id);
  }

  links(): ReadonlyMap<string, LinkView> {
    return this.#links;
  }

  /** The newest report of each origin this node heard (receivedAt on the driver's clock). */
  reports(): readonly HeldReport[] {
    return this.#reportGossip.all();
  }

  stats(): NodeStats {
    const { needless, useful } = this.#graftWait.verdicts;
    const tree = { graftWaitMs: Math.round(this.#graftWait.waitMs), needlessGrafts: needless, usefulGrafts: useful };
    return { rejections: { ...this.#rejections }, duplicates: this.#duplicates, floodDrops: this.#floodDrops, tree, sent: this.#sent, received: this.#received };
  }

  nextWakeup(): number | undefined {
    // The driver asks after every input: no arrays.
    let next = earliest(earliest(this.#antiEntropy.next, this.#overlay?.nextWakeup()), this.#links.nextDropAt());
    next = earliest(earliest(next, this.#reportGossip.nextDeadline()), earliest(earliest(this.#haves.due, this.#grafts.due), this.#announced.due));
    return earliest(next, this.#reportAnnouncements.due);
  }

  handle(input: Input, now: number): Output[] {
    const out = new Outbox(this.#config.maxBatchBytes, (link) => this.#links.isRefused(link));
    this.#now = now;
    switch (input.type) {
      case 'linkUp':
        // A banned key gets no link at all: not even our hello. Nor one just refused for its version.
        if (isPeerLink(input.kind) && input.peer !== undefined && (this.isBanned(input.peer) || this.isIncompatible(input.peer))) {
          out.push({ type: 'drop', link: input.link, reason: this.isBanned(input.peer) ? 'banned' : 'incompatible' });
          break;
        }
        this.#links.set(input.link, this.#newLink(input.kind, input.peer, input.lossless === true));
        this.#overlay?.linkUp(input.link, input.kind, input.peer, now);
        this.#antiEntropy.quicken(now);
        this.#send(out, input.link, this.#hello(input.kind));
        this.#pushUnstamped(out, input.link);
        break;
      case 'linkKind': {
        const link = this.#links.get(input.link);
        if (link && link.kind !== input.kind) {
          const before = this.#control.carriage(link.kind);
          link.kind = input.kind;
          link.lazy = startsLazy(link);
          link.budget ??= this.#budgetFor(input.kind).budget;
          this.#shapeTree(out);
          if (!link.refused) this.#overlay?.linkUp(input.link, input.kind, link.peer, now);
          if (this.#control.carriage(input.kind) !== before) this.#sendSummary(out, input.link, true);
        }
        break;
      }
      case 'linkDown':
        this.#links.delete(input.link);
        this.#pulls.linkDown(input.link);
        this.#overlay?.linkDown(input.link);
        this.#reportLinkDown(out, input.link);
        this.#stayOnTree(out);
        break;
      case 'message':
        this.#receive(out, input.link, input.data);
        break;
      case 'verified':
        this.#onVerified(out, input.results);
        break;
      case 'signed':
        this.#onSigned(out, input.results);
        break;
      case 'write': {
        const refusal = !understands(this.protocol, input.kind)
          ? reject('schema', `this node speaks protocol ${formatVersion(this.protocol)}, which has no ${input.kind} events`, 'local')
          : input.kind === 'transfer'
            ? this.#checkLocalTransfer(input.body as TransferBody)
            : undefined;
        if (refusal) out.push({ type: 'rejected', rejection: refusal });
        else this.#write(out, this.#signer, () => ({ kind: input.kind, body: input.body }));
        break;
      }
      case 'switchMode':
      case 'setService':
      case 'partition':
      case 'setFaults':
      case 'setChurn': {
        if (input.admin.publicKey !== this.#admin) {
          out.push({ type: 'rejected', rejection: reject('not_admin', 'only the room admin key can change how the room runs', 'local') });
          break;
        }
        this.#write(out, input.admin, (epoch) => adminControlEvent(input, epoch));
        break;
      }
      case 'admit':
        if (this.role === 'server' && !this.#authority.isAdmitted(input.peer)) this.#write(out, this.#signer, () => ({ kind: 'admit', body: { peer: input.peer } satisfies AdmitBody }));
        break;
      case 'setAdmin':
        this.#admin = input.admin;
        this.#reviewControl(out);
        break;
      case 'setServer':
        if (this.role === 'peer') this.#server = input.server;
        this.#reviewControl(out);
        break;
      case 'members':
        this.#overlay?.setRoster(input.peers, now);
        break;
      case 'connectFailed':
        this.#overlay?.connectFailed(input.peer, now);
        break;
      case 'routeSignal':
        this.#route(out, this.#router.originate(input.to, input.data, this.#links.neighbours()));
        break;
      case 'restore':
        this.#restore(out, input.events);
        break;
      case 'report':
        // Signed with this node's key, so a report in another peer's name would fail everywhere.
        if (input.report.peer !== this.id) out.push({ type: 'rejected', rejection: reject('schema', 'a report names another peer than this node', 'local') });
        else this.#floodReport(out, input.report, undefined, undefined, 0);
        break;
      case 'tick':
        break;
      default:
        unreachableInput(input);
    }
    this.#runTimers(out, now);
    return out.flush((link, data, events) => {
      this.#count(this.#sent, link, data.length);
      this.#overlay?.sent(link, now);
      if (events) this.#links.noteSent(link, events);
    });
  }

  // ---- receiving ----

  #receive(out: Outbox, linkId: string, data: string): void {
    const link = this.#links.get(linkId);
    if (!link) {
      out.push({ type: 'rejected', link: linkId, rejection: reject('schema', `message on unknown link ${linkId}`, 'local') });
      return;
    }
    // Across the admin's partition, peer traffic is lost, as on a cut network.
    if (isPeerLink(link.kind) && link.peer !== undefined && this.partitionedBetween(this.id, link.peer)) return;
    this.#count(this.#received, linkId, data.length);
    // Refused once for its major version (and counted then): nothing more from it is read.
    if (link.refused) return;
    // Before any decoding work: a flood costs a counter per message, nothing more.
    if (link.budget && !this.#withinBudget(out, linkId, link, link.budget, data.length)) return;
    this.#overlay?.heard(linkId, this.#now);
    const decoded = decodeMessage(data, MAX_MESSAGE_BYTES, this.protocol, (raw) => heldId(raw, this.store, this.#verifying));
    if (!decoded.ok) {
      this.#rejected(out, linkId, decoded);
      // Only a hello is refused for its version as a whole message (events are refused one by one).
      if (decoded.reason === 'unsupported_version') this.#refuseVersion(linkId, link, decoded.detail);
      return;
    }
    for (const rejection of decoded.value.rejectedEvents) this.#rejected(out, linkId, rejection);
    const message = decoded.value.message;
    const tracedIds = this.#config.traceReceived ? out.received(linkId, link.kind, message, data.length) : undefined;
    switch (message.t) {
      case 'hello':
        if (message.room !== this.room) {
          this.#rejected(out, linkId, reject('wrong_room', `hello for room ${message.room}`));
          return;
        }
        if (isPeerLink(link.kind) && this.isBanned(message.peer)) {
          this.#rejected(out, linkId, reject('rate_limited', `hello from ${message.peer.slice(0, 8)}, banned for flooding`));
          this.#dropLink(out, linkId, 'banned');
          return;
        }
        link.peer = message.peer;
        link.remote = remoteVersion(message);
        link.tree = treeBetween(this.protocol, link.remote);
        link.lazy = startsLazy(link);
        this.#shapeTree(out);
        if (isPeerLink(link.kind)) this.#overlay?.learn([message.peer], this.#now);
        if (isPeerLink(link.kind) && hasFeature(this.protocol, 'hello-pull') && hasFeature(link.remote, 'hello-pull')) this.#pullOnHello(out, linkId, link, message.vv);
        else this.#onSummary(out, linkId, link, message.vv, false);
        this.#announceHeld(linkId, link);
        break;
      case 'vv':
        this.#onSummary(out, linkId, link, message.vv, message.reply, inTree(link) && message.pull !== true);
        break;
      case 'events':
        this.#onEvents(out, linkId, message.events, decoded.value.heldIds, tracedIds);
        break;
      case 'prune':
        if (inTree(link)) link.lazy = true;
        this.#stayOnTree(out);
        break;
      case 'have':
        this.#onHave(linkId, link, message.ids);
        break;
      case 'graft':
        if (inTree(link)) link.lazy = false;
        out.events(linkId, message.ids.flatMap((id) => {
          const stored = this.store.get(id);
          return stored && this.#carriesOver(link.kind, stored) ? [stored] : [];
        }));
        break;
      case 'ack':
        this.#onAcks(message.acks);
        break;
      case 'ping':
        break;
      case 'peers':
        this.#overlay?.learn(message.peers, this.#now);
        break;
      case 'report':
        // Gossip only: a report over the server link is not this protocol's (the server collects over the socket).
        if (isPeerLink(link.kind)) this.#onReport(out, linkId, message.report, message.sig, message.age ?? 0);
        break;
      case 'rhave':
        if (this.#gossipsReports(link)) this.#ask(out, new Map([[linkId, this.#reportGossip.announced(linkId, message.reports, this.id, this.#now)]]));
        break;
      case 'rwant':
        if (this.#gossipsReports(link)) {
          const withAge = this.#reportGossip.announcesTo(link.remote);
          for (const { report, sig, age } of this.#reportGossip.asked(linkId, message.origins, link.remote, this.#now)) this.#send(out, linkId, withAge ? { t: 'report', report, sig, age } : { t: 'report', report, sig });
        }
        break;
      case 'route':
        if (link.kind !== 'direct') break;
        {
          const decision = this.#router.receive(message, linkId, this.#links.neighbours());
          if (decision.deliver) out.push({ type: 'signal', from: message.from, data: message.data });
          this.#route(out, decision);
        }
        break;
      default:
        unreachableInput(message);
    }
  }

  /** `settled`: leave out events still spreading over the push tree (a periodic round over a tree link). */
  #onSummary(out: Outbox, linkId: string, link: LinkState, vv: VersionVector, reply: boolean, settled = false): void {
    link.reported = vv;
    this.#confirmOwn(vv[this.id] ?? 0);
    const include = this.#authorFilter(link.kind);
    // Over a lossless link (the server's) what was sent is on its way: a summary that does not show it yet gets the rest only.
    const all = this.store.missingFrom(link.sent ? heldOrSent(vv, link.sent) : vv, include);
    const missing = settled ? all.filter((stored) => !this.#spreading.has(stored.id, this.#now)) : all;
    if (missing.length > 0) out.events(linkId, missing);
    // Either side holding what the other lacks is news: rounds come quickly again until all agree.
    if (missing.length > 0 || this.store.lacksSomethingIn(vv, include)) this.#antiEntropy.quicken(this.#now);
    // Over a lossless link the remote needs our summary back only to send what we lack, so only when it
    // holds some that is not already here awaiting its check.
    if (reply && (!link.sent || lacksBeyondPending(vv, this.store, this.#verifying, include))) this.#sendSummary(out, linkId, false);
  }

  /**
   * A hello between two nodes that both pull (catchUp.ts): what the remote lacks is pushed only if it is
   * little; if the remote holds many events this node neither holds nor expects from a pull under way,
   * this node asks it for them.
   */
  #pullOnHello(out: Outbox, linkId: string, link: LinkState, theirs: VersionVector): void {
    const include = this.#authorFilter(link.kind);
    if (this.store.countMissingFrom(theirs, include) <= HELLO_PUSH_MAX) this.#onSummary(out, linkId, link, theirs, false);
    else {
      link.reported = theirs;
      this.#confirmOwn(theirs[this.id] ?? 0);
      this.#antiEntropy.quicken(this.#now);
    }
    const summary = this.#summaryFor(link);
    if (countBeyond(theirs, summary, include) < PULL_MIN) return;
    this.#send(out, linkId, { t: 'vv', vv: summary, reply: false, pull: true });
    this.#pulls.pulling(linkId, theirs, this.#now);
  }

  /** `heldIds`: events of the message the decoder found already held or being verified (not decoded again). */
  #onEvents(out: Outbox, linkId: string, events: readonly SignedEvent[], heldIds: readonly string[], tracedIds?: string[]): void {
    if (events.length > 0) this.#pulls.progress(linkId, this.#now);
    const requests: VerifyRequest[] = [];
    const acks: Ack[] = [];
    let duplicates = 0;
    const duplicate = (id: string, event: SignedEvent | undefined): void => {
      duplicates++;
      this.#duplicates++;
      const position = this.#authority.ackPositionOf(id);
      if (this.role === 'server' && position !== undefined && event) acks.push({ author: event.author, seq: event.seq, order: position });
    };
    for (const id of heldIds) {
      tracedIds?.push(id);
      this.#graftWait.arrived(id, linkId, this.#now);
      duplicate(id, this.store.get(id)?.event);
    }
    // Nothing below changes these: an event enters the store only once verified.
    const room: RoomContext = { room: this.room, admin: this.#admin, server: this.#server, mode: this.#control.mode, isAdmitted: (key) => this.#authority.isAdmitted(key) };
    for (const event of events) {
      const id = incomingId(this.store, event);
      tracedIds?.push(id);
      this.#graftWait.arrived(id, linkId, this.#now);
      if (this.store.has(id) || this.#verifying.has(id)) {
        duplicate(id, event);
        continue;
      }
      const invalid = checkBeforeSignature(event, room, this.#links.get(linkId)?.kind === 'server') ?? this.#checkRoute(linkId, event);
      if (invalid) {
        this.#rejected(out, linkId, invalid);
        continue;
      }
      requests.push(this.#verifying.add(id, event, linkId));
    }
    if (acks.length > 0) this.#send(out, linkId, { t: 'ack', acks });
    if (requests.length > 0) out.push({ type: 'verify', requests });
    // A body that came twice shows a cycle in the push tree: this link need only announce (pushTree.ts).
    if (duplicates > 0 && shouldPrune(this.#links, linkId)) {
      this.#links.get(linkId)!.lazy = true;
      this.#send(out, linkId, { t: 'prune' });
    }
  }

  /** A lazy link's news: the events this node neither holds nor is verifying are grafted if the tree does not bring them soon. */
  #onHave(linkId: string, link: LinkState, ids: readonly string[]): void {
    const wanted = ids.filter((id) => !this.store.has(id) && !this.#verifying.has(id));
    // Not `inTree(link)`: a `have` shows the remote takes part even where its hello was lost on a faulty
    // link (then it counts as 1.0 here, and waiting for anti-entropy would leave its announcements unanswered).
    if (wanted.length === 0 || !isPeerLink(link.kind)) return;
    this.#announced.heard(wanted, linkId, this.#now);
  }

  /** Graft a link for the events it announced that the tree has not brought: it carries bodies again. */
  #graft(out: Outbox, linkId: string, ids: readonly string[]): void {
    const link = this.#links.get(linkId);
    if (!link) return;
    link.lazy = false;
    this.#send(out, linkId, { t: 'graft', ids });
    this.#grafts.asked(ids, linkId, this.#now);
    if (ids.length > 0) this.#graftWait.grafted(ids, linkId, this.#now);
  }

  /** A tree link came or changed kind: bodies over a direct link rather than the relay, and some link eager. */
  #shapeTree(out: Outbox): void {
    if (this.role !== 'peer') return;
    for (const linkId of relaysToPrune(this.#links)) {
      this.#links.get(linkId)!.lazy = true;
      this.#send(out, linkId, { t: 'prune' });
    }
    this.#stayOnTree(out);
  }

  /** No eager peer link left (pruned off, or only relayed pairs): graft a random lazy one, asking for nothing yet. */
  #stayOnTree(out: Outbox): void {
    const partner = shuffled(this.#rng, graftCandidates(this.#links))[0];
    if (partner === undefined) return;
    this.#links.get(partner)!.lazy = false;
    this.#send(out, partner, { t: 'graft', ids: [] });
  }

  /** Whether a link of this kind carries this event in the current mode. */
  #carriesOver(kind: LinkKind, stored: StoredEvent): boolean {
    return carries(this.#control.carriage(kind), eventClass(stored.event.kind));
  }

  /**
   * Data must arrive over a link the mode routes data over: the server takes no chat in p2p, a peer
   * takes none over WebRTC in client-server. Control events are checked by signature, from anywhere.
   * A writer that had not yet heard of a switch loses nothing: its event spreads by the new mode's routes.
   * What the authority sends a peer is taken whatever mode the peer believes in (a mode event may still be
   * under verification): it is in the room's one log, and its server sends it once (a lossless link).
   */
  #checkRoute(linkId: string, event: SignedEvent): Rejection | undefined {
    const link = this.#links.get(linkId);
    if (!link || link.kind === 'server' || isControlKind(event.kind) || carries(this.#control.carriage(link.kind), eventClass(event.kind))) return undefined;
    return reject('wrong_mode', `${event.kind} event over a ${link.kind} link in ${this.#control.mode}`);
  }

  #onVerified(out: Outbox, results: readonly { id: string; ok: boolean }[]): void {
    const added: StoredEvent[] = [];
    const sources = new Map<string, string>();
    for (const { id, ok } of results) {
      const report = this.#reportGossip.take(id);
      if (report) {
        if (ok) this.#floodReport(out, report.report, report.sig, report.link, report.age);
        else {
          this.#rejected(out, report.link, reject('bad_signature', `report ${report.report.seq} in the name of ${report.report.peer.slice(0, 8)}`));
          const asks: Asks = new Map();
          this.#reportGossip.failed(report.report.peer, report.link, this.#now, asks);
          this.#ask(out, asks);
        }
        continue;
      }
      const pending = this.#verifying.take(id);
      if (!pending) continue;
      if (!ok) {
        this.#rejected(out, pending.link, reject('bad_signature', `event ${id.slice(0, 8)} by ${pending.event.author.slice(0, 8)}`));
        continue;
      }
      const stored = this.#admit(out, pending.event, id, pending.link);
      if (stored) {
        added.push(stored);
        sources.set(id, pending.link);
      }
    }
    this.#afterAdmit(out, added, sources, false);
  }

  /** Adds a verified event to the store; returns it when it is new state. */
  #admit(out: Outbox, event: SignedEvent, id: string, sourceLink: string | undefined): StoredEvent | undefined {
    const result = this.store.add(event, id);
    switch (result.kind) {
      case 'added':
        return this.store.get(id);
      case 'duplicate':
        this.#duplicates++;
        return undefined;
      case 'equivocation':
        this.#rejected(out, sourceLink, reject('equivocation', `two events for ${event.author.slice(0, 8)}#${event.seq}`));
        // Spread the proof so every peer settles on the same canonical event: also to links that hold the
        // slot (with the other event, as far as this node knows), since a summary cannot tell them apart.
        this.#push(out, [this.store.get(id)!], new Map(sourceLink === undefined ? [] : [[id, sourceLink]]), true);
        if (result.becameCanonical) return this.store.get(id);
        if (this.role === 'peer') this.#haves.note(this.store.get(id)!, sourceLink, this.#now); // lazy links hear of the proof too
        return undefined;
      default:
        return unreachableInput(result);
    }
  }

  #afterAdmit(out: Outbox, added: readonly StoredEvent[], sources: ReadonlyMap<string, string>, local: boolean): void {
    if (added.length === 0) return;
    this.#antiEntropy.quicken(this.#now);
    const ackPositions = this.role === 'server' ? added.map((stored) => this.#authority.assignAckPosition(stored.id)) : undefined;
    out.push(ackPositions ? { type: 'accepted', events: added, local, ackPositions } : { type: 'accepted', events: added, local });
    if (this.role === 'peer') {
      for (const stored of added) {
        this.#haves.note(stored, sources.get(stored.id), this.#now);
        this.#spreading.note(stored.id, this.#now);
      }
    }
    // The driver persists `accepted` before it sends anything, so an ack always follows durability.
    if (ackPositions) for (const [link, acks] of acksBySource(added, ackPositions, sources)) this.#send(out, link, { t: 'ack', acks });
    this.#push(out, added, sources);
    this.#refreshMode(out, added);
    this.#authority.note(added, this.#server);
    if (this.#ordersStrict()) this.#stamp(out, added.filter((stored) => stored.event.kind === 'transfer'));
  }

  /** Server: whether it stamps transfers now (a strict mode, and its service running). */
  #ordersStrict(): boolean {
    return this.role === 'server' && this.#control.serverOrders;
  }

  // ---- strict operations ----

  /** Server: judge each new transfer at its place in the one order, and sign the verdict. */
  #stamp(out: Outbox, transfers: readonly StoredEvent[]): void {
    for (const stored of transfers) {
      const stamp = this.#authority.judge(stored);
      if (stamp) this.#write(out, this.#signer, () => ({ kind: 'stamp', body: stamp }));
    }
  }

  /** Server, on becoming the orderer (switch to a strict mode): stamp what it holds unstamped, in merge order. */
  #stampBacklog(out: Outbox): void {
    this.#stamp(out, this.#authority.backlog(this.store.inOrder('transfer')));
  }

  /** Peer: over a link that carries strict operations but not all data (hybrid's server), re-offer own unstamped transfers. */
  #pushUnstamped(out: Outbox, linkId: string): void {
    const link = this.#links.get(linkId);
    if (this.role !== 'peer' || !link || this.#control.carriage(link.kind) !== 'strict') return;
    out.events(linkId, this.#authority.unstampedOwn(this.store.inOrder('transfer'), this.id));
  }

  /**
   * Local validation before signing a transfer. Where the server orders strict operations it is the
   * judge (and refuses overdrafts with a signed stamp); in p2p each peer can only check what it sees.
   */
  #checkLocalTransfer(body: TransferBody): Rejection | undefined {
    if (body.from === body.to) return reject('schema', 'a transfer to the same account changes nothing', 'local');
    if (serverOrdersStrict(this.#control.mode)) return undefined;
    const available = this.#ledger.balance(body.from, { server: this.#server, strict: false }) + this.#unsignedFlow(body.from);
    if (body.amount > available) return reject('overdraft', `${body.from} holds ${available}, transfer ${body.amount}`, 'local');
    return undefined;
  }

  #onAcks(acks: readonly Ack[]): void {
    for (const ack of acks) {
      const stored = this.store.canonicalAt(ack.author, ack.seq);
      if (stored) this.#authority.learnAckPosition(stored.id, ack.order);
      if (ack.author === this.id) this.#pendingOwn.delete(ack.seq);
    }
  }

  // ---- writing ----

  /** What own transfers still awaiting their signature move into `account` (negative: out of it). */
  #unsignedFlow(account: string): number {
    let flow = 0;
    for (const unsigned of this.#signing.unsigned()) {
      if (unsigned.kind !== 'transfer') continue;
      const { from, to, amount } = unsigned.body as TransferBody;
      if (from === account) flow -= amount;
      if (to === account) flow += amount;
    }
    return flow;
  }

  /**
   * Seq and Lamport time are fixed here, at write time. A synchronous signer signs inline and the event
   * enters the state in this same call; an asynchronous one gets a `sign` request (pendingSignatures.ts).
   */
  #write(out: Outbox, signer: AnySigner, content: WriteContent): void {
    const author = signer.publicKey;
    const seq = this.#nextSeq(author);
    const { kind, body } = content(seq);
    const unsigned: UnsignedEvent = { v: this.protocol.major, room: this.room, author, seq, lamport: Math.max(this.store.maxLamport, this.#signing.maxLamport) + 1, kind, body };
    const inline = signsInline(signer);
    // The same decoder every receiver runs: a write they would refuse must not enter the writer's state
    // (it would hold an event no one else accepts, and never converge with them). Unsigned yet, it is
    // checked with a stand-in of the signature's length.
    const event: SignedEvent = { ...unsigned, sig: inline ? toHex(signer.sign(signingBytes(unsigned))) : UNSIGNED };
    const valid = decodeEvent(event, this.protocol);
    if (!valid.ok) {
      out.push({ type: 'rejected', rejection: { ...valid, fault: 'local' } });
      return;
    }
    // The decoded copy carries the canonical text the decoder built (eventText): its id reuses it.
    if (inline) this.#enterOwn(out, [valid.value]);
    else out.push({ type: 'sign', requests: [this.#signing.write(unsigned, content, signingBytes)] });
  }

  /** The next sequence number of `author`, past its events held and its writes awaiting a signature. */
  #nextSeq(author: string): number {
    const held = author === this.id ? Math.max(this.#lastSeq, this.store.highestSeq(author)) : this.store.highestSeq(author);
    return Math.max(held, this.#signing.highestSeq(author)) + 1;
  }

  /** Signed writes (own or the admin's) enter the state, in write order. */
  #enterOwn(out: Outbox, events: readonly SignedEvent[]): void {
    const added: StoredEvent[] = [];
    for (const event of events) {
      const id = eventId(event);
      if (event.author === this.id) {
        this.#lastSeq = Math.max(this.#lastSeq, event.seq);
        this.#pendingOwn.add(event.seq);
      }
      const stored = this.#admit(out, event, id, undefined);
      if (stored) added.push(stored);
    }
    this.#afterAdmit(out, added, new Map(), true);
  }

  /** The driver's signatures: writes enter in order, a failed one is refused and the rest of its key's queue re-signed. */
  #onSigned(out: Outbox, results: readonly SignResult[]): void {
    const settled = this.#signing.settle(results);
    for (const unsigned of settled.failed) {
      out.push({ type: 'rejected', rejection: reject('bad_signature', `this page could not sign its ${unsigned.kind} #${unsigned.seq}; the writes after it take its place`, 'local') });
    }
    if (settled.resign.length > 0) out.push({ type: 'sign', requests: settled.resign });
    this.#enterOwn(out, settled.events);
    for (const { report, plan, sig } of settled.reports) this.#sendReport(out, report, sig, plan);
    for (const report of settled.failedReports) out.push({ type: 'rejected', rejection: reject('bad_signature', `this page could not sign its report ${report.seq}`, 'local') });
  }

  #restore(out: Outbox, events: readonly { event: SignedEvent; ackPosition?: number }[]): void {
    const added: StoredEvent[] = [];
    for (const { event, ackPosition } of events) {
      const id = eventId(event);
      if (this.store.add(event, id).kind !== 'added') continue;
      if (ackPosition !== undefined) this.#authority.restoreAckPosition(id, ackPosition);
      if (event.author === this.id) this.#lastSeq = Math.max(this.#lastSeq, event.seq);
      added.push(this.store.get(id)!);
    }
    this.#refreshMode(out, added);
    this.#authority.note(added, this.#server);
    if (this.role === 'server') this.#authority.replayStamps(added, this.id, (id) => this.store.get(id));
  }

  // ---- spreading ----

  /**
   * Push gossip: each new event goes to the links allowed to carry it, except the one it came from.
   * `proof`: an equivocating event, which goes even where the slot is known to be held.
   */
  #push(out: Outbox, added: readonly StoredEvent[], sources: ReadonlyMap<string, string>, proof = false): void {
    const carriesEvent = (kind: LinkKind, event: SignedEvent) => carries(this.#control.carriage(kind), eventClass(event.kind));
    for (const stored of added) {
      for (const linkId of pushTargets(stored, sources.get(stored.id), this.#links, carriesEvent, this.#rng, this.#config.pushFanout, proof)) out.event(linkId, stored);
    }
  }

  // ---- control ----

  /** Control events restored before the admin's or server's key was known take effect once it is. */
  #reviewControl(out: Outbox): void {
    const control = CONTROL_KINDS.flatMap((kind) => this.store.inOrder(kind));
    this.#authority.note(control, this.#server);
    this.#refreshMode(out, control);
  }

  #refreshMode(out: Outbox, added: readonly StoredEvent[]): void {
    if (!added.some((stored) => ADMIN_CONTROL_KINDS.has(stored.event.kind))) return;
    const wasStrict = this.#ordersStrict();
    const previous = { mode: this.#control.mode, running: this.#control.serviceRunning };
    for (const change of this.#control.refresh((kind) => newestAdminEvent(this.store, this.#admin, kind))) {
      out.push(change);
      if (change.type === 'partition') this.#dropAcrossPartition(out);
    }
    if (this.#ordersStrict() && !wasStrict) this.#stampBacklog(out);
    if (previous.mode !== this.#control.mode || previous.running !== this.#control.serviceRunning) {
      // Reconcile over every link the new policy uses, so e.g. the server becomes complete again.
      for (const linkId of this.#links.keys()) this.#sendSummary(out, linkId, true);
    }
  }

  // ---- telemetry reports ----

  /** A gossiped report is verified before it is kept or forwarded (dedup first: reportGossip.ts). */
  #onReport(out: Outbox, linkId: string, report: TelemetryReport, sig: string, age: number): void {
    const added = this.#reportGossip.receive(report, sig, linkId, age);
    if (added.kind === 'full') this.#rejected(out, linkId, reject('rate_limited', 'too many reports awaiting verification'));
    else if (added.kind === 'verify') out.push({ type: 'verify', requests: [added.request] });
  }

  /**
   * A report newer than the held one for its origin is kept and goes once over each peer link the mode
   * lets data cross: announced to a remote that asks for what it lacks, pushed whole to an older one
   * (reportGossip.ts). `sig` undefined: this node's own report, signed here only if some link carries it.
   */
  #floodReport(out: Outbox, report: TelemetryReport, sig: string | undefined, source: string | undefined, age: number): void {
    const asks: Asks = new Map();
    const plan = this.#reportGossip.accept(report, { sig, link: source, age }, this.#now, this.#links, (kind) => this.#control.carriage(kind) === 'all', asks);
    this.#ask(out, asks);
    if (!plan || plan.push.length + plan.announce.length === 0) return;
    if (sig !== undefined) this.#sendReport(out, report, sig, plan);
    else this.#signReport(out, report, plan);
  }

  /** Own report: signed inline by a synchronous signer, else sent once the driver's signature is back. */
  #signReport(out: Outbox, report: TelemetryReport, plan: ReportPlan): void {
    const bytes = reportSigningBytes(this.room, report);
    if (signsInline(this.#signer)) this.#sendReport(out, report, toHex(this.#signer.sign(bytes)), plan);
    else out.push({ type: 'sign', requests: [this.#signing.report(this.id, bytes, report, plan)] });
  }

  /** To the links chosen when it was accepted that are still up (a signature may come back after a link went). */
  #sendReport(out: Outbox, report: TelemetryReport, signature: string, plan: ReportPlan): void {
    this.#reportGossip.signed(report, signature);
    for (const linkId of plan.push) {
      if (!this.#links.get(linkId)) continue;
      this.#send(out, linkId, { t: 'report', report, sig: signature });
      this.#reportGossip.sent(linkId, report, this.#now);
    }
    for (const linkId of plan.announce) if (this.#links.get(linkId)) this.#reportAnnouncements.add(linkId, [[report.peer, report.seq]]);
  }

  /** Whether reports travel over this link now: a peer link that carries all data. */
  #gossipsReports(link: LinkState): boolean {
    return isPeerLink(link.kind) && !link.refused && this.#control.carriage(link.kind) === 'all';
  }

  /** A new neighbour that reads announcements hears of every report held, so it sees the room at once. */
  #announceHeld(linkId: string, link: LinkState): void {
    if (!this.#gossipsReports(link) || !this.#reportGossip.announcesTo(link.remote)) return;
    const held = this.#reportGossip.heldFor(link.peer, this.#now);
    if (held.length > 0) this.#reportAnnouncements.add(linkId, held);
  }

  /** Asks neighbours for reports they announced (one `rwant` per link). */
  #ask(out: Outbox, asks: Asks): void {
    for (const [linkId, origins] of asks) if (origins.length > 0 && this.#links.has(linkId)) this.#send(out, linkId, { t: 'rwant', origins });
  }

  #reportLinkDown(out: Outbox, linkId: string): void {
    const asks: Asks = new Map();
    this.#reportGossip.linkDown(linkId, this.#now, asks);
    this.#reportAnnouncements.linkDown(linkId);
    this.#ask(out, asks);
  }

  // ---- flood defense ----

  /**
   * A fresh budget for a peer link (the server's links have the socket budget instead); none where the
   * flood configuration limits nothing (the simulator's), since it would admit every message.
   */
  #budgetFor(kind: LinkKind): { budget?: LinkBudget } {
    return isPeerLink(kind) && limitsAnything(this.#config.flood) ? { budget: new LinkBudget(this.#config.flood, this.#now) } : {};
  }

  /**
   * The state of a link just up: nothing reported yet, a budget as #budgetFor says (built without
   * spreads: one per link-up). `lossless`: the driver says its transport loses nothing while it is up.
   */
  #newLink(kind: LinkKind, peer: string | undefined, lossless: boolean): LinkState {
    const link: LinkState = { kind, reported: {} };
    if (peer !== undefined) link.peer = peer;
    if (lossless) link.sent = {};
    const { budget } = this.#budgetFor(kind);
    if (budget) link.budget = budget;
    return link;
  }

  /**
   * Charges one message to its link's budget. Every refusal is counted as `rate_limited`; a `rejected`
   * output goes out at most once a second per link; a link over budget for too long is dropped, its key banned.
   */
  #withinBudget(out: Outbox, linkId: string, link: LinkState, budget: LinkBudget, bytes: number): boolean {
    const verdict = budget.admit(bytes, this.#now);
    if (verdict.kind === 'ok') return true;
    this.#rejections.rate_limited++;
    const detail = refusalDetail(verdict, this.#config.flood, link.peer?.slice(0, 8) ?? linkId);
    if (detail !== undefined) out.push({ type: 'rejected', link: linkId, rejection: reject('rate_limited', detail) });
    if (verdict.kind === 'flooding') {
      if (link.peer !== undefined) this.#exclusions.ban(link.peer, this.#now + this.#config.flood.banMs);
      this.#floodDrops++;
      this.#dropLink(out, linkId, 'flooding');
    }
    return false;
  }

  #dropLink(out: Outbox, linkId: string, reason: DropReason): void {
    this.#links.delete(linkId);
    this.#overlay?.linkDown(linkId);
    this.#reportLinkDown(out, linkId);
    out.push({ type: 'drop', link: linkId, reason });
    this.#stayOnTree(out);
  }

  // ---- versions ----

  /** This node's hello: a 1.0 node's is exactly the hello of the builds before negotiation. */
  #hello(kind: LinkKind): WireMessage {
    const { major, minor, features } = this.protocol;
    const version = minor === 0 && features.length === 0 ? {} : { minor, features };
    // What is held only: a remote that pulls asks this node for what the hello names.
    return { t: 'hello', v: major, ...version, room: this.room, peer: this.id, vv: this.store.versionVector(this.#authorFilter(kind)) };
  }

  /**
   * A hello of another major (already counted): nothing more crosses the link. A peer link is dropped
   * after REFUSED_LINK_GRACE_MS and its key left alone for a while; a server link stays up, since the
   * server still introduces and relays.
   */
  #refuseVersion(linkId: string, link: LinkState, detail: string): void {
    if (!isPeerLink(link.kind)) {
      this.#links.refuse(linkId);
      return;
    }
    this.#links.refuse(linkId, this.#now + REFUSED_LINK_GRACE_MS);
    this.#overlay?.linkDown(linkId);
    if (link.peer !== undefined) this.#exclusions.refuseVersion(link.peer, this.#now + INCOMPATIBLE_RETRY_MS, detail);
  }

  #dropRefused(out: Outbox, now: number): void {
    for (const linkId of this.#links.dueForDrop(now)) this.#dropLink(out, linkId, 'incompatible');
  }

  // ---- overlay ----

  #route(out: Outbox, decision: RouteDecision): void {
    for (const linkId of decision.forwardTo) if (decision.message) this.#send(out, linkId, decision.message);
  }

  /** Closes peer links the admin's partition cuts (a relayed pair too: the relay is refused across it). */
  #dropAcrossPartition(out: Outbox): void {
    // Checked on every input; without a partition there is nothing to look through.
    if (!this.#overlay || this.#control.partition === null) return;
    for (const [linkId, link] of [...this.#links]) {
      if (isPeerLink(link.kind) && link.peer !== undefined && this.partitionedBetween(this.id, link.peer)) this.#dropLink(out, linkId, 'partitioned');
    }
  }

  #runOverlay(out: Outbox, now: number): void {
    if (!this.#overlay) return;
    this.#dropAcrossPartition(out);
    const actions = this.#overlay.tick(now, wantsDirectLinks(this.#control.mode), this.#links.forOverlay(), (peer) => !this.partitionedBetween(this.id, peer) && !this.isBanned(peer) && !this.isIncompatible(peer));
    for (const linkId of actions.ping) this.#send(out, linkId, { t: 'ping' });
    for (const { link, reason } of actions.drop) this.#dropLink(out, link, reason);
    for (const peer of actions.connect) out.push({ type: 'connect', peer });
    if (actions.exchange) this.#send(out, actions.exchange.link, { t: 'peers', peers: actions.exchange.peers });
  }

  #runTimers(out: Outbox, now: number): void {
    if (this.role !== 'peer') return;
    this.#dropRefused(out, now);
    this.#runOverlay(out, now);
    const asks: Asks = new Map();
    this.#reportGossip.expire(now, asks);
    this.#ask(out, asks);
    for (const [linkId, reports] of this.#reportAnnouncements.take(now)) if (this.#links.has(linkId)) this.#send(out, linkId, { t: 'rhave', reports });
    for (const [linkId, ids] of this.#haves.take(now, this.#links, (link, stored) => this.#carriesOver(link.kind, stored))) this.#send(out, linkId, { t: 'have', ids });
    const holds = (id: string): boolean => this.store.has(id) || this.#verifying.has(id);
    const linkUp = (linkId: string): boolean => this.#links.has(linkId);
    for (const [linkId, ids] of this.#announced.take(now, holds, linkUp)) this.#graft(out, linkId, ids);
    for (const [linkId, ids] of this.#grafts.take(now, holds, linkUp)) this.#send(out, linkId, { t: 'graft', ids });
    if (!this.#antiEntropy.due(now)) return;
    const partner = antiEntropyPartner(this.#rng, this.#links, (kind) => this.#control.carriage(kind));
    if (partner !== undefined) this.#sendSummary(out, partner, true);
    for (const linkId of this.#links.keys()) this.#pushUnstamped(out, linkId);
  }

  #sendSummary(out: Outbox, linkId: string, reply: boolean): void {
    const link = this.#links.get(linkId);
    if (!link || this.#control.carriage(link.kind) === 'none') return;
    this.#send(out, linkId, { t: 'vv', vv: this.#summaryFor(link), reply });
  }

  /** What this node holds, for a summary over `link`, raised by what pulls under way will bring (catchUp.ts). */
  #summaryFor(link: LinkState): VersionVector {
    const include = this.#authorFilter(link.kind);
    return this.#pulls.expected(this.store.versionVector(include), this.#now, include);
  }

  // ---- helpers ----

  /** Which authors a summary over this link covers (gossip.ts). */
  #authorFilter(kind: LinkKind): (author: string) => boolean {
    return summaryAuthors(this.#control.carriage(kind), this.#admin, this.#server);
  }

  #confirmOwn(heldUpTo: number): void {
    for (const seq of this.#pendingOwn) if (seq <= heldUpTo) this.#pendingOwn.delete(seq);
  }

  #send(out: Outbox, linkId: string, message: WireMessage): void {
    out.message(linkId, message);
  }

  #rejected(out: Outbox, linkId: string | undefined, rejection: Rejection): void {
    this.#rejections[rejection.reason]++;
    out.push(linkId === undefined ? { type: 'rejected', rejection } : { type: 'rejected', link: linkId, rejection });
  }

  #count(counters: Record<LinkKind, TrafficCounter>, linkId: string, bytes: number): void {
    const link = this.#links.get(linkId);
    if (!link) return;
    counters[link.kind].messages++;
    counters[link.kind].bytes += bytes;
  }
}

/** A stand-in of a signature's shape, for checking a write before it is signed. */
const UNSIGNED = '0'.repeat(128);

/** The earlier of two optional times. */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined || a <= b ? a : b;
}

function unreachableInput(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
