/**
 * The node's links and what it knows of each remote: its key, its declared protocol version, what it last
 * said it holds, its flood budget, and whether it was refused for its major. Also the keys kept off links
 * for a while (banned for flooding, refused for their major). Pure bookkeeping on the caller's clock; the
 * node decides, and emits the outputs.
 */
import type { VersionVector } from './messages.ts';
import type { LinkKind } from './mode.ts';
import type { IncompatiblePeer, TrafficCounter } from './nodeIo.ts';
import { BanList, type LinkBudget } from './floodGuard.ts';
import type { ProtocolVersion } from './version.ts';

export interface LinkState {
  kind: LinkKind;
  /** The remote's last reported version vector: what it is known to hold. */
  reported: VersionVector;
  peer?: string;
  /** Peer links only: what the remote may still send (flood defense). */
  budget?: LinkBudget;
  /** What the remote's hello declared; undefined before it arrives (then the link counts as 1.0, no features). */
  remote?: ProtocolVersion;
  /**
   * The remote speaks another major: nothing more crosses the link. A server link stays so (the server
   * still introduces and relays); a peer link is dropped at `dropAt`. Set through LinkTable.refuse().
   */
  readonly refused?: boolean;
  readonly dropAt?: number;
  /** Both ends named `push-tree` (set at the hello): the link takes part in the push tree (pushTree.ts). */
  tree?: boolean;
  /** Push tree (pushTree.ts): event bodies are not pushed over this link, only announced. */
  lazy?: boolean;
  /**
   * Links whose transport loses nothing while they are up (the driver says so at link-up: the Socket.IO
   * link between a peer and the server is one ordered, reliable connection, and a reconnect is a new
   * link): per author, the highest sequence number this node has sent on the link with none missing
   * below it (counting what the remote reported). What was sent is on its way, so a summary that does
   * not show it yet is not answered with it again.
   */
  sent?: VersionVector;
}

/** What the remote of a lossless link holds or will: the higher of its summary and what was sent to it. */
export function heldOrSent(reported: VersionVector, sent: VersionVector): VersionVector {
  const merged: VersionVector = { ...reported };
  for (const [author, seq] of Object.entries(sent)) if (seq > (merged[author] ?? 0)) merged[author] = seq;
  return merged;
}

/** The shared empty answer of dueForDrop (never written to). */
const NONE_DUE: readonly string[] = [];

/** Links between peers (WebRTC or relayed), as opposed to a link with the server. */
export function isPeerLink(kind: LinkKind): boolean {
  return kind === 'direct' || kind === 'relay';
}

export function emptyTraffic(): Record<LinkKind, TrafficCounter> {
  return {
    direct: { messages: 0, bytes: 0 },
    relay: { messages: 0, bytes: 0 },
    server: { messages: 0, bytes: 0 },
    client: { messages: 0, bytes: 0 },
  };
}

/**
 * Links by id, in the order they came up (push gossip and anti-entropy iterate it, so the order is part
 * of the node's deterministic output). A Map, so readers get the live table as a `ReadonlyMap`.
 */
export class LinkTable extends Map<string, LinkState> {
  /**
   * Ids of the refused links: the questions below are asked on every input, and refused links are
   * rare, so they look through these rather than through every link.
   */
  readonly #refused = new Set<string>();

  override set(linkId: string, link: LinkState): this {
    if (link.refused) this.#refused.add(linkId);
    else this.#refused.delete(linkId);
    return super.set(linkId, link);
  }

  override delete(linkId: string): boolean {
    this.#refused.delete(linkId);
    return super.delete(linkId);
  }

  override clear(): void {
    this.#refused.clear();
    super.clear();
  }

  /** Marks a link refused for its remote's major; `dropAt`: when to drop it (a peer link). */
  refuse(linkId: string, dropAt?: number): void {
    const link = this.get(linkId) as { refused?: boolean; dropAt?: number } | undefined;
    if (!link) return;
    link.refused = true;
    if (dropAt !== undefined) link.dropAt = dropAt;
    this.#refused.add(linkId);
  }

  isRefused(linkId: string): boolean {
    return this.#refused.has(linkId);
  }

  /** Links as the overlay counts them: a refused one is already gone for it. */
  forOverlay(): ReadonlyMap<string, LinkState> {
    if (this.#refused.size === 0) return this;
    return new Map([...this].filter(([, link]) => !link.refused));
  }

  /** Peer key -> link id of each direct link: the hops mesh-relayed signals can take. */
  neighbours(): Map<string, string> {
    const neighbours = new Map<string, string>();
    for (const [linkId, link] of this) if (link.kind === 'direct' && link.peer !== undefined) neighbours.set(link.peer, linkId);
    return neighbours;
  }

  /**
   * Events the peer links' last summaries say they hold beyond `mine`, or undefined before any peer
   * partner has reported.
   */
  eventsBehind(mine: VersionVector): number | undefined {
    const missing = new Map<string, number>();
    let heard = false;
    for (const link of this.values()) {
      if (!isPeerLink(link.kind) || Object.keys(link.reported).length === 0) continue;
      heard = true;
      for (const [author, seq] of Object.entries(link.reported)) missing.set(author, Math.max(missing.get(author) ?? 0, seq - (mine[author] ?? 0)));
    }
    if (!heard) return undefined;
    let behind = 0;
    for (const count of missing.values()) behind += count;
    return behind;
  }

  /** Notes events sent on a lossless link, extending each author's gap-free run of what the remote holds or will. */
  noteSent(linkId: string, events: readonly { readonly event: { readonly author: string; readonly seq: number } }[]): void {
    const link = this.get(linkId);
    if (!link?.sent) return;
    for (const { event } of events) {
      const upTo = Math.max(link.sent[event.author] ?? 0, link.reported[event.author] ?? 0);
      if (event.seq === upTo + 1) link.sent[event.author] = event.seq;
    }
  }

  /** The earliest time a refused link is due to be dropped. */
  nextDropAt(): number | undefined {
    let wake: number | undefined;
    for (const linkId of this.#refused) {
      const at = this.get(linkId)!.dropAt;
      if (at !== undefined) wake = wake === undefined ? at : Math.min(wake, at);
    }
    return wake;
  }

  /** Refused links whose grace has run out at `now`, in the table's order. */
  dueForDrop(now: number): readonly string[] {
    const due = this.nextDropAt();
    if (due === undefined || due > now) return NONE_DUE;
    return [...this].filter(([, link]) => link.dropAt !== undefined && link.dropAt <= now).map(([linkId]) => linkId);
  }
}

/** Keys kept off this node's links for a while: banned for flooding, or refused for their major version. */
export class Exclusions {
  readonly #bans = new BanList();
  readonly #incompatible = new Map<string, { until: number; detail: string }>();

  ban(peer: string, until: number): void {
    this.#bans.ban(peer, until);
  }

  isBanned(peer: string, now: number): boolean {
    return this.#bans.isBanned(peer, now);
  }

  /** Bans still running at `now`, forgetting expired ones. */
  bans(now: number): readonly { readonly peer: string; readonly until: number }[] {
    return this.#bans.active(now);
  }

  /** `peer` speaks another major (`detail` says both versions): left alone until `until`. */
  refuseVersion(peer: string, until: number, detail: string): void {
    this.#incompatible.set(peer, { until, detail });
  }

  isIncompatible(peer: string, now: number): boolean {
    const entry = this.#incompatible.get(peer);
    if (entry === undefined) return false;
    if (entry.until > now) return true;
    this.#incompatible.delete(peer);
    return false;
  }

  /** Keys refused for their major version still left alone at `now`, forgetting expired ones. */
  incompatible(now: number): readonly IncompatiblePeer[] {
    return [...this.#incompatible.keys()].filter((peer) => this.isIncompatible(peer, now)).map((peer) => ({ peer, ...this.#incompatible.get(peer)! }));
  }
}
