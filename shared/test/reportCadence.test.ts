import { describe, expect, it } from 'vitest';
import { KEEPALIVE_MIN_MS, KEEPALIVE_REPORTS_PER_SECOND, keepaliveTicks, REPORT_INTERVAL_MS, ReportCadence, reportEvery, REPORTS_PER_PERIOD } from '../src/engine/reportCadence.ts';

/** Which of `ticks` ticks (one a second from t = 1 s) report, given the state at each. */
function reporting(cadence: ReportCadence, members: number, states: readonly string[]): number[] {
  const reported: number[] = [];
  states.forEach((state, i) => {
    if (cadence.tick(members, (i + 1) * REPORT_INTERVAL_MS, state)) reported.push(i + 1);
  });
  return reported;
}

describe('the report cadence', () => {
  it('reports every tick in a small room, every few ticks in a big one', () => {
    expect(reportEvery(0)).toBe(1);
    expect(reportEvery(REPORTS_PER_PERIOD - 1)).toBe(1);
    expect(reportEvery(REPORTS_PER_PERIOD)).toBe(2);
    expect(reportEvery(3 * REPORTS_PER_PERIOD)).toBe(4);
  });

  it('reports at the first tick after what viewers read changed, and only a keepalive while it stays', () => {
    const keepalive = keepaliveTicks(7);
    expect(keepalive * REPORT_INTERVAL_MS).toBe(10_000); // a room of 8

    const states = Array.from({ length: 30 }, (_, i) => (i < 3 ? `s${i}` : i === 14 ? 'moved' : i > 14 ? 'moved' : 's2'));
    // Ticks 1-3 change; then silence until the keepalive; tick 15 changes (and restarts the keepalive).
    expect(reporting(new ReportCadence(), 7, states)).toEqual([1, 2, 3, 3 + keepalive, 15, 15 + keepalive]);
  });

  it('stretches the keepalive with the room, so the idle room sends about the same reports a second', () => {
    expect(keepaliveTicks(0)).toBe(KEEPALIVE_MIN_MS / REPORT_INTERVAL_MS);
    for (const members of [3, 7, 15, 31, 63, 127]) {
      const roomPerSecond = (members + 1) / ((keepaliveTicks(members) * REPORT_INTERVAL_MS) / 1000);
      expect(roomPerSecond).toBeLessThanOrEqual(KEEPALIVE_REPORTS_PER_SECOND);
      expect(roomPerSecond).toBeGreaterThan(KEEPALIVE_REPORTS_PER_SECOND * 0.9);
    }
  });

  it('says in the period how long its report stands for, so viewers know when to call it stale', () => {
    const cadence = new ReportCadence();
    expect(cadence.tick(40, 1000, 'x')?.periodMs).toBe(keepaliveTicks(40) * REPORT_INTERVAL_MS);
    // A big room: ticks off the grid never report, even with news.
    expect(cadence.tick(40, 2000, 'y')).toBeUndefined();
    expect(cadence.tick(40, 3000, 'y')).toBeUndefined();
    expect(cadence.tick(40, 4000, 'y')).toBeDefined();
  });

  it('numbers reports from the wall clock, always increasing', () => {
    const cadence = new ReportCadence();
    expect(cadence.tick(0, 5_000, 'a')?.seq).toBe(5_000);
    expect(cadence.tick(0, 4_000, 'b')?.seq).toBe(5_001); // the clock went back: still newer
    expect(cadence.tick(0, 9_000, 'c')?.seq).toBe(9_000);
  });
});
