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
 * Data flows one way: the driver calls down, and every method returns what happened as engine inputs
 * (`LinkEffect`: a link up, down or of another kind, a failed attempt, a signal for the mesh, a message to
 * deliver) for the driver to apply after the input it is handling. What the mesh reports on its own (a
 * channel opened, died or carried data) reaches the driver the same way, through `emit`. Nothing here
 * calls the engine, so nothing needs to know whether the driver is inside an input.
 */
import { wantsDirectLinks, wantsRelayLinks, type Input, type OverlayConfig, type PeerlabNode } from '@peerlab/shared';
import type { ServerLink } from '../transport/serverLink.ts';
import { WebRtcMesh, webRtcSupported, type LinkFailure, type RtcImplementation } from '../transport/webrtcMesh.ts';
import { DIRECT_RETRY_MS, linkModes, linkPeer, linkReason, peerLinkId, RELAY_NEED_MS, retryable, takesRelayFrom, wantedLink, type PeerLinkKind } from './linkPolicy.ts';
import type { MemberRoster, PairLinkView, RosterChange } from './memberRoster.ts';

/** What the links tell the engine: inputs the driver applies, in order, after the one it is handling. */
export type LinkEffect = Extract<Input, { readonly type: 'linkUp' | 'linkDown' | 'linkKind' | 'connectFailed' | 'routeSignal' | 'message' }>;

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
  /**
   * Effects of what happened outside a call of this class (a channel opened or died, a message arrived, a
   * retry timer, a relay pair given up as a message was sent): the effects of a call are returned instead.
   */
  readonly emit: (effects: readonly LinkEffect[]) => void;
  /** The wall clock, for how recently a member said it is alone (RELAY_NEED_MS). */
  readonly now?: () => number;
}

export class PeerLinks {
  /** Away by the churn schedule: no peer links; links the overlay asks for wait for the rejoin. */
  suspended = false;

  readonly #self: string;
  readonly #node: PeerLinksOptions['node'];
  readonly #server: PeerLinksOptions['server'];
  readonly #roster: PeerLinksOptions['roster'];
  readonly #emit: PeerLinksOptions['emit'];
  readonly #mesh: WebRtcMesh;
  readonly #webrtcSupported: boolean;
  readonly #degree: OverlayConfig;
  /** Peer links the engine currently knows, by remote key. */
  readonly #links = new Map<string, PeerLinkKind>();
  /** Why the last direct attempt with a peer failed; cleared when a channel opens or the engine drops the pair. */
  readonly #failures = new Map<string, LinkFailure>();
  /** Hybrid: pending direct retries for pairs on the relay. */
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>();
  /**
   * Links the overlay asked for before direct links were allowed: while away (churn), or before the
   * store knew the room's mode. Started as soon as direct links are, so no overlay slot waits for its
   * timeout on an attempt that was never made.
   */
  readonly #deferred = new Set<string>();
  /** Direct attempts each member declined (full, across a partition, or banning this key). */
  readonly #declines = new Map<string, number>();
  /** When each member last relayed to us saying it is alone (no direct link). */
  readonly #alone = new Map<string, number>();
  readonly #now: () => number;
  /** The room's epoch when we joined: until our store reaches it, we do not know the mode, so no links. */
  #joinedEpoch = 0;
  /** Effects gathered during one of this class's methods (undefined outside them: the mesh's own events). */
  #collecting: LinkEffect[] | undefined;
  #closed = false;

  constructor(options: PeerLinksOptions) {
    this.#self = options.self;
    this.#node = options.node;
    this.#server = options.server;
    this.#roster = options.roster;
    this.#emit = options.emit;
    this.#webrtcSupported = webRtcSupported(options.rtc);
    this.#degree = options.degree;
    this.#now = options.now ?? (() => Date.now());
    this.#mesh = new WebRtcMesh(options.self, options.iceServers, options.rtc, {
      open: (peer) =>
        this.#fromMesh(() => {
          this.#failures.delete(peer);
          this.#cancelRetry(peer);
          this.#reconcile();
        }),
      failed: (peer, reason) => this.#fromMesh(() => this.#onDirectFailed(peer, reason)),
      data: (peer, data) => this.#fromMesh(() => this.#onPeerData(peer, data)),
      signal: (to, data) => this.#fromMesh(() => this.#sendSignal(to, data)),
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

  /** The engine's `connect`: offer a direct link now, or as soon as direct links are allowed. */
  connect(peer: string): LinkEffect[] {
    return this.#collect(() => {
      if (this.#links.get(peer) === 'direct') return;
      if (!this.#directAllowed()) {
        this.#deferred.add(peer);
        return;
      }
      // The overlay can ask before the mesh has heard that direct links are allowed (its first round runs
      // on the roster, before the reconcile that follows it). A disabled mesh ignores the request, and the
      // overlay's slot then waits for its 10 s timeout: measured, this was most of an 8-page room's link-up.
      if (!this.#mesh.enabled) this.#reconcile();
      this.#mesh.connect(peer);
    });
  }

  /** The engine's `drop`: it gave the link up and already forgot it; close its transport and keep it closed. */
  drop(link: string): void {
    const peer = linkPeer(link);
    if (peer === undefined) return;
    this.#links.delete(peer);
    this.#failures.delete(peer);
    this.#cancelRetry(peer);
    this.#mesh.close(peer);
  }

  /** A WebRTC signal for this peer, carried by the server or the mesh. */
  signal(from: string, data: string): LinkEffect[] {
    return this.#collect(() => this.#mesh.signal(from, data));
  }

  /** After the fault stage (possibly later): over whatever link the pair has by then. False when it has none. */
  send(peer: string, data: string): boolean {
    if (this.#closed) return false;
    const kind = this.#links.get(peer);
    if (kind === 'direct') return this.#mesh.send(peer, data); // a failed send closes the channel; anti-entropy repairs
    if (kind === 'relay' && this.#server.joined) {
      const alone = this.#mesh.openPeers().length === 0;
      // A meshed peer relays for a member only while it needs it: once it stops saying so, the pair goes.
      if (!alone && !this.#needsRelay(peer) && this.#failures.get(peer) !== 'webrtc-unavailable') {
        this.#fromMesh(() => this.#reconcile());
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
  offer(peer: string): LinkEffect[] {
    return this.#collect(() => {
      if (!this.suspended && !this.#links.has(peer) && !this.#closed) this.#mesh.connect(peer);
    });
  }

  /**
   * A message the server relayed from `from`; `alone`: the sender has no direct link (it relies on the
   * relay). A member relaying to us before we linked it (its direct attempt failed) gets the relay link
   * first; the driver drops the message if the engine refuses that link at once (a key banned for
   * flooding), as it drops any message for a link the engine does not have.
   */
  relayed(from: string, data: string, alone = false): LinkEffect[] {
    return this.#collect(() => {
      if (alone) this.#alone.set(from, this.#now());
      if (!this.#links.has(from)) {
        if (!wantsRelayLinks(this.#node.mode) || !this.#server.joined || from === this.#self) return;
        if (!takesRelayFrom(this.#failures.get(from), this.#mesh.openPeers().length > 0, alone)) return;
        this.#links.set(from, 'relay');
        this.#out({ type: 'linkUp', link: peerLinkId(from), kind: 'relay', peer: from });
      }
      this.#out({ type: 'message', link: peerLinkId(from), data });
    });
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

  /**
   * Brings the mesh and the engine's peer links in line with the mode, the roster and the open channels,
   * and starts the attempts that waited for direct links to be allowed.
   */
  reconcile(): LinkEffect[] {
    return this.#collect(() => this.#reconcile());
  }

  /** Stops retries and closes every channel (the driver is closing). */
  close(): void {
    this.#closed = true;
    for (const timer of this.#retries.values()) clearTimeout(timer);
    this.#retries.clear();
    this.#mesh.shutdown();
  }

  /** Runs one method, returning the effects it (and the mesh, synchronously) produced. */
  #collect(work: () => void): LinkEffect[] {
    if (this.#closed) return [];
    const outer = this.#collecting;
    const effects = outer ?? [];
    this.#collecting = effects;
    try {
      work();
    } finally {
      this.#collecting = outer;
    }
    return outer === undefined ? effects : [];
  }

  /** A mesh event: inside one of our methods its effects join theirs, else they go to the driver. */
  #fromMesh(work: () => void): void {
    if (this.#collecting !== undefined) {
      work();
      return;
    }
    const effects = this.#collect(work);
    if (effects.length > 0) this.#emit(effects);
  }

  #out(effect: LinkEffect): void {
    this.#collecting?.push(effect);
  }

  #linkModes(): { readonly direct: boolean; readonly relay: boolean; readonly modeKnown: boolean } {
    const modeKnown = this.#node.epoch >= this.#joinedEpoch;
    return { ...linkModes({ mode: this.#node.mode, modeKnown, serverJoined: this.#server.joined, suspended: this.suspended }), modeKnown };
  }

  #directAllowed(): boolean {
    return this.#linkModes().direct;
  }

  #reconcile(): void {
    const { direct, relay, modeKnown } = this.#linkModes();
    // Enabled even without WebRTC here: the mesh must still answer offers with a refusal.
    this.#mesh.setEnabled(direct);
    const open = new Set(direct ? this.#mesh.openPeers() : []);
    const meshed = open.size > 0;
    for (const peer of new Set([...this.#links.keys(), ...open, ...this.#failures.keys()])) {
      const have = this.#links.get(peer);
      const want = wantedLink({ open: open.has(peer), relay, listed: this.#roster.listed(peer), have, failure: this.#failures.get(peer), meshed, needed: this.#needsRelay(peer) });
      if (want === have) continue;
      const link = peerLinkId(peer);
      if (want === undefined) {
        this.#links.delete(peer);
        this.#out({ type: 'linkDown', link });
      } else if (have === undefined) {
        this.#links.set(peer, want);
        this.#out({ type: 'linkUp', link, kind: want, peer });
      } else {
        if (want === 'relay' && !this.#failures.has(peer)) this.#failures.set(peer, 'closed');
        this.#links.set(peer, want);
        this.#out({ type: 'linkKind', link, kind: want });
      }
    }
    if (direct) {
      const deferred = [...this.#deferred];
      this.#deferred.clear();
      for (const peer of deferred) if (this.#roster.listed(peer) && !this.#links.has(peer)) this.#mesh.connect(peer);
    } else if (modeKnown && !this.suspended) {
      this.#deferred.clear(); // the mode has no mesh: the overlay forgets its attempts too
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
    else this.#out({ type: 'routeSignal', to, data });
  }

  #onPeerData(peer: string, data: string): void {
    if (this.#links.get(peer) !== 'direct') this.#reconcile(); // the channel opened before we linked it
    if (this.#links.has(peer)) this.#out({ type: 'message', link: peerLinkId(peer), data });
  }

  /** A direct attempt or channel died. In hybrid the pair moves to the relay (reconcile) and retries later. */
  #onDirectFailed(peer: string, reason: LinkFailure): void {
    // A full partner is not a broken pair: the overlay picks another one rather than loading the relay.
    if (reason !== 'declined') this.#failures.set(peer, reason);
    else this.#declines.set(peer, this.declines(peer) + 1);
    // An attempt that never opened frees its overlay slot now; a channel that died is repaired as usual.
    if (reason === 'declined' || reason === 'timeout' || reason === 'webrtc-unavailable') this.#out({ type: 'connectFailed', peer });
    if (retryable(reason) && wantsRelayLinks(this.#node.mode)) this.#scheduleRetry(peer);
    this.#reconcile();
  }

  #scheduleRetry(peer: string): void {
    if (this.#retries.has(peer) || this.#closed) return;
    const timer = setTimeout(
      () =>
        this.#fromMesh(() => {
          this.#retries.delete(peer);
          if (this.#links.get(peer) === 'relay' && wantsDirectLinks(this.#node.mode)) this.#mesh.connect(peer);
        }),
      DIRECT_RETRY_MS,
    );
    this.#retries.set(peer, timer);
  }

  #cancelRetry(peer: string): void {
    clearTimeout(this.#retries.get(peer));
    this.#retries.delete(peer);
  }
}
