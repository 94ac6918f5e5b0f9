import { describe, expect, it } from 'vitest';
import { parseOptions, simulate, type SimOptions } from '@peerlab/shared/sim';
import { passesOf, progressText, progressTracker, type RunProgressView } from '../../src/lib/sim/runProgress.ts';

function options(argv: readonly string[]): SimOptions {
  const parsed = parseOptions(argv);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

function record(o: SimOptions): RunProgressView[] {
  const track = progressTracker(o);
  const views: RunProgressView[] = [];
  simulate(o, (run, runs, detail, fraction) => views.push(track(run, runs, detail, fraction)));
  return views;
}

describe('simulator progress', () => {
  it('classic runs: one view per run, moving forward', () => {
    const views = record(options(['--protocol', 'push', '--nodes', '100', '--runs', '4']));
    expect(views.map((v) => v.run)).toEqual([0, 1, 2, 3]);
    expect(views.map((v) => v.overall)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(progressText(views[1]!)).toBe('run 2 of 4');
  });

  it('an engine run with compared variants counts three passes and the bar never goes back', () => {
    const o = options(['--protocol', 'peerlab', '--nodes', '3000', '--graph', 'fixed', '--runs', '2', '--adversaries', '0.1', '--compare-adversaries']);
    expect(passesOf(o)).toBe(3);
    const views = record(o);
    expect(new Set(views.map((v) => v.pass))).toEqual(new Set([0, 1, 2]));
    for (let i = 1; i < views.length; i++) expect(views[i]!.overall).toBeGreaterThanOrEqual(views[i - 1]!.overall);
    expect(views.some((v) => v.detail?.includes('deliveries at'))).toBe(true);
    expect(progressText(views[views.length - 1]!)).toMatch(/^run 2 of 2 · comparison 2 of 2/);
  });

  it('before its first write an engine run says it is setting up the network', () => {
    const view = progressTracker(options(['--protocol', 'peerlab']))(0, 1);
    expect(view.detail).toBe('setting up the network before the first write');
    expect(progressText(view)).toBe('run 1 of 1 · setting up the network before the first write');
  });
});
