import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { acceptsIncoming, DEFAULT_OVERLAY, planOverlay } from '../src/engine/membership.ts';
import { seededRng, shuffled } from '../src/ports/rng.ts';

const names = (n: number) => Array.from({ length: n }, (_, i) => `m${String(i).padStart(3, '0')}`);

describe('planOverlay', () => {
  it('a small room becomes a full mesh', () => {
    const plan = planOverlay({ self: 'm000', members: names(5), linked: new Set(), connecting: new Set() }, seededRng(1));
    expect([...plan.connect].sort()).toEqual(names(5).slice(1));
  });

  it('a large room gets `target` random partners, never itself, never twice', () => {
    const plan = planOverlay({ self: 'm000', members: names(500), linked: new Set(), connecting: new Set() }, seededRng(2));
    expect(plan.connect).toHaveLength(DEFAULT_OVERLAY.target);
    expect(new Set(plan.connect).size).toBe(DEFAULT_OVERLAY.target);
    expect(plan.connect).not.toContain('m000');
  });

  it('tops up below the low watermark and sheds above the high one', () => {
    const members = names(100);
    const low = planOverlay({ self: 'm000', members, linked: new Set(members.slice(1, 4)), connecting: new Set() }, seededRng(3));
    expect(low.connect).toHaveLength(DEFAULT_OVERLAY.target - 3);
    const high = planOverlay({ self: 'm000', members, linked: new Set(members.slice(1, 15)), connecting: new Set() }, seededRng(3));
    expect(high.disconnect).toHaveLength(14 - DEFAULT_OVERLAY.target);
    const steady = planOverlay({ self: 'm000', members, linked: new Set(members.slice(1, 9)), connecting: new Set() }, seededRng(3));
    expect(steady).toEqual({ connect: [], disconnect: [] });
  });

  it('accepts incoming links up to one over the high watermark (the next round sheds)', () => {
    expect(acceptsIncoming(DEFAULT_OVERLAY.high)).toBe(true);
    expect(acceptsIncoming(DEFAULT_OVERLAY.high + 1)).toBe(false);
  });

  it('property: the overlay built by everyone planning is connected and within the watermarks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.integer(), (n, seed) => {
        const rng = seededRng(seed);
        const members = names(n);
        const links = new Map(members.map((m) => [m, new Set<string>()]));
        for (const self of shuffled(rng, members)) {
          const plan = planOverlay({ self, members, linked: links.get(self)!, connecting: new Set() }, rng);
          for (const peer of plan.connect) {
            if (!acceptsIncoming(links.get(peer)!.size)) continue;
            links.get(self)!.add(peer);
            links.get(peer)!.add(self);
          }
        }
        // Connected: a search from the first member reaches all.
        const seen = new Set([members[0]!]);
        const queue = [members[0]!];
        while (queue.length) for (const next of links.get(queue.pop()!)!) if (!seen.has(next)) { seen.add(next); queue.push(next); }
        const degrees = members.map((m) => links.get(m)!.size);
        return seen.size === n && Math.max(...degrees) <= DEFAULT_OVERLAY.high + 1 && Math.min(...degrees) >= Math.min(n - 1, DEFAULT_OVERLAY.low);
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});
