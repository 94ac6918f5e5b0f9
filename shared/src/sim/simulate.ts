/**
 * Runs what the options ask for and returns the JSON-ready summary. Deterministic: every random choice
 * comes from one seeded source consumed run after run, and nothing in the summary depends on wall time.
 */
import { seededRng } from '../net/rng.ts';
import { runAntiEntropy } from './antiEntropy.ts';
import type { SimOptions } from './options.ts';
import { ROUND_MS, runPeerlab, type PeerlabRun, type Progress } from './peerlab.ts';
import { runRumor } from './rumor.ts';
import { summarize, type RunResult, type Summary } from './runResult.ts';
import { SIGNATURES } from './standIns.ts';

export interface SimReport extends Summary {
  readonly protocol: SimOptions['protocol'];
  readonly seed: number;
  readonly [extra: string]: unknown;
}

export type RunProgress = (run: number, runs: number, detail?: string) => void;

export function simulate(options: SimOptions, onProgress?: RunProgress): SimReport {
  const rng = seededRng(options.seed);
  const { protocol, nodes, runs, seed } = options;
  const results: RunResult[] = [];
  const peerlabRuns: PeerlabRun[] = [];
  for (let run = 0; run < runs; run++) {
    onProgress?.(run, runs);
    switch (protocol) {
      case 'rumor':
        results.push(runRumor({ nodes, direction: options.mode, removal: options.removal, interest: options.interest, k: options.k }, rng));
        break;
      case 'push':
      case 'pull':
      case 'push-pull':
        results.push(runAntiEntropy({ nodes, exchange: protocol }, rng));
        break;
      case 'peerlab': {
        const progress: Progress = (done, total, ms) => onProgress?.(run, runs, `${done}/${total} nodes hold every event at ${ms.toFixed(0)} virtual ms`);
        const result = runPeerlab({ nodes, events: options.events, degree: options.degree }, rng, progress);
        results.push(result);
        peerlabRuns.push(result);
        break;
      }
      default:
        return unreachable(protocol);
    }
  }
  const summary = summarize(results);
  const head = { protocol, seed };
  switch (protocol) {
    case 'rumor':
      return { ...head, mode: options.mode, removal: options.removal, interest: options.interest, k: options.k, ...summary };
    case 'push':
    case 'pull':
    case 'push-pull':
      return { ...head, ...summary };
    case 'peerlab': {
      const mean = (pick: (r: PeerlabRun) => number): number => peerlabRuns.reduce((s, r) => s + pick(r), 0) / peerlabRuns.length;
      const deliveries = (r: PeerlabRun): number => Math.max(1, (r.nodes - r.susceptible - 1) * options.events);
      return {
        ...head,
        signatures: SIGNATURES,
        events: options.events,
        degree: options.degree,
        roundMs: ROUND_MS,
        ...summary,
        // Per event delivered to a node (a node receiving E events counts E deliveries).
        duplicatesPerDelivery: mean((r) => r.duplicates / deliveries(r)),
        bytesPerNode: mean((r) => r.bytes / r.nodes),
        tAvgMs: mean((r) => r.tAvgMs),
        tLastMs: mean((r) => r.tLastMs),
        steps: mean((r) => r.steps),
      };
    }
    default:
      return unreachable(protocol);
  }
}

function unreachable(value: never): never {
  throw new Error(`unreachable: ${String(value)}`);
}
