import { describe, expect, it } from 'vitest';
import { chartScale, lastValue, modeBands, segments } from '../src/lib/telemetry/chartGeometry.ts';

const box = { width: 600, height: 170, pad: { left: 6, right: 6, top: 8, bottom: 6 } };

describe('chart geometry', () => {
  it('puts the newest sample at the right edge and the peak at the top', () => {
    const scale = chartScale(box, 120, 120, [0, 5, null, 10]);
    expect(scale.top).toBe(10);
    expect(scale.x(119)).toBeCloseTo(594);
    expect(scale.x(0)).toBeCloseTo(6);
    expect(scale.y(10)).toBeCloseTo(8);
    expect(scale.y(0)).toBeCloseTo(164);
  });

  it('spans at least thirty samples, so a fresh chart starts at the right', () => {
    const scale = chartScale(box, 2, 120, [1]);
    expect(scale.top).toBe(1);
    expect(scale.x(1)).toBeCloseTo(594);
    expect(scale.x(0)).toBeGreaterThan(500);
  });

  it('shades runs of one mode, broken by a change or a sample with none', () => {
    expect(modeBands(['p2p', 'p2p', 'hybrid', undefined, 'hybrid'])).toEqual([
      { mode: 'p2p', from: 0, to: 1 },
      { mode: 'hybrid', from: 2, to: 2 },
      { mode: 'hybrid', from: 4, to: 4 },
    ]);
  });

  it('draws lines between gaps and a dot for a lone point', () => {
    const scale = { x: (i: number) => i * 10, y: (v: number) => v };
    expect(segments([1, 2, null, 3, null], scale)).toEqual([{ points: '0.0,1.0 10.0,2.0' }, { single: { cx: 30, cy: 3 } }]);
    expect(lastValue([1, 2, null])).toBe(2);
    expect(lastValue([null])).toBeNull();
  });
});
