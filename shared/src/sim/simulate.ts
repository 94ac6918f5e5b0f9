/**
 * Runs what the options ask for and returns the JSON-ready summary. Deterministic: every random choice
 * comes from one seeded source consumed run after run, and nothing in the summary depends on wall time.
 */
import { seededRng } from '../ports/rng.ts';
import type { Rng } from '../ports/ports.ts';
import { runAntiEntropy } from './antiEntropy.ts';
import { formatLatency } from './network.ts';
import type { SimOptions } from './options.ts';
import { runPeerlab, type PeerlabRun, type Progress } from './peerlab.ts';
import { summarizePeerlab, type PeerlabSummary } from './peerlabReport.ts';
import { runRumor } from './rumor.ts';
import { summarize, type RunResult } from './runResult.ts';
import { SIGNATURES } from './standIns.ts';

export interface SimReport {
  readonly protocol: SimOptions['protocol'];
  readonly seed: number;
  readonly nodes: number;
  /** Mean fraction informed at the end of each round (r = 0 is the start). */
  readonly informedByRound: readonly number[];
  /** Peerlab with --compare-adversaries: the same network without adversaries, and with them push only. */
  readonly comparison?: readonly Comparison[];
  readonly [extra: string]: unknown;
}

export interface Comparison extends PeerlabSummary {
  readonly label: string;
  readonly adversaries: number;
  readonly pushOnly: boolean;
  readonly graph: SimOptions['graph'];
}

/**
 * Progress of run `run` (0-based) of `runs`: at each run's start, then now and then during an engine run
 * with a detail line and the fraction of its deliveries done so far.
 */
export type RunProgress = (run: number, runs: number, detail?: string, fraction?: number) => void;

export function simulate(options: SimOptions, onProgress?: RunProgress): SimReport {
  const rng = seededRng(options.seed);
  const { protocol, runs, seed } = options;
  const head = { protocol, seed };
  if (protocol === 'peerlab') {
    const main = peerlabRuns(options, rng, onProgress);
    const report = { ...head, ...peerlabSettings(options), ...summarizePeerlab(main) };
    if (!options.compareAdversaries) return report;
    // Each variant replays the same seed, so only the compared setting differs. Push alone needs the
    // fixed graph too: with the overlay, links that replace silent ones start with a summary exchange,
    // which is anti-entropy by another name.
    const variant = (label: string, adversaries: number, pushOnly: boolean, graph: SimOptions['graph']): Comparison => ({
      label,
      adversaries,
      pushOnly,
      graph,
      ...summarizePeerlab(peerlabRuns({ ...options, adversaries, pushOnly, graph }, seededRng(options.seed), onProgress)),
    });
    const comparison = [
      variant('no adversaries', 0, options.pushOnly, options.graph),
      variant(`${pct(options.adversaries)} adversaries, push alone (fixed graph, no anti-entropy)`, options.adversaries, true, 'fixed'),
    ];
    return { ...report, comparison };
  }
  const results: RunResult[] = [];
  for (let run = 0; run < runs; run++) {
    onProgress?.(run, runs);
    switch (protocol) {
      case 'rumor':
        results.push(runRumor({ nodes: options.nodes, direction: options.mode, removal: options.removal, interest: options.interest, k: options.k }, rng));
        break;
      case 'push':
      case 'pull':
      case 'push-pull':
        results.push(runAntiEntropy({ nodes: options.nodes, exchange: protocol }, rng));
        break;
      default:
        return unreachable(protocol);
    }
  }
  const summary = summarize(results);
  if (protocol === 'rumor') return { ...head, mode: options.mode, removal: options.removal, interest: options.interest, k: options.k, ...summary };
  return { ...head, ...summary };
}

function peerlabRuns(options: SimOptions, rng: Rng, onProgress?: RunProgress): PeerlabRun[] {
  const runs: PeerlabRun[] = [];
  const churning = options.joinRate > 0 || options.leaveRate > 0;
  for (let run = 0; run < options.runs; run++) {
    onProgress?.(run, options.runs);
    const progress: Progress = (done, total, ms) =>
      onProgress?.(run, options.runs, `${done}/${total} deliveries at ${ms.toFixed(0)} virtual ms`, total > 0 ? done / total : undefined);
    runs.push(
      runPeerlab(
        {
          nodes: options.nodes,
          events: options.events,
          degree: options.degree,
          graph: options.graph,
          network: { latency: options.latency, loss: options.loss, duplicate: options.duplicate, partition: options.partition },
          writeIntervalMs: options.writeInterval,
          ...(churning ? { churn: { joinRate: options.joinRate, leaveRate: options.leaveRate, crashFraction: options.crashFraction, untilMs: options.churnUntil } } : {}),
          adversaries: options.adversaries,
          pushOnly: options.pushOnly,
        },
        rng,
        progress,
      ),
    );
  }
  return runs;
}

/** The settings a peerlab summary was made with, so a JSON file says what it measured. */
function peerlabSettings(options: SimOptions): Record<string, unknown> {
  const churning = options.joinRate > 0 || options.leaveRate > 0;
  return {
    signatures: SIGNATURES,
    graph: options.graph,
    events: options.events,
    writeIntervalMs: options.writeInterval,
    degree: options.degree,
    latency: formatLatency(options.latency),
    loss: options.loss,
    duplicate: options.duplicate,
    partition: options.partition ? `${options.partition.startMs}:${options.partition.endMs}` : null,
    churn: churning ? { joinRate: options.joinRate, leaveRate: options.leaveRate, crashFraction: options.crashFraction, untilMs: options.churnUntil } : null,
    adversaryFraction: options.adversaries,
    pushOnly: options.pushOnly,
  };
}

function pct(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

function unreachable(value: never): never {
  throw new Error(`unreachable: ${String(value)}`);
}
