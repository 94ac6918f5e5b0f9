/**
 * Rumor mongering against Demers et al. (1987), Tables 1–3, n = 1000.
 *
 * Tolerances: each row averages RUNS = 400 independent runs. Measured standard errors of the mean at
 * that many runs (seed 7): residue ≤ 3e-3 (Table 2 k=2; ≤ 8e-4 elsewhere), traffic ≤ 7e-3, t_last ≤ 0.3
 * (0.94 for blind/coin k=1, a birthday-problem chain whose length varies ±21). Tolerances are ≥ 4 SE and
 * also cover the paper's own rounding and sampling error (it printed 2–3 digits and does not say how many
 * runs it averaged), so a failure means a changed definition, not bad luck.
 *
 * t_ave: our pull t_ave matches Table 3; our push t_ave (≈ 9.8–10.1 for Table 1, 11.9–19.3 for Table 2)
 * is 1.2–2.8 rounds below the paper's push columns although residue, traffic and t_last all match, so the
 * paper's push t_ave must use a definition we could not recover; it is reported, not asserted.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/ports/rng.ts';
import { paperTable, type PaperRow } from '../../src/sim/demers1987.ts';
import { runRumor, type RumorParams } from '../../src/sim/rumor.ts';
import { summarize, type Summary } from '../../src/sim/runResult.ts';

const RUNS = 400;

function rows(params: Omit<RumorParams, 'k' | 'nodes'>, ks: readonly number[]): Summary[] {
  const rng = seededRng(7);
  return ks.map((k) => summarize(Array.from({ length: RUNS }, () => runRumor({ ...params, nodes: 1000, k }, rng))));
}

/** The paper's rows (shared/src/sim/demers1987.ts, also shown by the simulator view). */
function paper(direction: RumorParams['direction'], removal: RumorParams['removal'], interest: RumorParams['interest']): readonly PaperRow[] {
  const table = paperTable(direction, removal, interest);
  if (!table) throw new Error(`no paper table for ${direction} ${removal} ${interest}`);
  return table.rows;
}

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / expected;
}

describe('rumor mongering reproduces Demers et al. 1987 at n = 1000', () => {
  it('Table 1: push, feedback, counter', () => {
    const rowsOfPaper = paper('push', 'feedback', 'counter');
    const ours = rows({ direction: 'push', removal: 'feedback', interest: 'counter' }, [1, 2, 3, 4, 5]);
    ours.forEach((row, i) => {
      const want = rowsOfPaper[i]!;
      expect(relative(row.residue, want.residue), `k=${i + 1} residue ${row.residue}`).toBeLessThan(0.08);
      expect(Math.abs(row.trafficPerNode - want.traffic), `k=${i + 1} traffic ${row.trafficPerNode}`).toBeLessThan(0.03);
      expect(Math.abs(row.tLast - want.tLast), `k=${i + 1} t_last ${row.tLast}`).toBeLessThan(0.4);
      // The paper's own check: a site stays susceptible only if no push hit it, so s = e^-m.
      expect(relative(row.residue, Math.exp(-row.trafficPerNode))).toBeLessThan(0.1);
    });
  });

  it('Table 2: push, blind, coin', () => {
    const rowsOfPaper = paper('push', 'blind', 'coin');
    const ours = rows({ direction: 'push', removal: 'blind', interest: 'coin' }, [1, 2, 3, 4, 5]);
    ours.forEach((row, i) => {
      const want = rowsOfPaper[i]!;
      const k = i + 1;
      // The paper prints 0.008 for k=5 (one digit): ±0.0005 of rounding alone is 6 %.
      expect(relative(row.residue, want.residue), `k=${k} residue ${row.residue}`).toBeLessThan(k === 5 ? 0.12 : 0.08);
      expect(Math.abs(row.trafficPerNode - want.traffic), `k=${k} traffic ${row.trafficPerNode}`).toBeLessThan(0.05);
      expect(Math.abs(row.tLast - want.tLast), `k=${k} t_last ${row.tLast}`).toBeLessThan(k === 1 ? 4 : 1.5);
    });
  });

  it('Table 3: pull, feedback, counter (t_ave too)', () => {
    const rowsOfPaper = paper('pull', 'feedback', 'counter');
    const ours = rows({ direction: 'pull', removal: 'feedback', interest: 'counter' }, [1, 2, 3]);
    ours.forEach((row, i) => {
      const want = rowsOfPaper[i]!;
      const k = i + 1;
      // k=2: 6.4e-4 ± 0.4e-4 (SE) vs the paper's 5.8e-4; k=3: a few sites in 400,000, so only the order of magnitude.
      if (k < 3) expect(relative(row.residue, want.residue), `k=${k} residue ${row.residue}`).toBeLessThan(k === 1 ? 0.08 : 0.25);
      else expect(row.residue, `k=3 residue ${row.residue}`).toBeLessThan(2e-5);
      expect(Math.abs(row.trafficPerNode - want.traffic), `k=${k} traffic ${row.trafficPerNode}`).toBeLessThan(0.03);
      expect(Math.abs(row.tAvg - want.tAvg), `k=${k} t_ave ${row.tAvg}`).toBeLessThan(0.5);
      expect(Math.abs(row.tLast - want.tLast), `k=${k} t_last ${row.tLast}`).toBeLessThan(0.5);
    });
  });

  it('blind counter keeps a site infective for exactly k sending cycles', () => {
    const result = runRumor({ nodes: 1000, direction: 'push', removal: 'blind', interest: 'counter', k: 3 }, seededRng(3));
    expect(result.updateMessages).toBe(3 * (1000 - result.susceptible));
  });
});
