/**
 * The fault stage: the teacher's fault rules acting on real peer links. A driver passes each outgoing
 * peer-link message through `send`, which drops, duplicates, delays or holds it back (reorders) as the
 * rule for that pair says, then hands what survives to `deliver`. Each side applies the rules to what it
 * sends, so a rule on the pair (a, b) affects both directions. Pure apart from the injected random
 * source and timer, so tests drive it with a seeded rng and a fake clock.
 */
import type { FaultRule } from '../engine/event.ts';
import type { Rng } from '../ports/ports.ts';

/** Schedules a callback; returns a function that cancels it. */
export interface FaultTimer {
  after(ms: number, run: () => void): () => void;
}

/** What the stage did on one link (counted on the sending side; `received` counts what arrived). */
export interface FaultCounts {
  sent: number;
  dropped: number;
  delayed: number;
  duplicated: number;
  reordered: number;
  received: number;
}

/** Messages a held-back message waits behind before it goes. More mixes the order further. */
export const REORDER_DEPTH = 2;
/** Longest a held-back message waits for followers on a quiet link; it is reordered, not lost. */
export const REORDER_MAX_HOLD_MS = 400;

export function emptyFaultCounts(): FaultCounts {
  return { sent: 0, dropped: 0, delayed: 0, duplicated: 0, reordered: 0, received: 0 };
}

/** Whether a rule covers the link between `self` and `peer` (either way round; `*` matches anyone). */
export function ruleMatches(rule: FaultRule, self: string, peer: string): boolean {
  const is = (side: string, key: string) => side === '*' || side === key;
  return (is(rule.a, self) && is(rule.b, peer)) || (is(rule.a, peer) && is(rule.b, self));
}

/** The rule for a link: the most specific matching one (a named pair before one wildcard before `*`–`*`). */
export function ruleFor(rules: readonly FaultRule[], self: string, peer: string): FaultRule | undefined {
  let best: FaultRule | undefined;
  let bestWildcards = 3;
  for (const rule of rules) {
    if (!ruleMatches(rule, self, peer)) continue;
    const wildcards = (rule.a === '*' ? 1 : 0) + (rule.b === '*' ? 1 : 0);
    if (wildcards < bestWildcards) {
      best = rule;
      bestWildcards = wildcards;
    }
  }
  return best;
}

/** A short label of what a rule does, for badges: `drop 30% · delay 200±50ms · dup 10% · reorder 20%`. */
export function describeRule(rule: FaultRule): string {
  const parts: string[] = [];
  if (rule.drop > 0) parts.push(`drop ${rule.drop}%`);
  if (rule.delayMs > 0 || rule.jitterMs > 0) parts.push(`delay ${rule.delayMs}${rule.jitterMs > 0 ? `+${rule.jitterMs}` : ''}ms`);
  if (rule.duplicate > 0) parts.push(`dup ${rule.duplicate}%`);
  if (rule.reorder > 0) parts.push(`reorder ${rule.reorder}%`);
  return parts.length > 0 ? parts.join(' · ') : 'no effect';
}

interface Held {
  readonly data: string;
  readonly deliver: (data: string) => void;
  remaining: number;
  cancel: () => void;
}

export class FaultStage {
  readonly #self: string;
  readonly #rng: Rng;
  readonly #timer: FaultTimer;
  #rules: readonly FaultRule[] = [];
  readonly #counts = new Map<string, FaultCounts>();
  readonly #held = new Map<string, Held>();
  readonly #pending = new Set<() => void>();

  constructor(self: string, rng: Rng, timer: FaultTimer) {
    this.#self = self;
    this.#rng = rng;
    this.#timer = timer;
  }

  get rules(): readonly FaultRule[] {
    return this.#rules;
  }

  /** New rules apply to the next message; held-back messages on links no longer reordering go now. */
  setRules(rules: readonly FaultRule[]): void {
    this.#rules = rules;
    for (const peer of [...this.#held.keys()]) if ((this.ruleFor(peer)?.reorder ?? 0) === 0) this.#release(peer);
  }

  ruleFor(peer: string): FaultRule | undefined {
    return ruleFor(this.#rules, this.#self, peer);
  }

  /** Counters by remote peer key (links that carried something since the page started). */
  counts(): ReadonlyMap<string, Readonly<FaultCounts>> {
    return this.#counts;
  }

  totals(): FaultCounts {
    const total = emptyFaultCounts();
    for (const counts of this.#counts.values()) for (const key of Object.keys(total) as (keyof FaultCounts)[]) total[key] += counts[key];
    return total;
  }

  /** Something arrived from `peer` (after the sender's own stage): shows what crossed a faulted link. */
  noteReceived(peer: string): void {
    this.#countsOf(peer).received++;
  }

  send(peer: string, data: string, deliver: (data: string) => void): void {
    const counts = this.#countsOf(peer);
    counts.sent++;
    const rule = this.ruleFor(peer);
    if (!rule) {
      deliver(data);
      this.#afterOne(peer);
      return;
    }
    if (this.#chance(rule.drop)) {
      counts.dropped++;
      return;
    }
    const copies = this.#chance(rule.duplicate) ? 2 : 1;
    if (copies === 2) counts.duplicated++;
    for (let i = 0; i < copies; i++) {
      if (!this.#held.has(peer) && this.#chance(rule.reorder)) {
        counts.reordered++;
        this.#hold(peer, data, deliver, rule);
        continue;
      }
      this.#dispatch(peer, data, deliver, rule);
      this.#afterOne(peer);
    }
  }

  /** Cancels every delayed or held message (the driver is closing). */
  clear(): void {
    for (const cancel of this.#pending) cancel();
    this.#pending.clear();
    for (const held of this.#held.values()) held.cancel();
    this.#held.clear();
  }

  #countsOf(peer: string): FaultCounts {
    let counts = this.#counts.get(peer);
    if (!counts) {
      counts = emptyFaultCounts();
      this.#counts.set(peer, counts);
    }
    return counts;
  }

  #chance(percent: number): boolean {
    return percent > 0 && this.#rng.next() * 100 < percent;
  }

  #dispatch(peer: string, data: string, deliver: (data: string) => void, rule: FaultRule): void {
    const delay = rule.delayMs + (rule.jitterMs > 0 ? Math.floor(this.#rng.next() * rule.jitterMs) : 0);
    if (delay <= 0) {
      deliver(data);
      return;
    }
    this.#countsOf(peer).delayed++;
    const cancel = this.#timer.after(delay, () => {
      this.#pending.delete(cancel);
      deliver(data);
    });
    this.#pending.add(cancel);
  }

  #hold(peer: string, data: string, deliver: (data: string) => void, rule: FaultRule): void {
    const held: Held = { data, deliver: (d) => this.#dispatch(peer, d, deliver, rule), remaining: REORDER_DEPTH, cancel: () => undefined };
    held.cancel = this.#timer.after(REORDER_MAX_HOLD_MS, () => this.#release(peer));
    this.#held.set(peer, held);
  }

  /** One message went out on the link: a held-back one goes once enough have overtaken it. */
  #afterOne(peer: string): void {
    const held = this.#held.get(peer);
    if (!held) return;
    held.remaining--;
    if (held.remaining <= 0) this.#release(peer);
  }

  #release(peer: string): void {
    const held = this.#held.get(peer);
    if (!held) return;
    this.#held.delete(peer);
    held.cancel();
    held.deliver(held.data);
  }
}
