/**
 * A virtual-time agenda for the engine simulation: a binary min-heap ordered by (time, insertion order),
 * so equal times pop in the order they were scheduled and a run is reproducible. O(log n) per entry,
 * where MemoryNetwork's sorted array and per-step scan of every node's timer cost O(n).
 */

export interface Scheduled<T> {
  readonly at: number;
  readonly order: number;
  readonly item: T;
}

export class Agenda<T> {
  readonly #heap: Scheduled<T>[] = [];
  #order = 0;

  get size(): number {
    return this.#heap.length;
  }

  peekTime(): number | undefined {
    return this.#heap[0]?.at;
  }

  schedule(at: number, item: T): void {
    const heap = this.#heap;
    const entry = { at, order: this.#order++, item };
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  pop(): Scheduled<T> | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before<T>(a: Scheduled<T>, b: Scheduled<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
