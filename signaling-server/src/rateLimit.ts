/**
 * A token bucket per socket. Numbers (per socket, all client events counted alike):
 * - refill RATE_PER_SECOND = 2,000 messages a second, burst BURST = 4,000 messages;
 *   enough for a 1,000 events/s burst from one page (each write is one `peer` message at most);
 * - a socket that keeps flooding, i.e. gets FLOOD_DISCONNECT_AFTER = 4,000 refusals within one
 *   FLOOD_WINDOW_MS = 1 s window (it sends about three times its budget), is disconnected.
 */
import { TokenBucket as RefillingBucket } from '@peerlab/shared';

export const RATE_PER_SECOND = 2_000;
export const BURST = 4_000;
export const FLOOD_DISCONNECT_AFTER = 4_000;
export const FLOOD_WINDOW_MS = 1_000;

/** The engine's token bucket (refill arithmetic in one place), plus the socket's flood window. */
export class TokenBucket {
  readonly #bucket: RefillingBucket;
  #refusedInWindow = 0;
  #windowStart: number;

  constructor(
    readonly ratePerSecond: number = RATE_PER_SECOND,
    readonly burst: number = BURST,
    now: number = Date.now(),
  ) {
    this.#bucket = new RefillingBucket(ratePerSecond, burst, now);
    this.#windowStart = now;
  }

  /** Takes one token; false when the bucket is empty. */
  take(now: number = Date.now()): boolean {
    if (now - this.#windowStart >= FLOOD_WINDOW_MS) {
      this.#windowStart = now;
      this.#refusedInWindow = 0;
    }
    if (this.#bucket.take(1, now)) return true;
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
