/**
 * What the trace costs (run: npx tsx shared/test/trace/traceCost.bench.ts). Two parts: the engine with
 * `traceReceived` on and off over the same messages, and the lab side (sequence chart, exchange index
 * and the diagram's per-frame work) at the rate 16 peers produce.
 */
import { ExchangeIndex, handleSync, MessageTrace, SequenceChart, TraceSequence, type PeerlabNode } from '../../src/index.ts';
import { makeNode, nodeVerify } from '../helpers.ts';

/** Median of `runs` timings (this machine is shared: medians resist the others' load). */
function time(label: string, runs: number, fn: () => void): number {
  fn(); // warm up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  const ms = samples.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
  console.log(`${label}: ${ms.toFixed(3)} ms (median of ${runs})`);
  return ms;
}

/**
 * Engine: a linked reader handles 2,000 summaries from its neighbour (decoded, compared, nothing to ship):
 * the path every message takes, without signature checks that would drown the difference.
 */
function engineRun(trace: boolean): () => void {
  const writer = makeNode('writer');
  const reader: PeerlabNode = makeNode('reader', { config: { traceReceived: trace } });
  handleSync(reader, { type: 'linkUp', link: 'peer:w', kind: 'direct', peer: writer.id }, 0, nodeVerify);
  const summary = JSON.stringify({ t: 'vv', vv: { [writer.id]: 0 }, reply: false });
  return () => {
    for (let i = 0; i < 2000; i++) reader.handle({ type: 'message', link: 'peer:w', data: summary }, 1);
  };
}

// Interleaved short rounds, the fastest of each kept: this machine is shared, and load only adds time.
const offRun = engineRun(false);
const onRun = engineRun(true);
let off = Infinity;
let on = Infinity;
for (let round = 0; round < 40; round++) {
  let start = performance.now();
  offRun();
  off = Math.min(off, performance.now() - start);
  start = performance.now();
  onRun();
  on = Math.min(on, performance.now() - start);
}
console.log(`engine, 2,000 summaries handled: traceReceived off ${off.toFixed(2)} ms, on ${on.toFixed(2)} ms (fastest of 40 rounds)`);
console.log(`  tracing overhead: ${(((on - off) / off) * 100).toFixed(1)} % (${(((on - off) / 2000) * 1000).toFixed(2)} µs a message)`);

/** Lab side: 16 peers, each with 6 links, ~10 messages a second per link each way, for 10 s. */
const PEERS = 16;
const keys = Array.from({ length: PEERS }, (_, i) => i.toString(16).padStart(64, '0'));
const messages = PEERS * 6 * 10 * 10;
const sequence = new TraceSequence();
const traces = keys.map(() => new MessageTrace(sequence));
const chart = new SequenceChart(() => true);
for (const trace of traces) trace.subscribe((record, data) => chart.add(record, data));
let k = 0;
time(`chart: ${messages} sends and their receives (16 peers, 10 s of traffic)`, 1, () => {
  k = 0;
  for (let i = 0; i < messages; i++) {
    const from = i % PEERS;
    const to = (from + 1 + (i % 6)) % PEERS;
    const data = `{"t":"vv","vv":{"${keys[from]}":${k++}},"reply":true}`;
    traces[from]!.record({ at: 0, dir: 'send', peer: keys[from]!, remote: keys[to]!, kind: 'direct', t: 'vv', bytes: data.length, vv: {}, reply: true }, data);
    traces[to]!.record({ at: 0, dir: 'recv', peer: keys[to]!, remote: keys[from]!, kind: 'direct', t: 'vv', bytes: data.length, vv: {}, reply: true }, data);
  }
});
console.log(`  arrows kept ${chart.arrows().length}, unmatched ${chart.inFlight}`);
time(`per redraw: copy ${chart.arrows().length} arrows, index the newest 800, find 15 recent exchanges`, 20, () => {
  const arrows = [...chart.arrows()];
  new ExchangeIndex(arrows.slice(-800)).recent(30);
});
time(`per redraw with an exchange selected: index all ${chart.arrows().length} arrows`, 20, () => {
  new ExchangeIndex(chart.arrows()).exchange(chart.arrows().at(-1)!);
});
