import { describe, expect, it } from 'vitest';
import { sameItems, sameOr } from '../src/lib/session/unchanged.ts';

describe('a refreshed value keeps its identity when it says the same', () => {
  it('plain data: the previous object back when equal, the new one when anything differs', () => {
    const previous = [{ peer: 'a', link: 'direct' }];
    expect(sameOr(previous, [{ peer: 'a', link: 'direct' }])).toBe(previous);
    const next = [{ peer: 'a', link: 'relay' }];
    expect(sameOr(previous, next)).toBe(next);
  });

  it('lists of held objects: compared item by item, by identity', () => {
    const [a, b] = [{ n: 1 }, { n: 2 }];
    const previous = [a, b];
    expect(sameItems(previous, [a, b])).toBe(previous);
    const reordered = [b, a];
    expect(sameItems(previous, reordered)).toBe(reordered);
    const copy = [a, { n: 2 }];
    expect(sameItems(previous, copy)).toBe(copy);
  });
});
