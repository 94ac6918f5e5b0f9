/**
 * The summary of engine runs: each run weighs the same; times in virtual ms from the write, also in
 * rounds (one mean link latency) and in link hops. JSON-ready and free of wall time, so the same seed
 * gives byte-identical output.
 */
import type { PeerlabRun } from './peerlab.ts';
import { trafficPerNode, type TrafficPerNode } from './spread.ts';

export interface PeerlabSummary extends TrafficPerNode {
  readonly nodes: number;
  readonly runs: number;
  readonly completeRuns: number;
  /** One round: the mean one-way link latency, in virtual ms. */
  readonly roundMs: number;
  /** Fraction of live honest nodes at the end that missed some event a live honest node held. */
  readonly residue: number;
  /** Held (live honest node, event) pairs over all, at the end: the churn runs' delivery ratio. */
  readonly deliveryRatio: number;
  readonly timeTo50Ms: number | null;
  readonly timeTo99Ms: number | null;
  readonly timeTo100Ms: number | null;
  readonly roundsTo50: number | null;
  readonly roundsTo99: number | null;
  readonly roundsTo100: number | null;
  readonly hopsTo50: number | null;
  readonly hopsTo99: number | null;
  readonly hopsTo100: number | null;
  readonly meanHops: number;
  readonly tAvgMs: number;
  readonly tLastMs: number;
  /** tAvgMs and tLastMs in rounds. */
  readonly tAvg: number;
  readonly tLast: number;
  /** Bytes sent per honest node that ever ran, from the first write on (as the TrafficPerNode figures). */
  readonly bytesPerNode: number;
  readonly liveHonestAtEnd: number;
  readonly eventsPresent: number;
  readonly joined: number;
  readonly left: number;
  readonly crashed: number;
  readonly virtualMs: number;
  readonly steps: number;
  /** Mean fraction informed every round from the first write (a finished run keeps its last value). */
  readonly informedByRound: readonly number[];
}

/** Mean over the runs where the value exists; null if none. */
function meanOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
}

export function summarizePeerlab(runs: readonly PeerlabRun[]): PeerlabSummary {
  if (runs.length === 0) throw new Error('summarizePeerlab: no runs');
  const mean = (pick: (run: PeerlabRun) => number): number => runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
  const roundMs = runs[0]!.roundMs;
  const time = (i: number): number | null => meanOf(runs.map((run) => run.timeToMs[i] ?? null));
  const hops = (i: number): number | null => meanOf(runs.map((run) => run.hopsTo[i] ?? null));
  const rounds = (i: number): number | null => {
    const ms = time(i);
    return ms === null ? null : ms / roundMs;
  };
  const longest = Math.max(...runs.map((run) => run.informedByRound.length));
  const informedByRound = Array.from({ length: longest }, (_, r) => mean((run) => run.informedByRound[Math.min(r, run.informedByRound.length - 1)] ?? 0));
  const tAvgMs = mean((run) => run.tAvgMs);
  const traffic = (run: PeerlabRun): TrafficPerNode => trafficPerNode(run, run.honestNodes, run.deliveries);
  const tLastMs = mean((run) => run.tLastMs);
  return {
    nodes: runs[0]!.nodes,
    runs: runs.length,
    completeRuns: runs.filter((run) => run.complete).length,
    roundMs,
    residue: mean((run) => run.residue),
    deliveryRatio: mean((run) => run.deliveryRatio),
    timeTo50Ms: time(0),
    timeTo99Ms: time(1),
    timeTo100Ms: time(2),
    roundsTo50: rounds(0),
    roundsTo99: rounds(1),
    roundsTo100: rounds(2),
    hopsTo50: hops(0),
    hopsTo99: hops(1),
    hopsTo100: hops(2),
    meanHops: mean((run) => run.meanHops),
    tAvgMs,
    tLastMs,
    tAvg: tAvgMs / roundMs,
    tLast: tLastMs / roundMs,
    messagesPerNode: mean((run) => traffic(run).messagesPerNode),
    trafficPerNode: mean((run) => traffic(run).trafficPerNode),
    bytesPerNode: mean((run) => run.bytes / run.honestNodes),
    duplicatesPerDelivery: mean((run) => traffic(run).duplicatesPerDelivery),
    liveHonestAtEnd: mean((run) => run.liveHonestAtEnd),
    eventsPresent: mean((run) => run.eventsPresent),
    joined: mean((run) => run.joined),
    left: mean((run) => run.left),
    crashed: mean((run) => run.crashed),
    virtualMs: mean((run) => run.virtualMs),
    steps: mean((run) => run.steps),
    informedByRound,
  };
}
