/**
 * Mesh-relayed signaling: WebRTC offers and answers between two peers that have no link yet travel
 * hop by hop over existing direct links, so the overlay can grow and heal while the server is down.
 * Each route message carries an id (duplicates dropped) and a hop budget (ttl); a hop that links to
 * the destination hands it over directly, any other forwards to a few random neighbours.
 */
import type { Rng } from '../ports/ports.ts';
import { shuffled } from '../ports/rng.ts';

export interface RouteMessage {
  readonly t: 'route';
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly ttl: number;
  readonly data: string;
}

/** Hops a signal may take: the overlay's diameter for rooms of thousands is well under this. */
export const ROUTE_TTL = 6;
/** Neighbours a hop forwards to when it does not know the destination: 2 survives one lossy hop. */
export const ROUTE_FANOUT = 2;
/** Route ids remembered to drop duplicates; older ones are forgotten first. */
const SEEN_LIMIT = 4096;

export type RouteDecision = { readonly deliver: boolean; readonly forwardTo: readonly string[]; readonly message?: RouteMessage };

export class SignalRouter {
  readonly #self: string;
  readonly #rng: Rng;
  readonly #seen = new Set<string>();

  constructor(self: string, rng: Rng) {
    this.#self = self;
    this.#rng = rng;
  }

  originate(to: string, data: string, neighbours: ReadonlyMap<string, string>): RouteDecision {
    const id = Math.floor(this.#rng.next() * 2 ** 52).toString(36) + Math.floor(this.#rng.next() * 2 ** 52).toString(36);
    const message: RouteMessage = { t: 'route', id, from: this.#self, to, ttl: ROUTE_TTL, data };
    this.#remember(id);
    return { deliver: false, forwardTo: this.#nextHops(message, neighbours, undefined), message };
  }

  /** `neighbours`: peer key -> link id of each direct link. */
  receive(message: RouteMessage, sourceLink: string, neighbours: ReadonlyMap<string, string>): RouteDecision {
    if (this.#seen.has(message.id) || message.from === this.#self) return { deliver: false, forwardTo: [] };
    this.#remember(message.id);
    if (message.to === this.#self) return { deliver: true, forwardTo: [] };
    if (message.ttl <= 0) return { deliver: false, forwardTo: [] };
    const next: RouteMessage = { ...message, ttl: message.ttl - 1 };
    return { deliver: false, forwardTo: this.#nextHops(next, neighbours, sourceLink), message: next };
  }

  #nextHops(message: RouteMessage, neighbours: ReadonlyMap<string, string>, sourceLink: string | undefined): string[] {
    const direct = neighbours.get(message.to);
    if (direct !== undefined) return [direct];
    const candidates = [...neighbours.values()].filter((link) => link !== sourceLink).sort();
    return shuffled(this.#rng, candidates).slice(0, ROUTE_FANOUT);
  }

  #remember(id: string): void {
    this.#seen.add(id);
    if (this.#seen.size > SEEN_LIMIT) this.#seen.delete(this.#seen.values().next().value!);
  }
}
