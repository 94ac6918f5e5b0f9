/**
 * The room's one merge order of events: Lamport time, then author key, then sequence number. It reads only
 * what the events say, so every peer puts the same events in the same order whatever order they arrived
 * in. The chat lists messages in it, the board's last writer is the greatest in it, the ledger replays
 * unstamped transfers in it, and the authority stamps its backlog in it. (The server's acknowledgement
 * position is something else: see `ackPosition` in authority.ts.)
 */

/** What the merge order reads of an event. */
export interface MergeKey {
  readonly lamport: number;
  readonly author: string;
  readonly seq: number;
}

/** Negative when `a` comes first, positive when `b` does, 0 only for the same (author, seq) at one time. */
export function compareMergeOrder(a: MergeKey, b: MergeKey): number {
  return a.lamport - b.lamport || (a.author < b.author ? -1 : a.author > b.author ? 1 : a.seq - b.seq);
}

/**
 * Out-of-order arrivals waiting to be merged in: up to this many are inserted one by one (a binary search
 * and a shift each); more are sorted together and merged in one pass. Higher favours a few stragglers,
 * lower a bulk restore in arbitrary order.
 */
const INSERT_ONE_BY_ONE = 32;

/**
 * Items kept in the merge order, built one arrival at a time. An item at or after the current last (the
 * usual case: new events carry the highest Lamport time) is appended in O(1). Others wait and are merged
 * in at the next read: one by one while few (O(log n) search plus an O(n) shift, a memmove), else sorted
 * and merged in one O(n + k log k) pass, so a restore of n events in any order costs O(n log n).
 */
export class MergeOrdered<T> {
  readonly #key: (item: T) => MergeKey;
  #items: T[] = [];
  #waiting: T[] = [];

  constructor(key: (item: T) => MergeKey) {
    this.#key = key;
  }

  get length(): number {
    return this.#items.length + this.#waiting.length;
  }

  /** Adds an item; true when it went to the end of the order (nothing before it moved). */
  add(item: T): boolean {
    const last = this.#items.at(-1);
    if (this.#waiting.length === 0 && (last === undefined || compareMergeOrder(this.#key(last), this.#key(item)) <= 0)) {
      this.#items.push(item);
      return true;
    }
    this.#waiting.push(item);
    return false;
  }

  /** Removes the item with `key`'s (author, seq) at `key`'s place; false when it is not held. */
  remove(key: MergeKey): boolean {
    const waiting = this.#waiting.findIndex((item) => sameSlot(this.#key(item), key));
    if (waiting >= 0) {
      this.#waiting.splice(waiting, 1);
      return true;
    }
    const at = this.#search(key);
    if (at < this.#items.length && sameSlot(this.#key(this.#items[at]!), key)) {
      this.#items.splice(at, 1);
      return true;
    }
    return false;
  }

  /** Every item in the merge order: a read-only view, valid until the next `add` or `remove`. */
  items(): readonly T[] {
    this.#settle();
    return this.#items;
  }

  /** The last `count` items in the merge order (the newest). */
  newest(count: number): T[] {
    const items = this.items();
    return items.slice(Math.max(0, items.length - count));
  }

  #settle(): void {
    if (this.#waiting.length === 0) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    if (waiting.length <= INSERT_ONE_BY_ONE) {
      for (const item of waiting) this.#items.splice(this.#search(this.#key(item)), 0, item);
      return;
    }
    waiting.sort((a, b) => compareMergeOrder(this.#key(a), this.#key(b)));
    const merged: T[] = new Array(this.#items.length + waiting.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < merged.length; k++) {
      const takeWaiting = i >= this.#items.length || (j < waiting.length && compareMergeOrder(this.#key(waiting[j]!), this.#key(this.#items[i]!)) < 0);
      merged[k] = takeWaiting ? waiting[j++]! : this.#items[i++]!;
    }
    this.#items = merged;
  }

  /** The first index whose item does not come before `key`. */
  #search(key: MergeKey): number {
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareMergeOrder(this.#key(this.#items[mid]!), key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function sameSlot(a: MergeKey, b: MergeKey): boolean {
  return a.author === b.author && a.seq === b.seq && a.lamport === b.lamport;
}
