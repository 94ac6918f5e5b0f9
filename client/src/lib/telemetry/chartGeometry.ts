/**
 * Where a time-series chart's marks go: its scale (samples across, values up), the runs of one mode
 * (the shaded periods), the line segments between gaps, the newest value. Pure.
 */
import type { Mode } from '@peerlab/shared';

export interface ChartBox {
  readonly width: number;
  readonly height: number;
  readonly pad: { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
}

/** Fewest samples the x axis spans, so a fresh chart is not a thin line at its right edge. */
const MIN_SPAN = 30;

export interface ChartScale {
  /** The x of sample `i` (the newest sample sits at the right edge). */
  x(i: number): number;
  /** The y of a value (0 at the bottom, the peak at the top). */
  y(value: number): number;
  /** The largest value drawn (at least 1). */
  readonly top: number;
}

/** The scale for `count` samples out of `capacity`, peaking at the largest of `values`. */
export function chartScale(box: ChartBox, count: number, capacity: number, values: Iterable<number | null>): ChartScale {
  const span = Math.min(capacity, Math.max(MIN_SPAN, count));
  let top = 1;
  for (const value of values) if (value !== null && value > top) top = value;
  const { width, height, pad } = box;
  return {
    top,
    x: (i) => pad.left + ((width - pad.left - pad.right) * (span - count + i)) / Math.max(1, span - 1),
    y: (v) => height - pad.bottom - ((height - pad.top - pad.bottom) * v) / top,
  };
}

export interface ModeBand {
  readonly mode: Mode;
  /** First and last sample index of the run. */
  readonly from: number;
  readonly to: number;
}

/** Runs of consecutive samples in one mode (samples with no mode break a run). */
export function modeBands(modes: readonly (Mode | undefined)[]): ModeBand[] {
  const runs: { mode: Mode; from: number; to: number }[] = [];
  modes.forEach((mode, i) => {
    if (mode === undefined) return;
    const last = runs[runs.length - 1];
    if (last && last.mode === mode && last.to === i - 1) last.to = i;
    else runs.push({ mode, from: i, to: i });
  });
  return runs;
}

export type Segment = { readonly points: string; readonly single?: undefined } | { readonly points?: undefined; readonly single: { readonly cx: number; readonly cy: number } };

/** A series as polylines between its gaps (nulls); a lone point between gaps becomes a dot. */
export function segments(values: readonly (number | null)[], scale: Pick<ChartScale, 'x' | 'y'>): Segment[] {
  const out: Segment[] = [];
  let run: [number, number][] = [];
  const flush = (): void => {
    if (run.length === 1) out.push({ single: { cx: run[0]![0], cy: run[0]![1] } });
    else if (run.length > 1) out.push({ points: run.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ') });
    run = [];
  };
  values.forEach((value, i) => {
    if (value === null) flush();
    else run.push([scale.x(i), scale.y(value)]);
  });
  flush();
  return out;
}

/** The newest value of a series, or null when it has none. */
export function lastValue(values: readonly (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i]!;
  return null;
}
