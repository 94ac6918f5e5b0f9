import { describe, expect, it } from 'vitest';
import { compareVectors, eventTrail, ExchangeIndex, MessageTrace, SequenceChart, TraceSequence, vvExchange, type TraceRecord } from '../../src/index.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

function record(fields: Partial<TraceRecord> & Pick<TraceRecord, 'dir' | 'peer' | 'remote' | 't'>): Omit<TraceRecord, 'seq'> {
  return { at: 0, kind: 'direct', bytes: 10, ...fields };
}

describe('message trace ring', () => {
  it('keeps the last N records in order, numbered by a shared sequence, and tells listeners with the wire text', () => {
    const sequence = new TraceSequence();
    const one = new MessageTrace(sequence, 3);
    const two = new MessageTrace(sequence, 3);
    const heard: (string | undefined)[] = [];
    one.subscribe((_, data) => heard.push(data));
    for (let i = 0; i < 5; i++) one.record(record({ dir: 'send', peer: A, remote: B, t: 'ping' }), `w${i}`);
    const other = two.record(record({ dir: 'send', peer: B, remote: A, t: 'ping' }));
    expect(one.records().map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(one.size).toBe(3);
    expect(other.seq).toBe(6);
    expect(heard).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
  });
});

describe('sequence chart', () => {
  it('matches each receive with its send by sender, receiver and exact text, first in first out', () => {
    const trace = new MessageTrace();
    const chart = new SequenceChart((peer) => peer === A || peer === B);
    trace.subscribe((r, data) => chart.add(r, data));
    trace.record(record({ dir: 'send', peer: A, remote: B, t: 'ping' }), '{"t":"ping"}');
    trace.record(record({ dir: 'send', peer: A, remote: B, t: 'ping' }), '{"t":"ping"}');
    trace.record(record({ dir: 'send', peer: A, remote: B, t: 'peers' }), '{"t":"peers","peers":[]}');
    expect(chart.inFlight).toBe(3);
    const peers = trace.record(record({ dir: 'recv', peer: B, remote: A, t: 'peers' }), '{"t":"peers","peers":[]}');
    const ping = trace.record(record({ dir: 'recv', peer: B, remote: A, t: 'ping' }), '{"t":"ping"}');
    const arrows = chart.arrows();
    expect(arrows).toHaveLength(3);
    expect(arrows[2]!.recv).toBe(peers);
    expect(arrows[0]!.recv).toBe(ping); // the older of the two equal pings
    expect(arrows[1]!.recv).toBeUndefined();
    expect(chart.inFlight).toBe(1);
    // The same text from another sender does not match A's pending ping.
    trace.record(record({ dir: 'recv', peer: B, remote: C, t: 'ping' }), '{"t":"ping"}');
    expect(chart.inFlight).toBe(1);
    expect(chart.arrows().at(-1)).toMatchObject({ from: C, to: B, awaitsReceive: false });
  });

  it('draws messages with an end outside the tab (the server) as one-ended arrows', () => {
    const chart = new SequenceChart((peer) => peer === A);
    const trace = new MessageTrace();
    trace.subscribe((r, data) => chart.add(r, data));
    trace.record(record({ dir: 'send', peer: A, remote: 'server', kind: 'server', t: 'hello', vv: {} }), 'x');
    trace.record(record({ dir: 'recv', peer: A, remote: 'server', kind: 'server', t: 'hello', vv: {} }), 'y');
    expect(chart.arrows().map((arrow) => [arrow.from, arrow.to, arrow.awaitsReceive])).toEqual([[A, 'server', false], ['server', A, false]]);
    expect(chart.inFlight).toBe(0);
  });

  it('finds an anti-entropy exchange: both version vectors and the events shipped each way', () => {
    const trace = new MessageTrace();
    const chart = new SequenceChart(() => true);
    trace.subscribe((r, data) => chart.add(r, data));
    const open = '{"t":"vv","a"}';
    trace.record(record({ dir: 'send', peer: A, remote: B, t: 'vv', vv: { [A]: 2 }, reply: true }), open);
    const bGot = trace.record(record({ dir: 'recv', peer: B, remote: A, t: 'vv', vv: { [A]: 2 }, reply: true }), open);
    trace.record(record({ dir: 'send', peer: B, remote: A, t: 'events', eventIds: ['e-b1'], cause: bGot.seq }), 'events-b');
    trace.record(record({ dir: 'send', peer: B, remote: A, t: 'vv', vv: { [B]: 1 }, reply: false, cause: bGot.seq }), 'reply');
    trace.record(record({ dir: 'recv', peer: A, remote: B, t: 'events', eventIds: ['e-b1'] }), 'events-b');
    const aGot = trace.record(record({ dir: 'recv', peer: A, remote: B, t: 'vv', vv: { [B]: 1 }, reply: false }), 'reply');
    trace.record(record({ dir: 'send', peer: A, remote: B, t: 'events', eventIds: ['e-a1', 'e-a2'], cause: aGot.seq }), 'events-a');
    trace.record(record({ dir: 'held', peer: A, remote: '', kind: 'local', t: 'held', eventIds: ['e-b1'] }));
    const arrows = chart.arrows();
    const fromAnswer = vvExchange(arrows, arrows.find((arrow) => arrow.t === 'vv' && arrow.reply === false)!);
    const fromOpening = vvExchange(arrows, arrows[0]!);
    expect(fromAnswer).toEqual(fromOpening);
    expect(fromOpening!.opening.vv).toEqual({ [A]: 2 });
    expect(fromOpening!.answer?.vv).toEqual({ [B]: 1 });
    expect(fromOpening!.shippedByReceiver.flatMap((arrow) => arrow.eventIds)).toEqual(['e-b1']);
    expect(fromOpening!.shippedByOpener.flatMap((arrow) => arrow.eventIds)).toEqual(['e-a1', 'e-a2']);
    expect(vvExchange(arrows, arrows.find((arrow) => arrow.t === 'events')!)).toBeUndefined();
    expect(compareVectors({ [A]: 2 }, { [B]: 1 })).toEqual([
      { author: A, left: 2, right: 0, differs: true },
      { author: B, left: 0, right: 1, differs: true },
    ]);
    const trail = eventTrail(arrows, chart.held(), 'e-b1');
    expect(trail.carriers).toHaveLength(1);
    expect([...trail.firstHeld.keys()]).toEqual([A]);
  });
});

describe('exchange index', () => {
  it('pairs a hello with the hello going back, lists only exchanges that shipped events, newest first', () => {
    const trace = new MessageTrace();
    const chart = new SequenceChart(() => true);
    trace.subscribe((r, data) => chart.add(r, data));
    trace.record(record({ dir: 'send', peer: A, remote: B, t: 'hello', vv: { [A]: 1 } }), 'hello-a');
    trace.record(record({ dir: 'send', peer: B, remote: A, t: 'hello', vv: {} }), 'hello-b');
    const bGot = trace.record(record({ dir: 'recv', peer: B, remote: A, t: 'hello', vv: { [A]: 1 } }), 'hello-a');
    const aGot = trace.record(record({ dir: 'recv', peer: A, remote: B, t: 'hello', vv: {} }), 'hello-b');
    trace.record(record({ dir: 'send', peer: A, remote: B, t: 'events', eventIds: ['e-a1'], cause: aGot.seq }), 'events-a');
    // A quiet exchange afterwards: nothing shipped, so not listed.
    trace.record(record({ dir: 'send', peer: A, remote: B, t: 'vv', vv: { [A]: 1 }, reply: true }), 'vv-a');
    const quiet = trace.record(record({ dir: 'recv', peer: B, remote: A, t: 'vv', vv: { [A]: 1 }, reply: true }), 'vv-a');
    trace.record(record({ dir: 'send', peer: B, remote: A, t: 'vv', vv: { [A]: 1 }, reply: false, cause: quiet.seq }), 'vv-b');
    const index = new ExchangeIndex(chart.arrows());
    const recent = index.recent(5);
    expect(recent).toHaveLength(1);
    const fromB = recent[0]!;
    expect(fromB.opening.from).toBe(B);
    expect(fromB.answer?.from).toBe(A);
    expect(fromB.shippedByReceiver.flatMap((arrow) => arrow.eventIds)).toEqual(['e-a1']);
    expect(fromB.shippedByOpener).toEqual([]);
    // Asked from A's hello, the same exchange reads the other way round.
    const fromA = index.exchange(fromB.answer!)!;
    expect(fromA.shippedByOpener.flatMap((arrow) => arrow.eventIds)).toEqual(['e-a1']);
    expect(bGot.seq).toBeLessThan(aGot.seq);
  });
});
