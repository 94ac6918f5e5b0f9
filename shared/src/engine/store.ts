/**
 * A room's state: the set of its valid events, kept as per-author logs. Everything a view shows is a
 * function of this set, so two stores holding the same events show the same digest and the same views,
 * whatever order the events arrived in.
 */
import type { SignedEvent } from './event.ts';
import type { VersionVector } from './messages.ts';
import { shortHash, utf8 } from './encoding.ts';

export interface StoredEvent {
  readonly id: string;
  readonly event: SignedEvent;
  /** Length of the event's JSON, used to fill batches without re-encoding. */
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

export class EventStore {
  readonly #byId = new Map<string, StoredEvent>();
  /** author -> seq -> canonical event id */
  readonly #slots = new Map<string, Map<number, string>>();
  /** author -> highest seq held with no gap below it */
  readonly #contiguous = new Map<string, number>();
  readonly #equivocations: Equivocation[] = [];
  #maxLamport = 0;
  #canonicalCount = 0;
  #digest: string | undefined;

  get size(): number {
    return this.#canonicalCount;
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
    const id = this.#slots.get(author)?.get(seq);
    return id === undefined ? undefined : this.#byId.get(id);
  }

  highestSeq(author: string): number {
    const slots = this.#slots.get(author);
    if (!slots) return 0;
    let max = 0;
    for (const seq of slots.keys()) if (seq > max) max = seq;
    return max;
  }

  add(event: SignedEvent, id: string): AddResult {
    if (this.#byId.has(id)) return { kind: 'duplicate' };
    const stored: StoredEvent = { id, event, size: JSON.stringify(event).length };
    this.#byId.set(id, stored);
    let slots = this.#slots.get(event.author);
    if (!slots) {
      slots = new Map();
      this.#slots.set(event.author, slots);
    }
    const heldId = slots.get(event.seq);
    if (heldId !== undefined) {
      const proof: Equivocation = { author: event.author, seq: event.seq, ids: [heldId, id] };
      this.#equivocations.push(proof);
      const becameCanonical = id < heldId;
      if (becameCanonical) {
        slots.set(event.seq, id);
        this.#digest = undefined;
      }
      return { kind: 'equivocation', proof, becameCanonical };
    }
    slots.set(event.seq, id);
    this.#canonicalCount++;
    this.#digest = undefined;
    if (event.lamport > this.#maxLamport) this.#maxLamport = event.lamport;
    let contiguous = this.#contiguous.get(event.author) ?? 0;
    while (slots.has(contiguous + 1)) contiguous++;
    this.#contiguous.set(event.author, contiguous);
    return { kind: 'added' };
  }

  /** The summary exchanged by anti-entropy: one number per author, whatever the number of events. */
  versionVector(includeAuthor: (author: string) => boolean = () => true): VersionVector {
    const vv: VersionVector = {};
    for (const [author, seq] of this.#contiguous) if (seq > 0 && includeAuthor(author)) vv[author] = seq;
    return vv;
  }

  /** Canonical events the holder of `theirs` lacks, per author in sequence order. */
  missingFrom(theirs: VersionVector, includeAuthor: (author: string) => boolean = () => true): StoredEvent[] {
    const missing: StoredEvent[] = [];
    for (const [author, slots] of this.#slots) {
      if (!includeAuthor(author)) continue;
      const known = theirs[author] ?? 0;
      const seqs = [...slots.keys()].filter((seq) => seq > known).sort((a, b) => a - b);
      for (const seq of seqs) {
        const stored = this.#byId.get(slots.get(seq)!);
        if (stored) missing.push(stored);
      }
    }
    return missing;
  }

  /** True when `theirs` names an event this store does not hold. */
  lacksSomethingIn(theirs: VersionVector, includeAuthor: (author: string) => boolean = () => true): boolean {
    for (const [author, seq] of Object.entries(theirs)) {
      if (includeAuthor(author) && seq > (this.#contiguous.get(author) ?? 0)) return true;
    }
    return false;
  }

  /** Canonical events, in no particular order. */
  *events(): IterableIterator<StoredEvent> {
    for (const slots of this.#slots.values()) {
      for (const id of slots.values()) {
        const stored = this.#byId.get(id);
        if (stored) yield stored;
      }
    }
  }

  /** A short hash of the canonical event set: equal on two stores exactly when they hold the same events. */
  digest(): string {
    if (this.#digest === undefined) {
      const ids = [...this.events()].map((stored) => stored.id).sort();
      this.#digest = shortHash(utf8(ids.join(','))).slice(0, 16);
    }
    return this.#digest;
  }
}
