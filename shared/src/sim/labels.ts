/**
 * How a simulation is named and charted, the same in the CLI (text and --svg) and in the browser's
 * simulator view: one description per options, and the curves a report draws.
 */
import type { Series } from './chart.ts';
import type { SimOptions } from './options.ts';
import type { SimReport } from './simulate.ts';

export interface InformedCurves {
  readonly series: readonly Series[];
  /** What the x axis counts: rounds for the classic epidemics, virtual seconds for the engine. */
  readonly xLabel: string;
  /** x-units per point: 1 round, or the engine's round (one mean link latency) in seconds. */
  readonly step: number;
}

export const ROUNDS_AXIS = 'round';
export const VIRTUAL_SECONDS_AXIS = 'virtual seconds from the first write';

export function describeOptions(options: SimOptions): string {
  if (options.protocol === 'rumor') return `rumor mongering (${options.mode}, ${options.removal}, ${options.interest}, k=${options.k})`;
  if (options.protocol === 'peerlab') {
    const adversaries = options.adversaries > 0 ? `, ${percent(options.adversaries)} adversaries` : '';
    return `Peerlab engine (${options.graph} graph, ${options.events} event(s), degree ${options.degree}${adversaries}${options.pushOnly ? ', push only' : ''}, signatures stand-in)`;
  }
  return `anti-entropy ${options.protocol}`;
}

/** The curves of one report: one for the classic epidemics; the engine's run and its compared variants. */
export function informedCurves(options: SimOptions, report: SimReport): InformedCurves {
  if (options.protocol !== 'peerlab') return { series: [{ label: options.protocol, fractions: report.informedByRound }], xLabel: ROUNDS_AXIS, step: 1 };
  const main = {
    label: options.adversaries > 0 ? `${percent(options.adversaries)} adversaries${options.pushOnly ? ', push only' : ''}` : 'all honest',
    fractions: report.informedByRound,
  };
  const compared = (report.comparison ?? []).map((variant) => ({ label: variant.label, fractions: variant.informedByRound }));
  return { series: [main, ...compared], xLabel: VIRTUAL_SECONDS_AXIS, step: Number(report.roundMs) / 1000 };
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}
