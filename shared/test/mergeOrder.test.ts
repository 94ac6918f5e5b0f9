import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareMergeOrder, MergeOrdered, type MergeKey } from '../src/index.ts';

const keys = fc.uniqueArray(fc.record({ lamport: fc.integer({ min: 0, max: 20 }), author: fc.constantFrom('a', 'b', 'c'), seq: fc.integer({ min: 1, max: 40 }) }), {
  selector: (key) => `${key.author}#${key.seq}`,
  maxLength: 120,
});

describe('the merge order', () => {
  it('is Lamport time, then author key, then sequence', () => {
    expect(compareMergeOrder({ lamport: 1, author: 'b', seq: 9 }, { lamport: 2, author: 'a', seq: 1 })).toBeLessThan(0);
    expect(compareMergeOrder({ lamport: 2, author: 'a', seq: 9 }, { lamport: 2, author: 'b', seq: 1 })).toBeLessThan(0);
    expect(compareMergeOrder({ lamport: 2, author: 'a', seq: 2 }, { lamport: 2, author: 'a', seq: 1 })).toBeGreaterThan(0);
  });
});

describe('MergeOrdered', () => {
  it('holds what was added and not removed, in the merge order, whatever the order of adds, reads and removals', () => {
    fc.assert(
      fc.property(keys, fc.array(fc.boolean(), { maxLength: 120 }), fc.array(fc.nat(), { maxLength: 30 }), (added, reads, removals) => {
        const ordered = new MergeOrdered<MergeKey>((key) => key);
        const held: MergeKey[] = [];
        added.forEach((key, i) => {
          const last = [...held].sort(compareMergeOrder).at(-1);
          const atEnd = ordered.add(key);
          // Appended only when nothing held comes after it (and nothing is waiting to be merged in).
          if (atEnd) expect(last === undefined || compareMergeOrder(last, key) <= 0).toBe(true);
          held.push(key);
          if (reads[i]) expect(ordered.items()).toEqual([...held].sort(compareMergeOrder));
        });
        for (const pick of removals) {
          if (held.length === 0) break;
          const [gone] = held.splice(pick % held.length, 1);
          expect(ordered.remove(gone!)).toBe(true);
          expect(ordered.remove(gone!)).toBe(false);
        }
        expect(ordered.length).toBe(held.length);
        expect(ordered.items()).toEqual([...held].sort(compareMergeOrder));
        expect(ordered.newest(3)).toEqual([...held].sort(compareMergeOrder).slice(-3));
      }),
      { seed: 0x0d3e, numRuns: 300 },
    );
  });

  it('appends in O(1) what arrives in order: the common case reports it', () => {
    const ordered = new MergeOrdered<MergeKey>((key) => key);
    for (let i = 1; i <= 1000; i++) expect(ordered.add({ lamport: i, author: 'a', seq: i })).toBe(true);
    expect(ordered.add({ lamport: 5, author: 'b', seq: 1 })).toBe(false);
    expect(ordered.items()[5]).toEqual({ lamport: 5, author: 'b', seq: 1 });
  });
});
