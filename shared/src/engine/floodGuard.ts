/**
 * Flood defense for peer links (`direct`, `relay`). A WebRTC data channel has no server in the middle to
 * throttle it, so each receiving node keeps a budget per incoming link: a token bucket of messages and one
 * of bytes, on the engine's injected clock. A message over budget is refused before any decoding work.
 * A link that keeps going over budget (many refusals within a window) is flooding: the node drops it and
 * bans the sender's key for a while, so it can neither reconnect nor be picked by the overlay.
 *
 * Pure bookkeeping: times come from the caller; the node turns verdicts into outputs.
 */

export interface FloodConfig {
  /** Messages a peer link may deliver per second, sustained. Lower throttles sooner; too low cuts bursts of honest writes. */
  readonly messagesPerSecond: number;
  /** Messages a quiet link may deliver at once. Covers a page's burst of writes, each pushed as its own message. */
  readonly messageBurst: number;
  /** Bytes a peer link may deliver per second, sustained: caps decoding work that few large messages could cost. */
  readonly bytesPerSecond: number;
  /** Bytes a quiet link may deliver at once: a catch-up of a large room arrives as many full batches together. */
  readonly byteBurst: number;
  /** Refusals within `windowMs` after which the link counts as flooding and is dropped. Higher forgives longer overshoots. */
  readonly dropAfterRefusals: number;
  /** Length of the window refusals are counted in, from the first refusal in it. */
  readonly windowMs: number;
  /** How long a flooder's key stays banned. Longer protects more, and keeps a wrongly banned peer out longer. */
  readonly banMs: number;
}

/**
 * Defaults, with headroom over the heaviest honest traffic one link carries (and why):
 * - every new event crosses a link at most once as a push (its own message, or one batch per handle
 *   call), so a link carries at most the room's write rate: 1,000 messages/s sustained is over six times
 *   the design's target for a whole room's delivery (5 × ~150 events/s) and above what one page can sign
 *   and send for long. Not the server socket's 2,000: a victim takes a flood in no faster than its page
 *   handles messages (about 2,500 a second in a busy classroom laptop's tab, measured in CI's attack
 *   scenario), so a budget near that never ran dry and the flooder was never dropped;
 * - a burst of 4,000: a page's tight write loop (e2e writeMany, ~334 writes) or 1,000 writes in one
 *   instant (the engine tests), with their forwards, anti-entropy replies, pings, N telemetry reports a
 *   period and mesh-relayed signals on top;
 * - bytes: catch-up batches are large but few (224 KiB each): a 32 MiB burst takes a catch-up of about
 *   100,000 chat events at once; 8 MiB/s caps a flood of maximum-size messages at ~32 decodes a second;
 * - dropped after 1,000 refusals within 5 s, i.e. a sender that keeps over the budget for seconds: an
 *   honest overshoot loses a few messages (anti-entropy repairs them) but not its link;
 * - banned for a minute: long enough for the class to see the flooder refused, short enough to heal
 *   within a lesson if the ban was a mistake.
 */
export const DEFAULT_FLOOD_CONFIG: FloodConfig = {
  messagesPerSecond: 1_000,
  messageBurst: 4_000,
  bytesPerSecond: 8 * 1024 * 1024,
  byteBurst: 32 * 1024 * 1024,
  dropAfterRefusals: 1_000,
  windowMs: 5_000,
  banMs: 60_000,
};

/** No budget at all: for the simulator, whose writes share one virtual instant (no page can do that). */
export const UNLIMITED_FLOOD_CONFIG: FloodConfig = {
  ...DEFAULT_FLOOD_CONFIG,
  messagesPerSecond: Infinity,
  messageBurst: Infinity,
  bytesPerSecond: Infinity,
  byteBurst: Infinity,
};

/** Whether a budget under `config` could ever refuse a message (a bucket with infinite capacity never does). */
export function limitsAnything(config: FloodConfig): boolean {
  return config.messageBurst !== Infinity || config.byteBurst !== Infinity;
}

/**
 * At most one `rejected` output per link per this long during a flood: emitting one per refused message
 * would itself cost what the budget saves. The counts stay exact.
 */
export const REFUSAL_REPORT_INTERVAL_MS = 1_000;

/** A token bucket on the caller's clock; starts full. */
export class TokenBucket {
  readonly #rate: number;
  readonly #capacity: number;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, capacity: number, now: number) {
    this.#rate = ratePerSecond;
    this.#capacity = capacity;
    this.#tokens = capacity;
    this.#last = now;
  }

  /** Refills for the time since the last call, then takes `cost` tokens if they are there. */
  take(cost: number, now: number): boolean {
    if (this.#capacity === Infinity) return true;
    const elapsed = Math.max(0, now - this.#last);
    this.#last = Math.max(this.#last, now);
    this.#tokens = Math.min(this.#capacity, this.#tokens + (elapsed * this.#rate) / 1000);
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }
}

export type BudgetVerdict =
  | { readonly kind: 'ok' }
  /** Over budget. `report`: emit a `rejected` output now, covering `refusedSinceReport` refusals. */
  | { readonly kind: 'refused'; readonly report: boolean; readonly refusedSinceReport: number }
  /** Over budget for too long: drop the link and ban its key. */
  | { readonly kind: 'flooding'; readonly refusedInWindow: number };

const OK: BudgetVerdict = { kind: 'ok' };

/** The budget of one incoming peer link. */
export class LinkBudget {
  readonly #config: FloodConfig;
  readonly #messages: TokenBucket;
  readonly #bytes: TokenBucket;
  #windowStart = -Infinity;
  #refusedInWindow = 0;
  #lastReport = -Infinity;
  #unreported = 0;
  /** Every refusal on this link. */
  refused = 0;

  constructor(config: FloodConfig, now: number) {
    this.#config = config;
    this.#messages = new TokenBucket(config.messagesPerSecond, config.messageBurst, now);
    this.#bytes = new TokenBucket(config.bytesPerSecond, config.byteBurst, now);
  }

  /** Charges one message of `bytes` against the budget. */
  admit(bytes: number, now: number): BudgetVerdict {
    // Both buckets are asked only while the first allows: a refused message costs no byte tokens.
    if (this.#messages.take(1, now) && this.#bytes.take(bytes, now)) return OK;
    this.refused++;
    if (now - this.#windowStart >= this.#config.windowMs) {
      this.#windowStart = now;
      this.#refusedInWindow = 0;
    }
    this.#refusedInWindow++;
    if (this.#refusedInWindow >= this.#config.dropAfterRefusals) return { kind: 'flooding', refusedInWindow: this.#refusedInWindow };
    this.#unreported++;
    if (now - this.#lastReport < REFUSAL_REPORT_INTERVAL_MS) return { kind: 'refused', report: false, refusedSinceReport: this.#unreported };
    this.#lastReport = now;
    const refusedSinceReport = this.#unreported;
    this.#unreported = 0;
    return { kind: 'refused', report: true, refusedSinceReport };
  }
}

/**
 * The `rate_limited` detail the node reports for a verdict now: undefined for `ok` and for a refusal not
 * reported this second. `who`: the sender, as the log names it.
 */
export function refusalDetail(verdict: BudgetVerdict, config: FloodConfig, who: string): string | undefined {
  switch (verdict.kind) {
    case 'ok':
      return undefined;
    case 'refused':
      return verdict.report ? `${verdict.refusedSinceReport} message(s) over the budget of ${config.messagesPerSecond}/s (burst ${config.messageBurst})` : undefined;
    case 'flooding':
      return `${who} flooding: ${verdict.refusedInWindow} refusals within ${config.windowMs} ms; dropped and banned for ${config.banMs} ms`;
  }
}

/** Keys banned for flooding, each until a time on the engine's clock. */
export class BanList {
  readonly #until = new Map<string, number>();

  ban(peer: string, until: number): void {
    this.#until.set(peer, Math.max(until, this.#until.get(peer) ?? 0));
  }

  isBanned(peer: string, now: number): boolean {
    // Asked for every link and candidate; almost always no one is banned (and a lookup hashes the key).
    if (this.#until.size === 0) return false;
    const until = this.#until.get(peer);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#until.delete(peer);
    return false;
  }

  /** The bans still running at `now`, forgetting expired ones. */
  active(now: number): { readonly peer: string; readonly until: number }[] {
    const active: { peer: string; until: number }[] = [];
    for (const [peer, until] of this.#until) {
      if (until > now) active.push({ peer, until });
      else this.#until.delete(peer);
    }
    return active;
  }
}
