/**
 * How events spread: push gossip picks the links a new event goes to, and periodic anti-entropy (a
 * version-vector summary to one random partner, answered with what it lacks) repairs what push missed.
 * Pure choices over the link table, with the node's injected randomness; the node sends.
 */
import type { Carriage, LinkKind } from './mode.ts';
import type { LinkState } from './linkTable.ts';
import type { SignedEvent } from './event.ts';
import type { StoredEvent } from './store.ts';
import { shuffled } from '../ports/rng.ts';
import { inTree } from './pushTree.ts';
import type { Rng } from '../ports/ports.ts';

/**
 * Push gossip: the links a new event goes to, in sending order. Every link allowed to carry it except the
 * one it came from and those known to hold it already; the server broadcasts to all its clients, a peer's
 * authority link always gets its writes, and so do the push tree's eager links (pushTree.ts: a lazy one
 * gets none). Peers outside the tree (older versions) are a random `fanout` of the rest.
 */
export function pushTargets(
  stored: StoredEvent,
  source: string | undefined,
  links: ReadonlyMap<string, LinkState>,
  carries: (kind: LinkKind, event: SignedEvent) => boolean,
  rng: Rng,
  fanout: number,
  /** Also to links known to hold the event's slot (an equivocation's proof: another event of that slot). */
  evenWhereHeld = false,
): string[] {
  const eligible: string[] = [];
  for (const [linkId, link] of links) {
    if (linkId === source || !carries(link.kind, stored.event)) continue;
    if (!evenWhereHeld && (link.reported[stored.event.author] ?? 0) >= stored.event.seq) continue;
    if (inTree(link) && link.lazy === true) continue;
    eligible.push(linkId);
  }
  const always = eligible.filter((id) => {
    const link = links.get(id)!;
    return link.kind === 'client' || link.kind === 'server' || inTree(link);
  });
  const peers = shuffled(rng, eligible.filter((id) => !always.includes(id))).slice(0, fanout);
  return [...always, ...peers];
}

/**
 * Which authors a summary over a link covers, given what the link carries: everyone, only the room's
 * control authors (admin and server), or no one.
 */
export function summaryAuthors(what: Carriage, admin: string | undefined, server: string | undefined): (author: string) => boolean {
  if (what === 'all') return () => true;
  // Control authors write logs of control events only, so their summaries stay gap-free.
  if (what === 'control' || what === 'strict') return (author) => author === admin || author === server;
  return () => false;
}

/** The partner of an anti-entropy round: one random link that is not refused and carries something. */
export function antiEntropyPartner(rng: Rng, links: ReadonlyMap<string, LinkState>, carriageOf: (kind: LinkKind) => Carriage): string | undefined {
  const partners = [...links].filter(([, link]) => !link.refused && carriageOf(link.kind) !== 'none').map(([id]) => id);
  return shuffled(rng, partners)[0];
}

/**
 * When anti-entropy rounds are due. The first is one base interval after the clock starts. While the
 * room agrees the rounds back off, each interval twice the previous up to `maxMs`; news (a new event, a
 * summary that disagrees, a new link) brings the next round back to one base interval away, and the
 * backoff starts over. So a quiet room exchanges a summary now and then, a busy one every interval.
 */
export class AntiEntropyClock {
  readonly #baseMs: number;
  readonly #maxMs: number;
  #intervalMs: number;
  #next: number | undefined;

  constructor(baseMs: number, maxMs: number = baseMs) {
    this.#baseMs = baseMs;
    this.#maxMs = Math.max(baseMs, maxMs);
    this.#intervalMs = baseMs;
  }

  /** The time of the next round, once started. */
  get next(): number | undefined {
    return this.#next;
  }

  /** The interval the next round was scheduled with. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** Whether a round is due at `now` (then the next is scheduled, further off); the first call starts the clock. */
  due(now: number): boolean {
    if (this.#next === undefined) this.#next = now + this.#baseMs;
    if (now < this.#next) return false;
    this.#intervalMs = Math.min(this.#intervalMs * 2, this.#maxMs);
    this.#next = now + this.#intervalMs;
    return true;
  }

  /** Something new: the next round within one base interval, and the backoff starts over. */
  quicken(now: number): void {
    this.#intervalMs = this.#baseMs;
    if (this.#next !== undefined) this.#next = Math.min(this.#next, now + this.#baseMs);
  }
}
