/**
 * A room's state: the set of its valid events, kept as per-author logs. Everything a view shows is a
 * function of this set, so two stores holding the same events show the same digest and the same views,
 * whatever order the events arrived in.
 *
 * Beside the logs it keeps, incrementally, what readers would otherwise rebuild from every event: the
 * canonical events of each kind in the merge order (mergeOrder.ts), the digest (setDigest.ts), counts by
 * author and by kind, and the arrivals (each event that became canonical, in the order it did) from
 * which the views fold in only what is new. Adding an event costs O(log n) plus, for one that lands
 * before the end of its kind's order or of its author's log, a shift of what follows it.
 */
import { eventText, type SignedEvent } from './event.ts';
import { MergeOrdered } from './mergeOrder.ts';
import type { VersionVector } from './messages.ts';
import { SetDigest } from './setDigest.ts';

export interface StoredEvent {
  readonly id: string;
  readonly event: SignedEvent;
  /** Length of the event's canonical JSON, used to fill batches without re-encoding. */
  readonly size: number;
}

export interface Equivocation {
  readonly author: string;
  readonly seq: number;
  readonly ids: readonly [string, string];
}

export type AddResult =
  | { readonly kind: 'added' }
  | { readonly kind: 'duplicate' }
  /** A different event for a held (author, seq): kept as proof; the lower id is the canonical one. */
  | { readonly kind: 'equivocation'; readonly proof: Equivocation; readonly becameCanonical: boolean };

/** One author's canonical events. */
interface AuthorLog {
  readonly bySeq: Map<number, StoredEvent>;
  /** The sequence numbers held, ascending (arrivals mostly append). */
  readonly seqs: number[];
  /** Highest seq held with no gap below it. */
  contiguous: number;
  highest: number;
}

const byEvent = (stored: StoredEvent) => stored.event;

export class EventStore {
  readonly #byId = new Map<string, StoredEvent>();
  readonly #authors = new Map<string, AuthorLog>();
  /** kind -> its canonical events in the merge order */
  readonly #byKind = new Map<string, MergeOrdered<StoredEvent>>();
  /** Every event that became canonical, in the order it did (a slot's replacement appears again). */
  readonly #arrivals: StoredEvent[] = [];
  readonly #equivocations: Equivocation[] = [];
  readonly #digest = new SetDigest();
  #maxLamport = 0;

  get size(): number {
    return this.#digest.count;
  }

  get maxLamport(): number {
    return this.#maxLamport;
  }

  get equivocations(): readonly Equivocation[] {
    return this.#equivocations;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  get(id: string): StoredEvent | undefined {
    return this.#byId.get(id);
  }

  canonicalAt(author: string, seq: number): StoredEvent | undefined {
    return this.#authors.get(author)?.bySeq.get(seq);
  }

  highestSeq(author: string): number {
    return this.#authors.get(author)?.highest ?? 0;
  }

  /** Canonical events held of one author. */
  countOf(author: string): number {
    return this.#authors.get(author)?.bySeq.size ?? 0;
  }

  /** Canonical events held, by author: one entry per author, whatever the number of events. */
  authorCounts(): Map<string, number> {
    return new Map([...this.#authors].map(([author, log]) => [author, log.bySeq.size]));
  }

  /** Canonical events held, by kind. */
  kindCounts(): Map<string, number> {
    return new Map([...this.#byKind].map(([kind, ordered]) => [kind, ordered.length]));
  }

  add(event: SignedEvent, id: string): AddResult {
    if (this.#byId.has(id)) return { kind: 'duplicate' };
    const stored: StoredEvent = { id, event, size: eventText(event).length };
    this.#byId.set(id, stored);
    const log = this.#logOf(event.author);
    const held = log.bySeq.get(event.seq);
    if (held !== undefined) {
      const proof: Equivocation = { author: event.author, seq: event.seq, ids: [held.id, id] };
      this.#equivocations.push(proof);
      const becameCanonical = id < held.id;
      if (becameCanonical) {
        log.bySeq.set(event.seq, stored);
        this.#byKind.get(held.event.kind)?.remove(held.event);
        this.#digest.remove(held.id);
        this.#enter(stored);
      }
      return { kind: 'equivocation', proof, becameCanonical };
    }
    log.bySeq.set(event.seq, stored);
    insertSorted(log.seqs, event.seq);
    if (event.seq > log.highest) log.highest = event.seq;
    while (log.bySeq.has(log.contiguous + 1)) log.contiguous++;
    if (event.lamport > this.#maxLamport) this.#maxLamport = event.lamport;
    this.#enter(stored);
    return { kind: 'added' };
  }

  /** The summary exchanged by anti-entropy: one number per author, whatever the number of events. */
  versionVector(includeAuthor: (author: string) => boolean = () => true): VersionVector {
    const vv: VersionVector = {};
    for (const [author, log] of this.#authors) if (log.contiguous > 0 && includeAuthor(author)) vv[author] = log.contiguous;
    return vv;
  }

  /** Canonical events the holder of `theirs` lacks, per author in sequence order: O(authors + what it lacks). */
  missingFrom(theirs: VersionVector, includeAuthor: (author: string) => boolean = () => true): StoredEvent[] {
    const missing: StoredEvent[] = [];
    for (const [author, log] of this.#authors) {
      const known = theirs[author] ?? 0;
      if (known >= log.highest || !includeAuthor(author)) continue;
      for (let i = firstAbove(log.seqs, known); i < log.seqs.length; i++) missing.push(log.bySeq.get(log.seqs[i]!)!);
    }
    return missing;
  }

  /** How many events missingFrom(theirs) would return, without gathering them: O(authors × log events). */
  countMissingFrom(theirs: VersionVector, includeAuthor: (author: string) => boolean = () => true): number {
    let count = 0;
    for (const [author, log] of this.#authors) {
      const known = theirs[author] ?? 0;
      if (known < log.highest && includeAuthor(author)) count += log.seqs.length - firstAbove(log.seqs, known);
    }
    return count;
  }

  /** True when `theirs` names an event this store does not hold. */
  lacksSomethingIn(theirs: VersionVector, includeAuthor: (author: string) => boolean = () => true): boolean {
    for (const [author, seq] of Object.entries(theirs)) {
      if (includeAuthor(author) && seq > (this.#authors.get(author)?.contiguous ?? 0)) return true;
    }
    return false;
  }

  /** Canonical events, in no particular order. */
  *events(): IterableIterator<StoredEvent> {
    for (const log of this.#authors.values()) yield* log.bySeq.values();
  }

  /**
   * The canonical events of one kind in the merge order: the one ordered iteration every view and the
   * authority read. A read-only view, valid until the next `add`.
   */
  inOrder(kind: string): readonly StoredEvent[] {
    return this.#byKind.get(kind)?.items() ?? [];
  }

  /** How many events have become canonical so far: a fold's cursor into `arrivalsSince`. */
  get arrivalCount(): number {
    return this.#arrivals.length;
  }

  /**
   * The events that became canonical since `cursor` (an earlier `arrivalCount`), in the order they did.
   * An equivocation can replace a slot's canonical event: the replacement arrives again for its
   * (author, seq), and a fold keyed by slot drops what it held there.
   */
  arrivalsSince(cursor: number): readonly StoredEvent[] {
    return this.#arrivals.slice(cursor);
  }

  /** A short hash of the canonical event set: equal on two stores exactly when they hold the same events. */
  digest(): string {
    return this.#digest.text();
  }

  #logOf(author: string): AuthorLog {
    let log = this.#authors.get(author);
    if (!log) {
      log = { bySeq: new Map(), seqs: [], contiguous: 0, highest: 0 };
      this.#authors.set(author, log);
    }
    return log;
  }

  /** A canonical event enters the digest, its kind's order and the arrivals. */
  #enter(stored: StoredEvent): void {
    let ordered = this.#byKind.get(stored.event.kind);
    if (!ordered) {
      ordered = new MergeOrdered(byEvent);
      this.#byKind.set(stored.event.kind, ordered);
    }
    ordered.add(stored);
    this.#digest.add(stored.id);
    this.#arrivals.push(stored);
  }
}

/** Inserts into an ascending array: an append when it is the largest, as arrivals mostly are. */
function insertSorted(values: number[], value: number): void {
  if (values.length === 0 || values[values.length - 1]! < value) {
    values.push(value);
    return;
  }
  values.splice(firstAbove(values, value), 0, value);
}

/** Index of the first value above `bound` in an ascending array. */
function firstAbove(values: readonly number[], bound: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
