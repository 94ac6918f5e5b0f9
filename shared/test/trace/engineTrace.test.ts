/**
 * The engine's trace outputs: a `send` of events names the ids it carries, a `received` output (when
 * `traceReceived` is on) describes each decoded message before what it causes, and turning tracing on
 * changes nothing the engine sends (it stays deterministic).
 */
import { describe, expect, it } from 'vitest';
import { handleSync, type Output, type PeerlabNode } from '../../src/index.ts';
import { keyPairFor, makeNode, nodeVerify } from '../helpers.ts';

type Wire = { from: string; to: string; data: string };

/** Two peers on one direct link, driven synchronously; returns every output of each, in order. */
function pair(trace: boolean): { a: PeerlabNode; b: PeerlabNode; log: Map<string, Output[]>; run: (steps: number) => void; deliverFrom: (from: 'a' | 'b', outputs: Output[]) => void } {
  const config = { traceReceived: trace };
  const a = makeNode('alice', { config });
  const b = makeNode('bob', { config });
  const nodes = { a, b };
  const log = new Map<string, Output[]>([['a', []], ['b', []]]);
  const queue: Wire[] = [];
  let now = 1_000;
  const deliverFrom = (from: 'a' | 'b', outputs: Output[]): void => {
    log.get(from)!.push(...outputs);
    for (const output of outputs) if (output.type === 'send') queue.push({ from, to: from === 'a' ? 'b' : 'a', data: output.data });
  };
  const run = (steps: number): void => {
    for (let i = 0; i < steps && queue.length > 0; i++) {
      const wire = queue.shift()!;
      const to = wire.to as 'a' | 'b';
      deliverFrom(to, handleSync(nodes[to], { type: 'message', link: `peer:${wire.from}`, data: wire.data }, ++now, nodeVerify));
    }
  };
  deliverFrom('a', handleSync(a, { type: 'linkUp', link: 'peer:b', kind: 'direct', peer: b.id }, now, nodeVerify));
  deliverFrom('b', handleSync(b, { type: 'linkUp', link: 'peer:a', kind: 'direct', peer: a.id }, now, nodeVerify));
  return { a, b, log, run, deliverFrom };
}

describe('engine trace outputs', () => {
  it('names the events a send carries, and the receiver reports the same ids before its answers', () => {
    const { a, log, run, deliverFrom } = pair(true);
    run(10);
    deliverFrom('a', handleSync(a, { type: 'write', kind: 'chat', body: { text: 'hi', name: 'A' } }, 2_000, nodeVerify));
    const sent = log.get('a')!.filter((output) => output.type === 'send' && output.message.t === 'events');
    expect(sent).toHaveLength(1);
    const ids = sent[0]!.type === 'send' ? sent[0]!.eventIds : undefined;
    expect(ids).toHaveLength(1);
    run(10);
    const received = log.get('b')!.filter((output) => output.type === 'received');
    const events = received.find((output) => output.type === 'received' && output.message.t === 'events');
    expect(events?.type === 'received' ? events.eventIds : undefined).toEqual(ids);
    // The hello arrived with its version vector, and is the first thing b reports.
    expect(received[0]?.type === 'received' ? received[0].message.t : undefined).toBe('hello');
    expect(received.every((output) => output.type === 'received' && output.kind === 'direct' && output.bytes > 0)).toBe(true);
  });

  it('is off by default and changes nothing the engine sends', () => {
    const traced = pair(true);
    const plain = pair(false);
    for (const run of [traced, plain]) {
      run.run(10);
      run.deliverFrom('a', handleSync(run.a, { type: 'write', kind: 'chat', body: { text: 'same', name: 'A' } }, 2_000, nodeVerify));
      run.run(10);
    }
    const sends = (log: Map<string, Output[]>) => [...log.values()].flat().filter((output) => output.type === 'send').map((output) => (output.type === 'send' ? output.data : ''));
    expect(sends(traced.log)).toEqual(sends(plain.log));
    expect([...plain.log.values()].flat().some((output) => output.type === 'received')).toBe(false);
    expect(traced.b.store.digest()).toBe(plain.b.store.digest());
    expect(keyPairFor('alice').publicKey).toBe(traced.a.id);
  });
});
