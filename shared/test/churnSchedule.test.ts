import { describe, expect, it } from 'vitest';
import { churnSlot, churnVictim } from '../src/index.ts';

const keys = ['d', 'a', 'c', 'b'].map((c) => c.repeat(64));

describe('the churn schedule', () => {
  it('cuts time into slots: the victim is away for the first downMs of each', () => {
    expect(churnSlot({ periodMs: 3000, downMs: 1500 }, 7_200)).toEqual({ index: 2, start: 6000, downUntil: 7500, next: 9000 });
  });

  it('every peer picks the same victim whatever order it lists members in, never an exempt key', () => {
    const plan = { id: 'e'.repeat(32), exempt: [keys[1]!] };
    for (let slot = 0; slot < 50; slot++) {
      const victim = churnVictim(plan, keys, slot);
      expect(victim).toBe(churnVictim(plan, [...keys].reverse(), slot));
      expect(victim).not.toBe(keys[1]);
    }
    const victims = new Set(Array.from({ length: 50 }, (_, slot) => churnVictim(plan, keys, slot)));
    expect(victims.size).toBe(3);
    expect(churnVictim({ id: 'x', exempt: keys }, keys, 1)).toBeUndefined();
  });
});
