/**
 * Lazy report gossip (feature `report-announce`, 1.2): announced, asked for, sent once per node; a new
 * neighbour hears of every report held; a lost message, a lying announcer or an older peer in between
 * cost time, never the report.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_OVERLAY_TIMINGS, MemoryNetwork, PeerlabNode, protocolVersion, seededRng, type LinkFaults, type Output, type ProtocolVersion } from '../src/index.ts';
import { ADMIN, keyPairFor, nodeSigner, nodeVerify, reportFrom, reportMessage, reportOf } from './helpers.ts';
import { handleSync } from '../src/net/driveSync.ts';
import { REPORT_WANT_TIMEOUT_MS } from '../src/engine/reportWants.ts';

const LAN: LinkFaults = { loss: 0, duplicate: 0, latencyMs: 5, jitterMs: 2 };

function peer(name: string, seed: number, protocol?: ProtocolVersion): PeerlabNode {
  return new PeerlabNode({ room: 'lab', role: 'peer', signer: nodeSigner(keyPairFor(name)), rng: seededRng(seed), admin: ADMIN.publicKey, ...(protocol ? { protocol } : {}), config: { overlay: { ...DEFAULT_OVERLAY_TIMINGS, exploreProbability: 0 } } });
}

/** A linked mesh of `n` peers on the engine's own overlay, settled. */
function mesh(n: number, faults: LinkFaults = LAN): { net: MemoryNetwork; names: string[] } {
  const net = new MemoryNetwork(seededRng(n), nodeVerify, faults);
  net.autoOverlay = true;
  const names = Array.from({ length: n }, (_, i) => `m${i}`);
  names.forEach((name, i) => net.add(name, peer(name, 100 + i)));
  net.announceRoster();
  net.runFor(10_000);
  return { net, names };
}

/** Counts the messages of each type the room sends from now on. */
function countSends(net: MemoryNetwork): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of net.nodes.values()) {
    const handle = node.handle.bind(node);
    node.handle = (input, now) => {
      const out = handle(input, now);
      for (const o of out) if (o.type === 'send') counts[o.message.t] = (counts[o.message.t] ?? 0) + 1;
      return out;
    };
  }
  return counts;
}

const holds = (net: MemoryNetwork, name: string, origin: string, seq: number) => net.nodes.get(name)!.reports().some((held) => held.report.peer === origin && held.report.seq === seq);

describe('announced reports', () => {
  it('reach every peer of the mesh within a few hops, each peer receiving the report about once', () => {
    const { net, names } = mesh(16);
    const counts = countSends(net);
    const origin = net.nodes.get('m3')!;
    net.input('m3', { type: 'report', report: reportFrom(origin, 'm3', 1, 10_000) });
    const reachedAll = net.runUntil(() => names.every((name) => holds(net, name, origin.id, 1)), 200);
    expect(reachedAll).toBe(true);
    // One copy per peer that lacked it (15), and a few crossings at most; every link carries one small announcement.
    expect(counts.report).toBeGreaterThanOrEqual(15);
    expect(counts.report).toBeLessThanOrEqual(18);
    expect(counts.rwant).toBe(counts.report);
  });

  it('get through 20% loss: a lost announcement, ask or answer costs an ask timeout, not the report', () => {
    const { net, names } = mesh(12, { ...LAN, loss: 0.2 });
    const origin = net.nodes.get('m0')!;
    net.input('m0', { type: 'report', report: reportFrom(origin, 'm0', 7, 10_000) });
    // An ask and its answer both get through 64% of the time here: a few timeouts at most.
    expect(net.runUntil(() => names.every((name) => holds(net, name, origin.id, 7)), 6 * REPORT_WANT_TIMEOUT_MS)).toBe(true);
  });

  it('a new neighbour is told of every report held, and gets each with its age, so it sees the room at once', () => {
    const { net, names } = mesh(6);
    names.forEach((name, i) => net.input(name, { type: 'report', report: reportFrom(net.nodes.get(name)!, name, 10 + i, 10_000) }));
    net.runFor(3_000);
    const heardAt = net.nodes.get('m1')!.reports().find((held) => held.report.name === 'm4')!.receivedAt;
    net.add('presenter', peer('presenter', 999));
    net.connect('presenter', 'direct', 'm1', 'direct');
    net.runFor(100);
    const held = net.nodes.get('presenter')!.reports();
    expect(held.map((h) => h.report.name).sort()).toEqual([...names].sort());
    // Received 3 s ago at m1, not "just now": the age came with it.
    const m4 = held.find((h) => h.report.name === 'm4')!;
    expect(Math.abs(m4.receivedAt - heardAt)).toBeLessThan(50);
  });

  it('answers an ask once per report and ask timeout, so an ask cannot be turned into a stream', () => {
    const bob = peer('bob', 1);
    const alice = keyPairFor('alice').publicKey;
    const eve = keyPairFor('eve').publicKey;
    const hello = (who: string) => JSON.stringify({ t: 'hello', v: 1, minor: 2, features: ['versioned-report', 'report-announce'], room: 'lab', peer: who, vv: {} });
    bob.handle({ type: 'linkUp', link: 'a', kind: 'direct', peer: alice }, 0);
    bob.handle({ type: 'linkUp', link: 'e', kind: 'direct', peer: eve }, 0);
    handleSync(bob, { type: 'message', link: 'a', data: hello(alice) }, 1, nodeVerify);
    handleSync(bob, { type: 'message', link: 'e', data: hello(eve) }, 1, nodeVerify);
    handleSync(bob, { type: 'message', link: 'a', data: reportMessage(reportOf('alice', 5)) }, 2, nodeVerify);
    const ask = JSON.stringify({ t: 'rwant', origins: [alice] });
    const answers = (out: Output[]) => out.filter((o) => o.type === 'send' && o.message.t === 'report').length;
    expect(answers(bob.handle({ type: 'message', link: 'e', data: ask }, 10))).toBe(1);
    expect(answers(bob.handle({ type: 'message', link: 'e', data: ask }, 20))).toBe(0);
    // The asker's retry after its timeout (its answer may have been lost) is answered.
    expect(answers(bob.handle({ type: 'message', link: 'e', data: ask }, 10 + REPORT_WANT_TIMEOUT_MS))).toBe(1);
  });

  it('asks another announcer when the first never answers', () => {
    const net = new MemoryNetwork(seededRng(4), nodeVerify, LAN);
    for (const [i, name] of ['origin', 'liar', 'honest', 'carol'].entries()) net.add(name, peer(name, 50 + i));
    net.connect('origin', 'direct', 'honest', 'direct');
    net.connect('liar', 'direct', 'carol', 'direct');
    net.connect('honest', 'direct', 'carol', 'direct');
    net.runFor(100);
    // The liar announces the report first and then ignores every ask.
    const origin = net.nodes.get('origin')!;
    const liar = net.nodes.get('liar')!;
    liar.handle = (input, now) => (input.type === 'message' && input.data.includes('"rwant"') ? [] : PeerlabNode.prototype.handle.call(liar, input, now));
    const report = reportFrom(origin, 'origin', 3, 10_000);
    const liarSays = JSON.stringify({ t: 'rhave', reports: [[origin.id, 3]] });
    net.input('carol', { type: 'message', link: 'liar', data: liarSays });
    net.input('origin', { type: 'report', report });
    expect(net.runUntil(() => holds(net, 'carol', origin.id, 3), REPORT_WANT_TIMEOUT_MS / 2)).toBe(false);
    expect(net.runUntil(() => holds(net, 'carol', origin.id, 3), REPORT_WANT_TIMEOUT_MS + 100)).toBe(true);
  });

  it('crosses an older peer in between: A(1.2) – B(1.1) – C(1.2), pushed to and by B', () => {
    const net = new MemoryNetwork(seededRng(6), nodeVerify, LAN);
    net.add('a', peer('a', 1));
    net.add('b', peer('b', 2, protocolVersion(1, 1)));
    net.add('c', peer('c', 3));
    net.connect('a', 'direct', 'b', 'direct');
    net.connect('b', 'direct', 'c', 'direct');
    net.runFor(100);
    const a = net.nodes.get('a')!;
    net.input('a', { type: 'report', report: reportFrom(a, 'a', 1, 10_000) });
    net.runFor(100);
    expect(holds(net, 'c', a.id, 1)).toBe(true);
    for (const node of net.nodes.values()) expect(node.stats().rejections.schema).toBe(0);
  });
});
