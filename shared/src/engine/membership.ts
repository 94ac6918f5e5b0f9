/**
 * The overlay: which peers a node keeps direct links to. Bounded degree, as in gossipsub: each node
 * aims for `target` links, tops up when it falls below `low`, sheds down to `target` above `high`,
 * and picks partners uniformly at random among the members it knows, so the mesh stays an expander
 * (small diameter, no hubs) whatever the room's size. A room smaller than `target + 1` is a full mesh
 * simply because every member is wanted.
 */
import { shuffled } from '../ports/rng.ts';
import type { Rng } from '../ports/ports.ts';

export interface OverlayConfig {
  /** Links a node aims for (gossipsub's D). Higher spreads faster and costs more duplicates. */
  readonly target: number;
  /** Below this, connect to new random members (D_low): slack so churn does not cause constant rewiring. */
  readonly low: number;
  /** Above this, drop random links (D_high): incoming links are accepted up to here. */
  readonly high: number;
}

/** gossipsub's defaults (D=6, D_low=4, D_high=12): fan-out 6 reaches 10^5 nodes in ~7 hops. */
export const DEFAULT_OVERLAY: OverlayConfig = { target: 6, low: 4, high: 12 };

export interface OverlayPlan {
  readonly connect: readonly string[];
  readonly disconnect: readonly string[];
}

export interface OverlayState {
  readonly self: string;
  /** Members known from the server's list or from peer exchange. */
  readonly members: Iterable<string>;
  /** Peers with an open direct link. */
  readonly linked: ReadonlySet<string>;
  /** Peers a link is being made to (counted as links, so a slow handshake is not doubled). */
  readonly connecting: ReadonlySet<string>;
}

/**
 * `explore`: extra random links to open beyond the target (never past `high`). Opening one now and
 * then keeps the graph random and re-joins the two sides of a healed partition, which would otherwise
 * stay apart forever once each side had filled its degree internally.
 */
export function planOverlay(state: OverlayState, rng: Rng, config: OverlayConfig = DEFAULT_OVERLAY, explore = 0): OverlayPlan {
  const degree = state.linked.size + state.connecting.size;
  const wanted = degree < config.low || (degree < config.target && state.connecting.size === 0) ? config.target - degree : 0;
  const toOpen = Math.min(wanted + explore, config.high - degree);
  if (toOpen > 0) {
    const candidates = [...new Set(state.members)].filter((peer) => peer !== state.self && !state.linked.has(peer) && !state.connecting.has(peer)).sort();
    return { connect: shuffled(rng, candidates).slice(0, toOpen), disconnect: [] };
  }
  if (state.linked.size > config.high) {
    return { connect: [], disconnect: shuffled(rng, [...state.linked].sort()).slice(0, state.linked.size - config.target) };
  }
  return { connect: [], disconnect: [] };
}

/**
 * Whether to accept a link another peer opens to us: up to one above the high watermark, then the
 * next round sheds back to the target (as gossipsub grafts, then prunes). Refusing at `high` would
 * lock a newcomer out of a small room whose members all sit at the watermark.
 */
export function acceptsIncoming(linkedCount: number, config: OverlayConfig = DEFAULT_OVERLAY): boolean {
  return linkedCount <= config.high;
}
