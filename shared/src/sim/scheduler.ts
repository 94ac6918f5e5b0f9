/**
 * A virtual-time agenda for the engine simulation: entries pop ordered by (time, insertion order), so
 * equal times pop in the order they were scheduled and a run is reproducible.
 *
 * Kept as one FIFO bucket per distinct time plus a binary min-heap of those times. A large run
 * schedules millions of entries over a few thousand distinct times (latencies and timers are whole
 * virtual ms, and thousands of nodes act within each), so a step costs O(1) on its bucket and
 * O(log distinct times) only when a time is first used or used up, where one heap of every entry paid
 * O(log entries) per step in cache misses, and MemoryNetwork's sorted array and per-step scan of every
 * node's timer cost O(n).
 */

export interface Scheduled<T> {
  readonly at: number;
  readonly item: T;
}

interface Bucket<T> {
  readonly items: T[];
  /** Index of the next item to pop. */
  head: number;
}

export class Agenda<T> {
  readonly #buckets = new Map<number, Bucket<T>>();
  /** Distinct times that have a bucket, as a binary min-heap. */
  readonly #times: number[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  peekTime(): number | undefined {
    return this.#times[0];
  }

  schedule(at: number, item: T): void {
    this.#size++;
    const bucket = this.#buckets.get(at);
    if (bucket !== undefined) {
      bucket.items.push(item);
      return;
    }
    this.#buckets.set(at, { items: [item], head: 0 });
    const heap = this.#times;
    let i = heap.length;
    heap.push(at);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= at) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = at;
  }

  pop(): Scheduled<T> | undefined {
    const at = this.#times[0];
    if (at === undefined) return undefined;
    const bucket = this.#buckets.get(at)!;
    const item = bucket.items[bucket.head]!;
    // Drop the reference so a delivered message's text can be collected while the bucket still fills.
    bucket.items[bucket.head++] = undefined as T;
    this.#size--;
    if (bucket.head === bucket.items.length) {
      this.#buckets.delete(at);
      this.#popTime();
    }
    return { at, item };
  }

  #popTime(): void {
    const heap = this.#times;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]! < heap[left]! ? right : left;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
