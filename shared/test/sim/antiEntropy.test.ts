/**
 * Anti-entropy: cycles until every site holds one update, against the theory.
 * Push (Pittel 1987): log2(n) + ln(n) + O(1). Push-pull (Karp et al. 2000): log3(n) + O(ln ln n).
 * RUNS runs per size; the completion round varies by about ±1, so the mean's standard error is ≈ 0.15
 * round. The O(1) term is positive and oscillates with the fractional part of log2(n) (measured, seed = n:
 * push +1.19, +1.67, +0.84 at n = 1e3, 1e4, 1e5; push-pull +0.98, +1.03, +1.18), so we allow [0, 2.5].
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/ports/rng.ts';
import { runAntiEntropy, type Exchange } from '../../src/sim/antiEntropy.ts';
import { summarize } from '../../src/sim/runResult.ts';

const RUNS = 30;

function meanRounds(n: number, exchange: Exchange): number {
  const rng = seededRng(n);
  const summary = summarize(Array.from({ length: RUNS }, () => runAntiEntropy({ nodes: n, exchange }, rng)));
  expect(summary.completeRuns).toBe(RUNS);
  return summary.roundsTo100!;
}

describe('anti-entropy', () => {
  for (const n of [1e3, 1e4, 1e5]) {
    it(`push informs ${n} sites in log2(n) + ln(n) rounds (Pittel)`, () => {
      const rounds = meanRounds(n, 'push');
      const excess = rounds - (Math.log2(n) + Math.log(n));
      expect(excess, `mean ${rounds}`).toBeGreaterThanOrEqual(0);
      expect(excess, `mean ${rounds}`).toBeLessThan(2.5);
    });
  }

  it('push-pull needs about log3(n) + ln ln n rounds, pull fewer than push', () => {
    for (const n of [1e3, 1e5]) {
      const pushPull = meanRounds(n, 'push-pull');
      const excess = pushPull - (Math.log(n) / Math.log(3) + Math.log(Math.log(n)));
      expect(excess, `n=${n} mean ${pushPull}`).toBeGreaterThanOrEqual(0);
      expect(excess, `n=${n} mean ${pushPull}`).toBeLessThan(2.5);
    }
    expect(meanRounds(1e4, 'pull')).toBeLessThan(meanRounds(1e4, 'push'));
  });

  it('sends the update only to sites that lack it (traffic ≈ 1 per site)', () => {
    const result = runAntiEntropy({ nodes: 1000, exchange: 'push' }, seededRng(1));
    expect(result.susceptible).toBe(0);
    expect(result.updateMessages - result.duplicates).toBe(999);
  });
});
