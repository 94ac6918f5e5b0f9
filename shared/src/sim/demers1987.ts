/**
 * The rumor-mongering rows of Demers et al., "Epidemic Algorithms for Replicated Database Maintenance"
 * (PODC 1987), Tables 1–3, all at n = 1000: what shared/test/sim/rumor.test.ts checks our model against
 * and what the simulator view prints beside a run. Plain data, as printed in the paper.
 */
import type { Direction, Interest, Removal } from './rumor.ts';

/** The paper's site count for every table. */
export const PAPER_NODES = 1000;

export interface PaperRow {
  /** Fraction of sites never reached. */
  readonly residue: number;
  /** Update messages per site (the paper's m). */
  readonly traffic: number;
  /** Mean and last cycle of first reception. */
  readonly tAvg: number;
  readonly tLast: number;
}

export interface PaperTable {
  readonly table: 1 | 2 | 3;
  readonly direction: Direction;
  readonly removal: Removal;
  readonly interest: Interest;
  /** rows[k - 1]. */
  readonly rows: readonly PaperRow[];
  /**
   * false where our model matches the paper's residue, traffic and t_last but not its t_ave: for push our
   * t_ave is 1.2–2.8 cycles lower, and no definition we tried recovers the paper's (issue #3,
   * shared/research/demersPushTave.mjs). Shown as not reproduced rather than hidden.
   */
  readonly tAvgReproduced: boolean;
}

export const PAPER_TABLES: readonly PaperTable[] = [
  {
    table: 1,
    direction: 'push',
    removal: 'feedback',
    interest: 'counter',
    tAvgReproduced: false,
    rows: [
      { residue: 0.176, traffic: 1.74, tAvg: 11.0, tLast: 16.8 },
      { residue: 0.037, traffic: 3.3, tAvg: 12.1, tLast: 16.9 },
      { residue: 0.011, traffic: 4.53, tAvg: 12.5, tLast: 17.4 },
      { residue: 0.0036, traffic: 5.64, tAvg: 12.7, tLast: 17.5 },
      { residue: 0.0012, traffic: 6.68, tAvg: 12.8, tLast: 17.7 },
    ],
  },
  {
    table: 2,
    direction: 'push',
    removal: 'blind',
    interest: 'coin',
    tAvgReproduced: false,
    rows: [
      { residue: 0.96, traffic: 0.04, tAvg: 19, tLast: 38 },
      { residue: 0.205, traffic: 1.59, tAvg: 17, tLast: 33 },
      { residue: 0.06, traffic: 2.82, tAvg: 15, tLast: 32 },
      { residue: 0.021, traffic: 3.91, tAvg: 14.1, tLast: 32 },
      { residue: 0.008, traffic: 4.95, tAvg: 13.8, tLast: 32 },
    ],
  },
  {
    table: 3,
    direction: 'pull',
    removal: 'feedback',
    interest: 'counter',
    tAvgReproduced: true,
    rows: [
      { residue: 3.1e-2, traffic: 2.7, tAvg: 9.97, tLast: 17.63 },
      { residue: 5.8e-4, traffic: 4.49, tAvg: 10.07, tLast: 15.39 },
      { residue: 4.0e-6, traffic: 6.09, tAvg: 10.08, tLast: 14.0 },
    ],
  },
];

export function paperTable(direction: Direction, removal: Removal, interest: Interest): PaperTable | undefined {
  return PAPER_TABLES.find((table) => table.direction === direction && table.removal === removal && table.interest === interest);
}

/** The paper's row for these settings and k, with its table; undefined where the paper printed none. */
export function paperRow(direction: Direction, removal: Removal, interest: Interest, k: number): { readonly table: PaperTable; readonly row: PaperRow } | undefined {
  const table = paperTable(direction, removal, interest);
  const row = table?.rows[k - 1];
  return table && row ? { table, row } : undefined;
}
