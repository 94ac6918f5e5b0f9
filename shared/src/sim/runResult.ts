/**
 * What one simulated run measures, and how runs are averaged into the summary the CLI prints.
 * Times are in rounds (synchronous cycles for the classic epidemics; link hops for the engine).
 */
import { trafficPerNode, type EpidemicTally, type SpreadCounts, type TrafficPerNode } from './spread.ts';

/** One run of a classic epidemic. `informedByRound[r]` = sites holding the update at the end of round r (r = 0 is the start). */
export interface RunResult extends SpreadCounts {
  readonly nodes: number;
  /** Sites that ended without the update. */
  readonly susceptible: number;
  /** Sum over informed sites, the origin excluded, of the round they first received the update. */
  readonly receiveTimeSum: number;
  /** Round of the last first reception. */
  readonly lastReceive: number;
  readonly informedByRound: readonly number[];
}

/** A finished run over `nodes` sites, from its tally. */
export function runResultOf(nodes: number, tally: EpidemicTally): RunResult {
  const { messages, updateMessages, duplicates, receiveTimeSum, lastReceive, informedByRound } = tally;
  return { nodes, susceptible: nodes - tally.informed, updateMessages, messages, duplicates, receiveTimeSum, lastReceive, informedByRound };
}

export interface Summary extends TrafficPerNode {
  readonly nodes: number;
  readonly runs: number;
  /** Mean fraction of sites still susceptible when the run ended. */
  readonly residue: number;
  /** Mean round at which an informed site first received the update. */
  readonly tAvg: number;
  /** Mean round of the last reception. */
  readonly tLast: number;
  /** Mean first round by whose end 50 / 99 / 100 % of sites held the update (over runs that got there; null if none did). */
  readonly roundsTo50: number | null;
  readonly roundsTo99: number | null;
  readonly roundsTo100: number | null;
  /** Runs that informed every site. */
  readonly completeRuns: number;
  /** Mean fraction of sites informed at the end of each round (a finished run keeps its last value). */
  readonly informedByRound: readonly number[];
}

/** First round whose informed count reaches `fraction` of the sites, or null. */
export function roundsTo(result: RunResult, fraction: number): number | null {
  const target = Math.ceil(fraction * result.nodes - 1e-9);
  const index = result.informedByRound.findIndex((count) => count >= target);
  return index < 0 ? null : index;
}

function meanOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
}

/** Averages runs of the same size. Each run weighs the same (as the paper averages its runs). */
export function summarize(results: readonly RunResult[]): Summary {
  if (results.length === 0) throw new Error('summarize: no runs');
  const n = results[0]!.nodes;
  const runs = results.length;
  const mean = (pick: (r: RunResult) => number): number => results.reduce((sum, r) => sum + pick(r), 0) / runs;
  const longest = Math.max(...results.map((r) => r.informedByRound.length));
  const informedByRound = Array.from({ length: longest }, (_, round) =>
    mean((r) => (r.informedByRound[Math.min(round, r.informedByRound.length - 1)] ?? 0) / n),
  );
  const deliveries = (r: RunResult): number => n - r.susceptible - 1;
  const traffic = results.map((r) => trafficPerNode(r, n, deliveries(r)));
  const meanTraffic = (pick: (t: TrafficPerNode) => number): number => traffic.reduce((sum, t) => sum + pick(t), 0) / runs;
  return {
    nodes: n,
    runs,
    residue: mean((r) => r.susceptible / n),
    // Demers et al.'s traffic m: update-carrying messages per site.
    trafficPerNode: meanTraffic((t) => t.trafficPerNode),
    messagesPerNode: meanTraffic((t) => t.messagesPerNode),
    tAvg: mean((r) => (deliveries(r) > 0 ? r.receiveTimeSum / deliveries(r) : 0)),
    tLast: mean((r) => r.lastReceive),
    roundsTo50: meanOf(results.map((r) => roundsTo(r, 0.5))),
    roundsTo99: meanOf(results.map((r) => roundsTo(r, 0.99))),
    roundsTo100: meanOf(results.map((r) => roundsTo(r, 1))),
    completeRuns: results.filter((r) => r.susceptible === 0).length,
    duplicatesPerDelivery: meanTraffic((t) => t.duplicatesPerDelivery),
    informedByRound,
  };
}
