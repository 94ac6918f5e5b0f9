/**
 * Turns `simulate`'s progress calls into what the progress bar shows. An engine run with
 * --compare-adversaries runs its R runs three times (the run, then two variants), each pass starting
 * again at run 0 with no detail; this counts the passes so the bar moves forward only.
 */
import type { SimOptions } from '@peerlab/shared/sim';

export interface RunProgressView {
  /** 0-based run within the pass, and runs per pass. */
  readonly run: number;
  readonly runs: number;
  /** 0-based pass, and passes (3 with --compare-adversaries, else 1). */
  readonly pass: number;
  readonly passes: number;
  readonly detail: string | undefined;
  /** Of the whole simulation, 0..1. */
  readonly overall: number;
}

export function passesOf(options: SimOptions): number {
  return options.protocol === 'peerlab' && options.compareAdversaries ? 3 : 1;
}

/** A stateful reader of one simulation's progress calls. */
export function progressTracker(options: SimOptions): (run: number, runs: number, detail?: string, fraction?: number) => RunProgressView {
  const passes = passesOf(options);
  // The engine reports deliveries only once the first event is written; before that it is warming up.
  const before = options.protocol === 'peerlab' ? 'setting up the network before the first write' : undefined;
  let pass = -1;
  return (run, runs, detail, fraction) => {
    if (run === 0 && detail === undefined) pass = Math.min(passes - 1, pass + 1);
    const current = Math.max(0, pass);
    const within = Math.min(1, Math.max(0, fraction ?? 0));
    return { run, runs, pass: current, passes, detail: detail ?? before, overall: Math.min(1, (current * runs + run + within) / (passes * runs)) };
  };
}

/** "run 2 of 5 · comparison 2 of 3 · 1200/2000 deliveries at 300 virtual ms". */
export function progressText(view: RunProgressView): string {
  const parts = [`run ${view.run + 1} of ${view.runs}`];
  if (view.passes > 1) parts.push(view.pass === 0 ? 'the run itself' : `comparison ${view.pass} of ${view.passes - 1}`);
  if (view.detail) parts.push(view.detail);
  return parts.join(' · ');
}
