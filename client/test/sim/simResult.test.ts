import { describe, expect, it } from 'vitest';
import { parseOptions, simulate, type SimOptions } from '@peerlab/shared/sim';
import { chartSummary, figures, firstReach, settledAt, formatMs, formatNumber, formatPercent, paperComparison, pittelRounds, references, resultData, runTitle, variantLines } from '../../src/lib/sim/simResult.ts';

function options(argv: readonly string[]): SimOptions {
  const parsed = parseOptions(argv);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

describe('simulator result formatting', () => {
  it('numbers: four significant digits, grouped thousands, small values with a power of ten, a dash for none', () => {
    expect(formatNumber(16.8667)).toBe('16.87');
    expect(formatNumber(17)).toBe('17');
    expect(formatNumber(4411.2)).toBe('4,411');
    expect(formatNumber(1_742_000)).toBe('1,742,000');
    expect(formatNumber(0.0036)).toBe('0.0036');
    expect(formatNumber(4e-6)).toBe('4.0 × 10⁻⁶');
    expect(formatNumber(null)).toBe('–');
    expect(formatMs(466)).toBe('466 ms');
    expect(formatMs(65_432)).toBe('65.43 s');
  });

  it('per cent never rounds a shortfall up to all', () => {
    expect(formatPercent(1)).toBe('100 %');
    expect(formatPercent(0.037)).toBe('3.7 %');
    expect(formatPercent(0.99999)).toBe('> 99.99 %');
    expect(formatPercent(0)).toBe('0 %');
  });

  it("Pittel's log2 n + ln n is the yardstick of every classic anti-entropy run, none for the others", () => {
    expect(pittelRounds(1000)).toBeCloseTo(9.966 + 6.908, 2);
    expect(references('push', 1000).map((r) => r.formula)).toEqual(['log₂ n + ln n']);
    expect(references('pull', 1000).map((r) => r.formula)).toEqual(['log₂ n + ln n', 'log₂ n + ln ln n']);
    expect(references('push-pull', 1000)[1]!.rounds).toBeCloseTo(Math.log(1000) / Math.log(3) + Math.log(Math.log(1000)), 6);
    expect(references('rumor', 1000)).toEqual([]);
    expect(references('peerlab', 1000)).toEqual([]);
  });

  it('a push anti-entropy run: figures, data attributes and the reference beside the measured rounds', () => {
    const o = options(['--protocol', 'push', '--nodes', '1000']);
    const report = simulate(o);
    const data = resultData(o, report);
    expect(Number(data['data-rounds-to-100'])).toBe(report.roundsTo100);
    expect(Number(data['data-reference-rounds'])).toBeCloseTo(pittelRounds(1000), 9);
    expect(Math.abs(Number(data['data-rounds-to-100']) - pittelRounds(1000))).toBeLessThan(4);
    expect(data['data-delivery-ratio']).toBe('');
    const labels = figures(o, report).map((f) => f.label);
    expect(labels).toEqual(['rounds to 50 %', 'rounds to 99 %', 'rounds to 100 %', 't_ave / t_last', 'residue', 'messages per node', 'duplicates per delivery']);
    expect(runTitle(o)).toBe('anti-entropy push, n = 1,000, 1 run, seed 1');
  });

  it("rumor mongering: the paper's row beside ours, push t_ave shown and marked not reproduced", () => {
    const o = options(['--protocol', 'rumor', '--k', '2', '--runs', '20']);
    const comparison = paperComparison(o, simulate(o));
    expect(comparison?.kind).toBe('row');
    if (comparison?.kind !== 'row') return;
    expect(comparison.table).toBe(1);
    expect(comparison.otherSize).toBe(false);
    expect(comparison.lines.map((l) => [l.metric, l.paper, l.reproduced])).toEqual([
      ['residue s', '0.037', true],
      ['traffic m', '3.3', true],
      ['t_ave', '12.1', false],
      ['t_last', '16.9', true],
    ]);
  });

  it('pull t_ave is reproduced; settings the paper has no row for say so', () => {
    const pull = options(['--protocol', 'rumor', '--mode', 'pull', '--k', '3', '--nodes', '500']);
    const row = paperComparison(pull, simulate(pull));
    expect(row?.kind === 'row' && row.lines.every((l) => l.reproduced) && row.otherSize).toBe(true);
    const none = options(['--protocol', 'rumor', '--interest', 'coin', '--k', '2']);
    const text = paperComparison(none, simulate(none));
    expect(text).toMatchObject({ kind: 'none' });
    expect(text?.kind === 'none' && text.text).toContain('print no row for push, feedback, coin, k = 2');
    expect(paperComparison(options(['--protocol', 'push']), simulate(options(['--protocol', 'push'])))).toBeUndefined();
  });

  it('an engine run with compared variants: times in ms and rounds, delivery, one line per variant', () => {
    const o = options(['--protocol', 'peerlab', '--nodes', '200', '--graph', 'fixed', '--adversaries', '0.2', '--compare-adversaries']);
    const report = simulate(o);
    const byLabel = new Map(figures(o, report).map((f) => [f.label, f]));
    expect(byLabel.get('time to 100 %')?.note).toMatch(/rounds|not reached/);
    expect(byLabel.get('delivery')?.value).toMatch(/%$/);
    const lines = variantLines(report);
    expect(lines.map((l) => l.label)).toEqual(['no adversaries', '20 % adversaries, push alone (fixed graph, no anti-entropy)']);
    expect(resultData(o, report)['data-delivery-ratio']).toBe(String(report.deliveryRatio));
  });

  it('the chart in words: where each curve crosses 50, 99 and 100 %', () => {
    expect(firstReach([0.1, 0.4, 0.6, 1], 0.5, 1)).toBe(2);
    expect(firstReach([0.1, 0.4], 0.5, 1)).toBeNull();
    const text = chartSummary([{ label: 'push', fractions: [0.001, 0.3, 0.6, 0.995, 1], step: 1 }], 'round');
    expect(text).toBe('Fraction of nodes informed against rounds. push: 50 % by round 2, 99 % by round 3, 100 % by round 4; ends at 100 %.');
    const engine = chartSummary([{ label: 'all honest', fractions: [0, 0.5, 0.9], step: 0.075 }], 'virtual seconds from the first write');
    expect(engine).toContain('50 % by 0.075 s, 99 % by never, 100 % by never; ends at 90 %');
    expect(chartSummary([], 'round')).toBe('No run yet.');
  });

  it('a curve settles where it last changes, so the chart can cut a long flat tail', () => {
    expect(settledAt([0, 0.5, 0.9, 0.9, 0.9, 0.9], 0.075)).toBeCloseTo(0.15, 9);
    expect(settledAt([0.001, 0.01, 1], 1)).toBe(2);
    expect(settledAt([1], 1)).toBe(0);
  });
});
