/**
 * The simulator for other programs (the browser's simulator view runs it in a Web Worker): options and
 * their parser, `simulate`, and how a report is named and charted. Pure: no file, clock or process here
 * (cli.ts and bench.ts are the Node edges and are not exported).
 */
export * from './options.ts';
export * from './simulate.ts';
export * from './labels.ts';
export { niceTicks, type Series } from './chart.ts';
export * from './demers1987.ts';
export { formatLatency, meanLatency, type Latency, type Partition } from './network.ts';
export type { PeerlabSummary } from './peerlabReport.ts';
export type { Summary } from './runResult.ts';
export { SIGNATURES } from './standIns.ts';
