import { describe, expect, it } from 'vitest';
import { DRAWING_SHARE, REFRESH_GAP_MAX_MS, REFRESH_GAP_MS, RefreshPacer } from '../src/lib/session/refreshPacer.ts';

describe('the refresh pacer', () => {
  it('refreshes at the shortest gap until drawing costs more than its share', () => {
    const pacer = new RefreshPacer();
    expect(pacer.gapMs).toBe(REFRESH_GAP_MS);
    pacer.measured(REFRESH_GAP_MS * DRAWING_SHARE * 0.5);
    expect(pacer.gapMs).toBe(REFRESH_GAP_MS);
  });

  it('backs off while refreshes are costly and returns once they are cheap again', () => {
    const pacer = new RefreshPacer();
    for (let i = 0; i < 20; i++) pacer.measured(40);
    expect(pacer.gapMs).toBeCloseTo(40 / DRAWING_SHARE, 0);
    for (let i = 0; i < 20; i++) pacer.measured(2);
    expect(pacer.gapMs).toBe(REFRESH_GAP_MS);
  });

  it('one slow frame moves the gap only part of the way', () => {
    const pacer = new RefreshPacer();
    for (let i = 0; i < 10; i++) pacer.measured(5);
    pacer.measured(80);
    expect(pacer.gapMs).toBeGreaterThan(REFRESH_GAP_MS);
    expect(pacer.gapMs).toBeLessThan(80 / DRAWING_SHARE / 2);
  });

  it('never waits longer than the longest gap, and ignores nonsense', () => {
    const pacer = new RefreshPacer();
    pacer.measured(10_000);
    expect(pacer.gapMs).toBe(REFRESH_GAP_MAX_MS);
    pacer.measured(Number.NaN);
    pacer.measured(-5);
    expect(pacer.costMs).toBe(10_000);
  });
});
