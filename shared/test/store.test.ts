import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareMergeOrder, EventStore, eventId, type SignedEvent, type StoredEvent, type VersionVector } from '../src/index.ts';
import { arrivals, AUTHORS, canonical, SERVER } from './histories.ts';

function fill(events: readonly SignedEvent[]): EventStore {
  const store = new EventStore();
  for (const event of events) store.add(event, eventId(event));
  return store;
}

const ids = (events: Iterable<StoredEvent>) => [...events].map((stored) => stored.id);
const summaries = fc.dictionary(fc.constantFrom(...AUTHORS, SERVER), fc.integer({ min: 0, max: 12 }), { maxKeys: 4 });

describe('EventStore: what it keeps incrementally equals what a scan of its events gives', () => {
  it('holds the canonical event of each slot (the lowest id), whatever the arrival order and repeats', () => {
    fc.assert(
      fc.property(arrivals, ({ events, arrived }) => {
        const store = fill(arrived);
        const expected = canonical(events);
        expect(ids(store.events()).sort()).toEqual(ids(expected).sort());
        expect(store.size).toBe(expected.length);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('equal digests for equal canonical sets, whatever the order; a different set, another digest', () => {
    fc.assert(
      fc.property(arrivals, arrivals, ({ events, arrived }, other) => {
        const store = fill(arrived);
        expect(fill(events).digest()).toBe(store.digest());
        const held = new Set(ids(canonical(events)));
        const otherHeld = new Set(ids(canonical(other.events)));
        const same = held.size === otherHeld.size && [...held].every((id) => otherHeld.has(id));
        expect(fill(other.arrived).digest() === store.digest()).toBe(same);
        // One canonical event fewer: another digest.
        const [first, ...rest] = canonical(events);
        if (first) expect(fill(rest.map((one) => one.event)).digest()).not.toBe(store.digest());
      }),
      { seed: 12, numRuns: 200 },
    );
  });

  it('keeps each kind in the merge order, the counts by author and kind, and the highest sequence', () => {
    fc.assert(
      fc.property(arrivals, ({ events, arrived }) => {
        const store = fill(arrived);
        const expected = canonical(events);
        for (const kind of ['chat', 'pixel', 'transfer', 'stamp', 'note']) {
          const ofKind = expected.filter((one) => one.event.kind === kind).sort((a, b) => compareMergeOrder(a.event, b.event));
          expect(ids(store.inOrder(kind))).toEqual(ids(ofKind));
          expect(store.kindCounts().get(kind) ?? 0).toBe(ofKind.length);
        }
        for (const author of [...AUTHORS, SERVER]) {
          const own = expected.filter((one) => one.event.author === author);
          expect(store.countOf(author)).toBe(own.length);
          expect(store.authorCounts().get(author) ?? 0).toBe(own.length);
          expect(store.highestSeq(author)).toBe(Math.max(0, ...own.map((one) => one.event.seq)));
        }
      }),
      { seed: 13, numRuns: 300 },
    );
  });

  it('answers a summary with exactly the canonical events above it, per author in sequence order', () => {
    fc.assert(
      fc.property(arrivals, summaries, ({ events, arrived }, theirs: VersionVector) => {
        const store = fill(arrived);
        const expected = canonical(events)
          .filter((one) => one.event.seq > (theirs[one.event.author] ?? 0))
          .sort((a, b) => (a.event.author < b.event.author ? -1 : a.event.author > b.event.author ? 1 : a.event.seq - b.event.seq));
        const missing = store.missingFrom(theirs);
        const byAuthor = (list: StoredEvent[]) => list.map((one) => `${one.event.author}#${one.event.seq}:${one.id}`).sort();
        expect(byAuthor(missing)).toEqual(byAuthor(expected));
        for (const author of new Set(missing.map((one) => one.event.author))) {
          const seqs = missing.filter((one) => one.event.author === author).map((one) => one.event.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        }
        expect(store.missingFrom(theirs, (author) => author === SERVER).every((one) => one.event.author === SERVER)).toBe(true);
        // The count the hello decides by (catchUp.ts) is the same as the list's length, filtered or not.
        expect(store.countMissingFrom(theirs)).toBe(missing.length);
        expect(store.countMissingFrom(theirs, (author) => author === SERVER)).toBe(store.missingFrom(theirs, (author) => author === SERVER).length);
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it('lists every event that became canonical, in that order: the last arrival of each slot is its canonical event', () => {
    fc.assert(
      fc.property(arrivals, fc.array(fc.nat(), { maxLength: 6 }), ({ events, arrived }, cuts) => {
        const store = new EventStore();
        const seen: StoredEvent[] = [];
        let cursor = 0;
        arrived.forEach((event, i) => {
          store.add(event, eventId(event));
          if (cuts.includes(i)) {
            seen.push(...store.arrivalsSince(cursor));
            cursor = store.arrivalCount;
          }
        });
        seen.push(...store.arrivalsSince(cursor));
        const last = new Map(seen.map((one) => [`${one.event.author}#${one.event.seq}`, one.id]));
        expect([...last.values()].sort()).toEqual(ids(canonical(events)).sort());
      }),
      { seed: 15, numRuns: 300 },
    );
  });

  it('an equivocation that becomes canonical changes the digest and the kind order; one that does not, neither', () => {
    const author = AUTHORS[0]!;
    const chat = (text: string): SignedEvent => ({ v: 1, room: 'lab', author, seq: 1, lamport: 1, kind: 'chat', body: { text, name: 'a' }, sig: '0'.repeat(128) });
    const [low, mid, high] = [chat('one'), chat('two'), chat('three'), chat('four')].sort((a, b) => (eventId(a) < eventId(b) ? -1 : 1));
    const store = fill([mid!]);
    const before = store.digest();
    expect(store.add(high!, eventId(high!))).toMatchObject({ kind: 'equivocation', becameCanonical: false });
    expect(store.digest()).toBe(before);
    expect(store.add(low!, eventId(low!))).toMatchObject({ kind: 'equivocation', becameCanonical: true });
    expect(store.digest()).not.toBe(before);
    expect(store.digest()).toBe(fill([low!]).digest());
    expect(ids(store.inOrder('chat'))).toEqual([eventId(low!)]);
    expect(store.size).toBe(1);
    expect(store.equivocations).toHaveLength(2);
  });
});
