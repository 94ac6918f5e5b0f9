/**
 * Who holds which written event, when they got it and over how many link hops, kept in flat typed
 * arrays (5 bytes per node and event). Only live honest nodes count: `holders[e]` is how many of them
 * hold event e, and an event is "present" while at least one does, so completion, the property the
 * tests check, is `held === present * liveHonest`, known in O(1) after every step.
 */

/** Marks "not held" in the receive-time table. */
const NOT_HELD = -1;
/** Hop counts saturate here (one byte each). */
const MAX_HOPS = 255;

export interface DeliveryQuantiles {
  /** Mean over present events of the time from the write until 50 / 99 / 100 % of live honest nodes held it; null unless every present event got there. */
  readonly timeToMs: readonly (number | null)[];
  /** The same in link hops: the fewest hops within which that fraction of live honest nodes got the event. */
  readonly hopsTo: readonly (number | null)[];
  /** Mean and largest time to a first reception, over receptions other than the writer's own. */
  readonly tAvgMs: number;
  readonly tLastMs: number;
  readonly meanHops: number;
  /** Fraction of live honest nodes missing at least one present event. */
  readonly residue: number;
}

export const QUANTILES = [0.5, 0.99, 1] as const;

export class DeliveryTable {
  readonly #events: number;
  #receivedAt: Float32Array;
  #hops: Uint8Array;
  readonly holders: Int32Array;
  readonly writtenAt: Float64Array;
  /** Events written so far; event e is the e-th write. */
  written = 0;
  /** Sum of holders over events. */
  held = 0;
  /** Events held by at least one live honest node. */
  present = 0;

  constructor(events: number, capacity: number) {
    this.#events = events;
    this.#receivedAt = new Float32Array(capacity * events).fill(NOT_HELD);
    this.#hops = new Uint8Array(capacity * events);
    this.holders = new Int32Array(events);
    this.writtenAt = new Float64Array(events);
  }

  /** Room for node indices below `nodes`. */
  reserve(nodes: number): void {
    const needed = nodes * this.#events;
    if (needed <= this.#receivedAt.length) return;
    const size = Math.max(needed, 2 * this.#receivedAt.length);
    const receivedAt = new Float32Array(size).fill(NOT_HELD);
    receivedAt.set(this.#receivedAt);
    const hops = new Uint8Array(size);
    hops.set(this.#hops);
    this.#receivedAt = receivedAt;
    this.#hops = hops;
  }

  holds(node: number, event: number): boolean {
    return this.#receivedAt[node * this.#events + event]! !== NOT_HELD;
  }

  /** A live honest node wrote a new event at `atMs`; returns its index. */
  write(node: number, atMs: number): number {
    const event = this.written++;
    this.writtenAt[event] = atMs;
    this.receive(node, event, atMs, -1);
    return event;
  }

  /** First reception by a live honest node, from `from` (-1 for its own write). */
  receive(node: number, event: number, atMs: number, from: number): void {
    const slot = node * this.#events + event;
    if (this.#receivedAt[slot] !== NOT_HELD) return;
    this.#receivedAt[slot] = atMs;
    this.#hops[slot] = from < 0 ? 0 : Math.min(MAX_HOPS, this.#hops[from * this.#events + event]! + 1);
    if (this.holders[event]!++ === 0) this.present++;
    this.held++;
  }

  /** A live honest node left: its events no longer count. */
  leave(node: number): void {
    for (let event = 0; event < this.written; event++) {
      if (!this.holds(node, event)) continue;
      if (--this.holders[event]! === 0) this.present--;
      this.held--;
    }
  }

  /** Fraction of (live honest node, present event) pairs held: 1 when complete. */
  fraction(liveHonest: number): number {
    return this.present === 0 || liveHonest === 0 ? 0 : this.held / (this.present * liveHonest);
  }

  complete(liveHonest: number): boolean {
    return this.held === this.present * liveHonest;
  }

  quantiles(liveHonestNodes: readonly number[]): DeliveryQuantiles {
    const live = liveHonestNodes.length;
    const sums = QUANTILES.map(() => 0);
    const hopSums = QUANTILES.map(() => 0);
    const reached = QUANTILES.map(() => 0);
    let receptions = 0;
    let receiveSum = 0;
    let hopSum = 0;
    let last = 0;
    let events = 0;
    const times = new Float64Array(live);
    const hops = new Float64Array(live);
    const missing = new Uint8Array(live);
    for (let event = 0; event < this.written; event++) {
      if (this.holders[event] === 0) continue;
      events++;
      let count = 0;
      for (let k = 0; k < live; k++) {
        const slot = liveHonestNodes[k]! * this.#events + event;
        const at = this.#receivedAt[slot]!;
        if (at === NOT_HELD) {
          missing[k] = 1;
          continue;
        }
        const delay = at - this.writtenAt[event]!;
        times[count] = delay;
        hops[count++] = this.#hops[slot]!;
        if (this.#hops[slot]! > 0) {
          receptions++;
          receiveSum += delay;
          hopSum += this.#hops[slot]!;
          last = Math.max(last, delay);
        }
      }
      const sortedTimes = times.subarray(0, count).sort();
      const sortedHops = hops.subarray(0, count).sort();
      QUANTILES.forEach((q, i) => {
        const rank = Math.max(1, Math.ceil(q * live - 1e-9));
        if (count < rank) return;
        reached[i]!++;
        sums[i]! += sortedTimes[rank - 1]!;
        hopSums[i]! += sortedHops[rank - 1]!;
      });
    }
    const mean = (total: number, i: number): number | null => (events > 0 && reached[i] === events ? total / events : null);
    return {
      timeToMs: sums.map(mean),
      hopsTo: hopSums.map(mean),
      tAvgMs: receptions > 0 ? receiveSum / receptions : 0,
      tLastMs: last,
      meanHops: receptions > 0 ? hopSum / receptions : 0,
      residue: live > 0 ? missing.reduce((a, b) => a + b, 0) / live : 0,
    };
  }
}
