/**
 * A token bucket per socket. Numbers (per socket, all client events counted alike):
 * - refill RATE_PER_SECOND = 2,000 messages a second, burst BURST = 4,000 messages;
 *   enough for a 1,000 events/s burst from one page (each write is one `peer` message at most);
 * - a socket that keeps flooding, i.e. gets FLOOD_DISCONNECT_AFTER = 4,000 refusals within one
 *   FLOOD_WINDOW_MS = 1 s window (it sends about three times its budget), is disconnected.
 */
export const RATE_PER_SECOND = 2_000;
export const BURST = 4_000;
export const FLOOD_DISCONNECT_AFTER = 4_000;
export const FLOOD_WINDOW_MS = 1_000;

export class TokenBucket {
  #tokens: number;
  #last: number;
  #refusedInWindow = 0;
  #windowStart: number;

  constructor(
    readonly ratePerSecond: number = RATE_PER_SECOND,
    readonly burst: number = BURST,
    now: number = Date.now(),
  ) {
    this.#tokens = burst;
    this.#last = now;
    this.#windowStart = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number = Date.now()): boolean {
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
    if (now - this.#windowStart >= FLOOD_WINDOW_MS) {
      this.#windowStart = now;
      this.#refusedInWindow = 0;
    }
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    this.#refusedInWindow++;
    return false;
  }

  /** Refusals in the current flood window. */
  get refusedInWindow(): number {
    return this.#refusedInWindow;
  }

  /** True when the sender should be disconnected as a flooder. */
  get flooding(): boolean {
    return this.#refusedInWindow >= FLOOD_DISCONNECT_AFTER;
  }
}
