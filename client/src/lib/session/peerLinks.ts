/**
 * This peer's links to other members: the WebRTC mesh, the server's relay, and the engine's view of both
 * (`peer:<key>` links of kind `direct` or `relay`). Whom to link with is the engine's call (`connect`,
 * `drop`, `acceptsDirectLink`); this class makes the transports follow it and keeps the engine told which
 * kind each pair has. In hybrid a pair whose direct link cannot be made talks through the relay instead
 * (and, for a peer cut off from the mesh, one whose channel broke: `wantedLink`), with the reason kept for
 * the member list, and tries direct again now and then; a meshed pair the overlay did not pick has no
 * link at all, since the mesh carries its traffic. WebRTC
 * signals travel over the server while it can reach the peer, else over the mesh itself (`routeSignal`).
 *
 * Every change of the engine's links goes through `reconcile`, which waits while the driver is inside an
 * engine input (the host's `applying`) and re-runs, boundedly, when a pass itself changes links.
 */
import { wantsDirectLinks, wantsRelayLinks, type Input, type OverlayConfig, type PeerlabNode } from '@peerlab/shared';
import type { ServerLink } from '../transport/serverLink.ts';
import { WebRtcMesh, webRtcSupported, type LinkFailure, type RtcImplementation } from '../transport/webrtcMesh.ts';
import { DIRECT_RETRY_MS, linkModes, linkPeer, linkReason, peerLinkId, RELAY_NEED_MS, retryable, takesRelayFrom, wantedLink, type PeerLinkKind } from './linkPolicy.ts';
import type { MemberRoster, PairLinkView, RosterChange } from './memberRoster.ts';

/** Bound on nested reconcile passes: each pass can only react to links the previous one changed. */
const MAX_RECONCILE_PASSES = 4;

export interface PeerLinksOptions {
  readonly self: string;
  readonly iceServers: RTCIceServer[];
  readonly rtc: RtcImplementation;
  /** Degree watermarks: an incoming offer is answered up to one over `high`. */
  readonly degree: OverlayConfig;
  /** The engine, read for its mode and epoch and asked whether to take an incoming link. */
  readonly node: Pick<PeerlabNode, 'mode' | 'epoch' | 'acceptsDirectLink'>;
  readonly server: Pick<ServerLink, 'joined' | 'relay' | 'signal'>;
  readonly roster: Pick<MemberRoster, 'listed'>;
  /** The wall clock, for how recently a member said it is alone (RELAY_NEED_MS). */
  readonly now?: () => number;
}

export interface PeerLinksHost {
  /** Feeds one input to the engine (the driver's only way in). */
  apply(input: Input): void;
  /** The driver is inside an engine input: a reconcile waits until it ends. */
  applying(): boolean;
  /** The driver is closed: nothing more is sent, linked or retried. */
  closed(): boolean;
  /** A message from `peer` on a link the engine has (direct or relay), for the engine. */
  received(peer: string, data: string): void;
  changed(): void;
}

export class PeerLinks {
  /** Away by the churn schedule: no peer links; links the overlay asks for wait for the rejoin. */
  suspended = false;

  readonly #self: string;
  readonly #node: PeerLinksOptions['node'];
  readonly #server: PeerLinksOptions['server'];
  readonly #roster: PeerLinksOptions['roster'];
  readonly #host: PeerLinksHost;
  readonly #mesh: WebRtcMesh;
  readonly #webrtcSupported: boolean;
  readonly #degree: OverlayConfig;
  /** Peer links the engine currently knows, by remote key. */
  readonly #links = new Map<string, PeerLinkKind>();
  /** Why the last direct attempt with a peer failed; cleared when a channel opens or the engine drops the pair. */
  readonly #failures = new Map<string, LinkFailure>();
  /** Hybrid: pending direct retries for pairs on the relay. */
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>();
  /** Links the overlay asked for while this peer was away: started when it has rejoined the server. */
  readonly #deferred = new Set<string>();
  /** Direct attempts each member declined (full, across a partition, or banning this key). */
  readonly #declines = new Map<string, number>();
  /** When each member last relayed to us saying it is alone (no direct link). */
  readonly #alone = new Map<string, number>();
  readonly #now: () => number;
  /** The room's epoch when we joined: until our store reaches it, we do not know the mode, so no links. */
  #joinedEpoch = 0;
  #reconcileWanted = false;
  #reconciling = false;

  constructor(options: PeerLinksOptions, host: PeerLinksHost) {
    this.#self = options.self;
    this.#node = options.node;
    this.#server = options.server;
    this.#roster = options.roster;
    this.#host = host;
    this.#webrtcSupported = webRtcSupported(options.rtc);
    this.#degree = options.degree;
    this.#now = options.now ?? (() => Date.now());
    this.#mesh = new WebRtcMesh(options.self, options.iceServers, options.rtc, {
      open: (peer) => {
        this.#failures.delete(peer);
        this.#cancelRetry(peer);
        this.reconcile();
      },
      failed: (peer, reason) => this.#onDirectFailed(peer, reason),
      data: (peer, data) => this.#onPeerData(peer, data),
      signal: (to, data) => this.#sendSignal(to, data),
      // In-progress handshakes count too, so offers arriving together cannot overshoot; up to one over the
      // high watermark, as the engine grafts then prunes (refusing at `high` locked newcomers out of small
      // rooms); never across the admin's partition.
      accepts: (peer) => this.#node.acceptsDirectLink(peer) && this.#mesh.size <= this.#degree.high,
    });
  }

  /** Peers with an open direct channel. */
  directPeers(): string[] {
    return this.#mesh.openPeers();
  }

  /** The pair's link and why it is on the relay (or why its last direct attempt failed). */
  view(peer: string): PairLinkView {
    const have = this.#links.get(peer);
    const reason = linkReason(have, this.#failures.get(peer), this.#webrtcSupported);
    return { link: have ?? 'none', ...(reason === undefined ? {} : { reason }) };
  }

  /** The server admitted us at `epoch`: no peer links until the store has caught up with it. */
  joinedAt(epoch: number): void {
    this.#joinedEpoch = epoch;
  }

  /** The engine's `connect`: offer a direct link (once back on the server, when away). */
  connect(peer: string): void {
    // Away (churn): the overlay counts the attempt as under way, so make it once back on the server.
    if (this.suspended) this.#deferred.add(peer);
    else if (this.#links.get(peer) !== 'direct') this.#mesh.connect(peer);
  }

  /** Back on the server: the links asked for while away, to members still listed and not linked meanwhile. */
  connectDeferred(): void {
    for (const peer of this.#deferred) if (this.#roster.listed(peer) && !this.#links.has(peer)) this.#mesh.connect(peer);
    this.#deferred.clear();
  }

  /** The engine's `drop`: it gave the link up and already forgot it; close its transport and keep it closed. */
  drop(link: string): void {
    const peer = linkPeer(link);
    if (peer === undefined) return;
    this.#links.delete(peer);
    this.#failures.delete(peer);
    this.#cancelRetry(peer);
    this.#mesh.close(peer);
    this.#reconcileWanted = true;
  }

  /** A WebRTC signal for this peer, carried by the server or the mesh. */
  signal(from: string, data: string): void {
    this.#mesh.signal(from, data);
  }

  /** After the fault stage (possibly later): over whatever link the pair has by then. False when it has none. */
  send(peer: string, data: string): boolean {
    if (this.#host.closed()) return false;
    const kind = this.#links.get(peer);
    if (kind === 'direct') return this.#mesh.send(peer, data); // a failed send closes the channel; anti-entropy repairs
    if (kind === 'relay' && this.#server.joined) {
      const alone = this.#mesh.openPeers().length === 0;
      // A meshed peer relays for a member only while it needs it: once it stops saying so, the pair goes.
      if (!alone && !this.#needsRelay(peer) && this.#failures.get(peer) !== 'webrtc-unavailable') {
        this.reconcile();
        if (this.#links.get(peer) !== 'relay') return false;
      }
      this.#server.relay(peer, data, alone);
      return true;
    }
    return false;
  }

  /** Direct attempts `peer` declined so far. */
  declines(peer: string): number {
    return this.#declines.get(peer) ?? 0;
  }

  /** Offers a direct link to `peer` now, outside the overlay's plan (the attacker panel's reconnect). */
  offer(peer: string): void {
    if (!this.suspended && !this.#links.has(peer) && !this.#host.closed()) this.#mesh.connect(peer);
  }

  /** A message the server relayed from `from`; `alone`: the sender has no direct link (it relies on the relay). */
  relayed(from: string, data: string, alone = false): void {
    if (alone) this.#alone.set(from, this.#now());
    if (!this.#links.has(from)) {
      // A member relaying to us before we linked it (its direct attempt failed): open the relay link first.
      if (!wantsRelayLinks(this.#node.mode) || !this.#server.joined || from === this.#self) return;
      if (!takesRelayFrom(this.#failures.get(from), this.#mesh.openPeers().length > 0, alone)) return;
      this.#links.set(from, 'relay');
      this.#host.apply({ type: 'linkUp', link: peerLinkId(from), kind: 'relay', peer: from });
      // The engine may refuse the link at once (a key banned for flooding): then the message goes nowhere.
      if (!this.#links.has(from)) return;
    }
    this.#host.received(from, data);
  }

  /** The roster changed (the roster itself is already updated). */
  rosterChanged({ newcomers, listed }: RosterChange): void {
    // A member back on the roster (churn, reload) never got the offers made while it was away (they went
    // over the mesh, which it was not on), and glare would make us ignore its new offer: start over.
    for (const peer of newcomers) if (!this.#mesh.isOpen(peer)) this.#mesh.close(peer);
    for (const peer of this.#failures.keys()) if (!listed.has(peer)) this.#failures.delete(peer);
    for (const peer of this.#alone.keys()) if (!listed.has(peer)) this.#alone.delete(peer);
  }

  /** Debug/test hook: breaks one WebRTC channel as if the network had, so the overlay must repair it. */
  breakLink(peer: string): boolean {
    return this.#mesh.breakLink(peer);
  }

  /** An engine output changed what the links should be (mode, partition): reconcile when the input ends. */
  wantReconcile(): void {
    this.#reconcileWanted = true;
  }

  /** The driver finished an engine input: run the reconcile it asked for, if any. */
  settle(): void {
    if (this.#reconcileWanted) this.reconcile();
  }

  /**
   * Brings the mesh and the engine's peer links in line with the mode, the roster and the open channels.
   * Deferred while an input is being applied, and re-run when a pass itself changes links.
   */
  reconcile(): void {
    if (this.#host.closed()) return;
    if (this.#host.applying() || this.#reconciling) {
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
    this.#host.changed();
  }

  /** Stops retries and closes every channel (the driver is closing). */
  close(): void {
    for (const timer of this.#retries.values()) clearTimeout(timer);
    this.#retries.clear();
    this.#mesh.shutdown();
  }

  #reconcileOnce(): void {
    const { direct, relay } = linkModes({
      mode: this.#node.mode,
      modeKnown: this.#node.epoch >= this.#joinedEpoch,
      serverJoined: this.#server.joined,
      suspended: this.suspended,
    });
    // Enabled even without WebRTC here: the mesh must still answer offers with a refusal.
    this.#mesh.setEnabled(direct);
    const open = new Set(direct ? this.#mesh.openPeers() : []);
    const meshed = open.size > 0;
    for (const peer of new Set([...this.#links.keys(), ...open, ...this.#failures.keys()])) {
      // Read afresh for each pair: applying the previous pair's change may have dropped links.
      const have = this.#links.get(peer);
      const want = wantedLink({ open: open.has(peer), relay, listed: this.#roster.listed(peer), have, failure: this.#failures.get(peer), meshed, needed: this.#needsRelay(peer) });
      if (want === have) continue;
      const link = peerLinkId(peer);
      if (want === undefined) {
        this.#links.delete(peer);
        this.#host.apply({ type: 'linkDown', link });
      } else if (have === undefined) {
        this.#links.set(peer, want);
        this.#host.apply({ type: 'linkUp', link, kind: want, peer });
      } else {
        if (want === 'relay' && !this.#failures.has(peer)) this.#failures.set(peer, 'closed');
        this.#links.set(peer, want);
        this.#host.apply({ type: 'linkKind', link, kind: want });
      }
    }
  }

  /** Whether `peer` said it is alone (no direct link) recently enough for a meshed peer to keep relaying for it. */
  #needsRelay(peer: string): boolean {
    const at = this.#alone.get(peer);
    return at !== undefined && this.#now() - at < RELAY_NEED_MS;
  }

  /** WebRTC signaling: over the server while it can reach the peer, else hop by hop over the mesh. */
  #sendSignal(to: string, data: string): void {
    if (this.#server.joined && this.#roster.listed(to)) this.#server.signal(to, data);
    else this.#host.apply({ type: 'routeSignal', to, data });
  }

  #onPeerData(peer: string, data: string): void {
    if (this.#links.get(peer) !== 'direct') this.reconcile(); // the channel opened before we linked it
    if (this.#links.has(peer)) this.#host.received(peer, data);
  }

  /** A direct attempt or channel died. In hybrid the pair moves to the relay (reconcile) and retries later. */
  #onDirectFailed(peer: string, reason: LinkFailure): void {
    // A full partner is not a broken pair: the overlay picks another one rather than loading the relay.
    if (reason !== 'declined') this.#failures.set(peer, reason);
    else this.#declines.set(peer, this.declines(peer) + 1);
    // An attempt that never opened frees its overlay slot now; a channel that died is repaired as usual.
    if (reason === 'declined' || reason === 'timeout' || reason === 'webrtc-unavailable') this.#host.apply({ type: 'connectFailed', peer });
    if (retryable(reason) && wantsRelayLinks(this.#node.mode)) this.#scheduleRetry(peer);
    this.reconcile();
  }

  #scheduleRetry(peer: string): void {
    if (this.#retries.has(peer) || this.#host.closed()) return;
    const timer = setTimeout(() => {
      this.#retries.delete(peer);
      if (this.#links.get(peer) === 'relay' && wantsDirectLinks(this.#node.mode)) this.#mesh.connect(peer);
    }, DIRECT_RETRY_MS);
    this.#retries.set(peer, timer);
  }

  #cancelRetry(peer: string): void {
    clearTimeout(this.#retries.get(peer));
    this.#retries.delete(peer);
  }
}
