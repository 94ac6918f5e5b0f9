/**
 * What an attack did, as numbers the attacker's page can actually see: the victims' own rejection counters
 * (from their telemetry reports, by gossip or from the server) and the server's refusals of this page's
 * messages, each as the rise since the attack began. Pure: reports and counters come in, deltas go out.
 */

/** Counters by reason (a report's `rejections`, or the server's refusals of this page). */
export type Counters = Readonly<Partial<Record<string, number>>>;

/** A victim's report, as a telemetry feed row carries it. */
export interface VictimReport {
  readonly peer: string;
  readonly report: { readonly seq: number; readonly rejections: Counters };
}

/** Every victim's counters (and report seq) when the attack began, and the server's refusals then. */
export interface Baseline {
  readonly victims: ReadonlyMap<string, { readonly seq: number; readonly rejections: Counters }>;
  readonly server: Counters;
}

export interface Outcome {
  /** Rise of each victim-side rejection reason, summed over the victims known at the start. */
  readonly victims: Readonly<Record<string, number>>;
  /** Rise of the server's refusals of this page, by reason. */
  readonly server: Readonly<Record<string, number>>;
  /** Victims whose report is newer than the one at the start (their counters include the attack). */
  readonly reporting: number;
  /** Victims known at the start. */
  readonly known: number;
}

export function baselineOf(rows: readonly VictimReport[], self: string, server: Counters): Baseline {
  const victims = new Map<string, { seq: number; rejections: Counters }>();
  for (const row of rows) if (row.peer !== self) victims.set(row.peer, { seq: row.report.seq, rejections: row.report.rejections });
  return { victims, server: { ...server } };
}

/** Rise of every counter from `before` to `after` (only the reasons that rose). */
export function rise(before: Counters, after: Counters): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [reason, now] of Object.entries(after)) {
    const delta = (now ?? 0) - (before[reason] ?? 0);
    if (delta > 0) out[reason] = delta;
  }
  return out;
}

export function outcomeSince(baseline: Baseline, rows: readonly VictimReport[], server: Counters): Outcome {
  const victims: Record<string, number> = {};
  let reporting = 0;
  for (const row of rows) {
    const start = baseline.victims.get(row.peer);
    if (!start) continue; // not known at the start: its counters cannot be told apart from earlier ones
    if (row.report.seq > start.seq) reporting++;
    for (const [reason, delta] of Object.entries(rise(start.rejections, row.report.rejections))) victims[reason] = (victims[reason] ?? 0) + delta;
  }
  return { victims, server: rise(baseline.server, server), reporting, known: baseline.victims.size };
}
