/**
 * One item in flight at a time, the newest waiting behind it: for snapshots (telemetry reports) where only
 * the latest matters. A page under load has its socket backed up behind its writes; reports it emits meanwhile
 * would reach the server together, a burst the server's report budget refuses (issue 11: 3 to 5 honest
 * refusals in a client-server flood). Waiting for the server's acknowledgement of the last one keeps the
 * server seeing reports no closer together than the link carries them, and drops the stale ones unsent.
 */

/**
 * How long an unacknowledged item blocks the next. Past it, the next goes anyway: an older server that
 * never acknowledges, or an ack lost with its connection, must not silence the page for good.
 */
export const IN_FLIGHT_TIMEOUT_MS = 10_000;

export class LatestInFlight<T> {
  readonly #send: (item: T, done: () => void) => void;
  readonly #now: () => number;
  /** When the item in flight left (`undefined`: none in flight). */
  #sentAt: number | undefined;
  #waiting: { readonly item: T } | undefined;
  /** Counts every send, so a late ack of an item given up on does not release its successor. */
  #generation = 0;

  constructor(send: (item: T, done: () => void) => void, now: () => number) {
    this.#send = send;
    this.#now = now;
  }

  /** Sends `item` now if nothing is in flight (or what is has timed out), else keeps it as the one to send next. */
  offer(item: T): void {
    const now = this.#now();
    if (this.#sentAt !== undefined && now - this.#sentAt < IN_FLIGHT_TIMEOUT_MS) {
      this.#waiting = { item };
      return;
    }
    this.#waiting = undefined;
    this.#dispatch(item, now);
  }

  /** Whether an item waits behind the one in flight. */
  get waiting(): boolean {
    return this.#waiting !== undefined;
  }

  /** The connection is new: nothing is in flight on it, and what waited is stale. */
  reset(): void {
    this.#generation++;
    this.#sentAt = undefined;
    this.#waiting = undefined;
  }

  #dispatch(item: T, now: number): void {
    const generation = ++this.#generation;
    this.#sentAt = now;
    this.#send(item, () => {
      if (generation !== this.#generation) return;
      this.#sentAt = undefined;
      const next = this.#waiting;
      this.#waiting = undefined;
      if (next) this.#dispatch(next.item, this.#now());
    });
  }
}
