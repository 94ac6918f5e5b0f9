/**
 * A peer's view of its room's members and of its direct links: who it knows (from the server's
 * roster and from peer exchange), which links it is making, which are alive (heartbeats), and what
 * to do about it each overlay round (connect, drop, ping, exchange). Pure bookkeeping: the node turns
 * the actions into outputs and messages.
 */
import type { Rng } from '../ports/ports.ts';
import { shuffled } from '../ports/rng.ts';
import { DEFAULT_FAILURE_DETECTOR, FailureDetector, type FailureDetectorConfig } from './failureDetector.ts';
import { acceptsIncoming, DEFAULT_OVERLAY, planOverlay, type OverlayConfig } from './membership.ts';
import type { LinkKind } from './mode.ts';

export interface OverlayTimings {
  readonly degree: OverlayConfig;
  readonly failure: FailureDetectorConfig;
  /** Time between overlay rounds (top-up, shedding, peer exchange). Shorter heals faster, rewires more. */
  readonly roundMs: number;
  /** A link not open after this long is given up, so its slot can go to another member. */
  readonly connectTimeoutMs: number;
  /** How long a member learned only by peer exchange is remembered without being heard of again. */
  readonly memberTtlMs: number;
  /** After a failed attempt, how long that member is not tried again, so another partner gets the slot. */
  readonly avoidAfterFailureMs: number;
  /** Members named in one peer-exchange message: enough to rebuild links, small enough to stay cheap. */
  readonly exchangeSize: number;
  /**
   * Longest time between two peer exchanges while the members a node knows stay the same (exchanges back
   * off from one a round up to this, and return to one a round when a member comes or goes). Longer costs
   * a settled room less; it must stay well below memberTtlMs, or members known only by exchange expire.
   */
  readonly exchangeMaxMs: number;
  /** Chance per round of opening one extra random link: heals partitions, costs occasional rewiring. */
  readonly exploreProbability: number;
}

export const DEFAULT_OVERLAY_TIMINGS: OverlayTimings = {
  degree: DEFAULT_OVERLAY,
  failure: DEFAULT_FAILURE_DETECTOR,
  roundMs: 1_000,
  connectTimeoutMs: 10_000,
  avoidAfterFailureMs: 15_000,
  memberTtlMs: 60_000,
  exchangeSize: 32,
  exchangeMaxMs: 16_000,
  exploreProbability: 0.05,
};

export interface OverlayLink {
  readonly kind: LinkKind;
  readonly peer?: string;
}

export interface OverlayActions {
  readonly connect: readonly string[];
  readonly drop: readonly { readonly link: string; readonly reason: 'suspected' | 'shed' }[];
  readonly ping: readonly string[];
  readonly exchange?: { readonly link: string; readonly peers: readonly string[] };
}

const NO_ACTIONS: OverlayActions = { connect: [], drop: [], ping: [] };

/** Links that make up the overlay: direct channels, and relayed pairs standing in for them. */
function isOverlayLink(kind: LinkKind): boolean {
  return kind === 'direct' || kind === 'relay';
}

export class Overlay {
  readonly #self: string;
  readonly #rng: Rng;
  readonly #timings: OverlayTimings;
  readonly #detector: FailureDetector;
  /** member -> time after which it is forgotten (Infinity while on the server's roster). */
  readonly #members = new Map<string, number>();
  readonly #connecting = new Map<string, number>();
  /** member -> time until which it is not picked again (its last attempt failed). */
  readonly #avoid = new Map<string, number>();
  #nextRound: number | undefined;
  /** Bumped whenever a member is added or forgotten: exchanges come quickly again after a change. */
  #membersVersion = 0;
  #exchangedVersion = -1;
  #exchangeIntervalMs: number;
  #nextExchange = -Infinity;

  constructor(self: string, rng: Rng, timings: OverlayTimings = DEFAULT_OVERLAY_TIMINGS) {
    this.#self = self;
    this.#rng = rng;
    this.#timings = timings;
    this.#detector = new FailureDetector(timings.failure);
    this.#exchangeIntervalMs = timings.roundMs;
  }

  members(): string[] {
    return [...this.#members.keys()];
  }

  /**
   * The server's member list replaces the previous one; members heard of by exchange stay until they expire.
   * A member not known before brings the next round forward to now: a node below its target degree links
   * to the roster as soon as it has one, instead of waiting out the round.
   */
  setRoster(peers: readonly string[], now: number): void {
    for (const [peer, expires] of this.#members) if (expires === Infinity) this.#members.set(peer, now + this.#timings.memberTtlMs);
    let news = false;
    for (const peer of peers) {
      if (peer === this.#self) continue;
      if (!this.#members.has(peer)) {
        this.#membersVersion++;
        news = true;
      }
      this.#members.set(peer, Infinity);
    }
    if (news && this.#nextRound !== undefined && this.#nextRound > now) this.#nextRound = now;
  }

  learn(peers: readonly string[], now: number): void {
    const expires = now + this.#timings.memberTtlMs;
    for (const peer of peers) {
      if (peer === this.#self) continue;
      const known = this.#members.get(peer);
      if (known === undefined) this.#membersVersion++;
      if (known === undefined || known < expires) this.#members.set(peer, known === Infinity ? Infinity : expires);
    }
  }

  linkUp(link: string, kind: LinkKind, peer: string | undefined, now: number): void {
    if (peer !== undefined) {
      this.#connecting.delete(peer);
      this.learn([peer], now);
    }
    if (kind === 'direct') this.#detector.watch(link, now);
    else this.#detector.forget(link);
  }

  /** The driver could not open the link the overlay asked for: free the slot now, try someone else. */
  connectFailed(peer: string, now: number): void {
    this.#connecting.delete(peer);
    this.#avoid.set(peer, now + this.#timings.avoidAfterFailureMs);
  }

  linkDown(link: string): void {
    this.#detector.forget(link);
  }

  heard(link: string, now: number): void {
    this.#detector.heard(link, now);
  }

  sent(link: string, now: number): void {
    this.#detector.sent(link, now);
  }

  acceptsIncoming(links: ReadonlyMap<string, OverlayLink>): boolean {
    let direct = 0;
    for (const link of links.values()) if (link.kind === 'direct') direct++;
    return acceptsIncoming(direct, this.#timings.degree);
  }

  /**
   * Heartbeats and suspicions are checked at every round (and on every input), not at each link's own
   * deadline: an idle node wakes once a round instead of once per link. A ping is so at most a round late
   * and a silent link suspected at most a round after suspectAfterMs, far below it still.
   */
  nextWakeup(): number | undefined {
    return this.#nextRound ?? this.#detector.nextDeadline();
  }

  /** Heartbeats every call; connects, sheds and exchanges once per round, and only when the mode wants a mesh. */
  /** `reachable`: members the node may link to now (the admin's partition rules some out). */
  tick(now: number, wantsMesh: boolean, links: ReadonlyMap<string, OverlayLink>, reachable: (peer: string) => boolean = () => true): OverlayActions {
    if (!wantsMesh) {
      // The mode uses no mesh: no heartbeats, and clocks kept fresh so links are not suspected on return.
      for (const link of links.keys()) {
        this.#detector.heard(link, now);
        this.#detector.sent(link, now);
      }
      this.#connecting.clear();
      this.#nextRound = now + this.#timings.roundMs;
      return NO_ACTIONS;
    }
    // Asked on every input: between rounds, and with no link overdue, answer without building lists.
    if (this.#nextRound !== undefined && now < this.#nextRound && !this.#detector.anyOverdue(now)) return NO_ACTIONS;
    const suspects = this.#detector.suspects(now);
    for (const link of suspects) this.#detector.forget(link);
    const ping = this.#detector.due(now).filter((link) => !suspects.includes(link));
    const drop: { link: string; reason: 'suspected' | 'shed' }[] = suspects.map((link) => ({ link, reason: 'suspected' }));
    if (this.#nextRound === undefined) this.#nextRound = now;
    if (now < this.#nextRound) return drop.length + ping.length === 0 ? NO_ACTIONS : { connect: [], drop, ping };
    this.#nextRound = now + this.#timings.roundMs;

    for (const [peer, expires] of this.#members) {
      if (expires > now) continue;
      this.#members.delete(peer);
      this.#membersVersion++;
    }
    for (const [peer, deadline] of this.#connecting) if (deadline <= now) this.#connecting.delete(peer);
    for (const [peer, until] of this.#avoid) if (until <= now) this.#avoid.delete(peer);
    const linkedPeers = new Map<string, string>();
    for (const [link, state] of links) {
      if (isOverlayLink(state.kind) && state.peer !== undefined && !suspects.includes(link)) linkedPeers.set(state.peer, link);
    }
    const plan = planOverlay(
      { self: this.#self, members: [...this.#members.keys()].filter((peer) => !this.#avoid.has(peer) && reachable(peer)), linked: new Set(linkedPeers.keys()), connecting: new Set(this.#connecting.keys()) },
      this.#rng,
      this.#timings.degree,
      this.#rng.next() < this.#timings.exploreProbability ? 1 : 0,
    );
    for (const peer of plan.connect) this.#connecting.set(peer, now + this.#timings.connectTimeoutMs);
    for (const peer of plan.disconnect) {
      const link = linkedPeers.get(peer);
      if (link !== undefined) drop.push({ link, reason: 'shed' });
    }
    const exchange = this.#exchange(now, linkedPeers, links);
    return exchange ? { connect: plan.connect, drop, ping, exchange } : { connect: plan.connect, drop, ping };
  }

  /** Peer exchange with one random direct partner: every round after a change in members, less often as they stay. */
  #exchange(now: number, linkedPeers: ReadonlyMap<string, string>, links: ReadonlyMap<string, OverlayLink>): OverlayActions['exchange'] {
    if (this.#membersVersion !== this.#exchangedVersion) this.#exchangeIntervalMs = this.#timings.roundMs;
    else if (now < this.#nextExchange) return undefined;
    const partners = [...linkedPeers.values()].filter((link) => links.get(link)?.kind === 'direct');
    const partner = shuffled(this.#rng, partners)[0];
    if (partner === undefined) return undefined;
    this.#exchangedVersion = this.#membersVersion;
    this.#nextExchange = now + this.#exchangeIntervalMs;
    this.#exchangeIntervalMs = Math.min(this.#exchangeIntervalMs * 2, this.#timings.exchangeMaxMs);
    return { link: partner, peers: shuffled(this.#rng, [this.#self, ...this.#members.keys()]).slice(0, this.#timings.exchangeSize) };
  }
}
