import { describe, expect, it } from 'vitest';
import { BanList, refusalDetail, DEFAULT_FLOOD_CONFIG, UNLIMITED_FLOOD_CONFIG, limitsAnything, MAX_MESSAGE_BYTES, type BudgetVerdict, LinkBudget, MemoryNetwork, PeerlabNode, seededRng, TokenBucket, type FloodConfig, type Output } from '../src/index.ts';
import { PERFECT_LINKS } from '../src/net/memoryNetwork.ts';
import { ADMIN, keyPairFor, makeRoom, nodeSigner, nodeVerify } from './helpers.ts';

const PING = JSON.stringify({ t: 'ping' });

/** A small budget so the tests read in round numbers. */
const SMALL: FloodConfig = { messagesPerSecond: 100, messageBurst: 200, bytesPerSecond: 1_000_000, byteBurst: 2_000_000, dropAfterRefusals: 300, windowMs: 2_000, banMs: 60_000 };

describe('TokenBucket and LinkBudget', () => {
  it('a bucket gives its burst at once, then refills at its rate', () => {
    const bucket = new TokenBucket(10, 5, 0);
    expect(Array.from({ length: 6 }, () => bucket.take(1, 0))).toEqual([true, true, true, true, true, false]);
    expect(bucket.take(1, 50)).toBe(false); // half a token
    expect(bucket.take(1, 100)).toBe(true);
    expect(bucket.take(1, 100_000) && bucket.take(4, 100_000) && !bucket.take(1, 100_000)).toBe(true); // capped at 5
  });

  it('refuses over budget, reports at most once a second with exact counts, and calls a sustained flood flooding', () => {
    const budget = new LinkBudget(SMALL, 0);
    const verdicts = Array.from({ length: 200 }, () => budget.admit(10, 0));
    expect(verdicts.every((v) => v.kind === 'ok')).toBe(true);
    const refused = Array.from({ length: 250 }, (_, i) => budget.admit(10, i)); // 250 ms: refills 25
    const reported = refused.filter((v) => v.kind === 'refused' && v.report);
    expect(reported).toHaveLength(1);
    expect(refused.filter((v) => v.kind === 'ok').length + budget.refused).toBe(250);
    // A second later (75 tokens refilled meanwhile), the next refusal reports every refusal since the last report.
    let later = budget.admit(10, 1_000);
    while (later.kind === 'ok') later = budget.admit(10, 1_000);
    expect(later).toMatchObject({ kind: 'refused', report: true });
    expect(later.kind === 'refused' && later.refusedSinceReport).toBe(budget.refused - 1);
    let verdict: BudgetVerdict = later;
    for (let i = 0; i < 1_000 && verdict.kind !== 'flooding'; i++) verdict = budget.admit(10, 1_000);
    expect(verdict).toMatchObject({ kind: 'flooding', refusedInWindow: SMALL.dropAfterRefusals });
  });

  it('a configuration with infinite bursts limits nothing (a node then keeps no budget for its links)', () => {
    expect(limitsAnything(UNLIMITED_FLOOD_CONFIG)).toBe(false);
    expect(limitsAnything(DEFAULT_FLOOD_CONFIG)).toBe(true);
    expect(limitsAnything({ ...UNLIMITED_FLOOD_CONFIG, byteBurst: 1 })).toBe(true);
    const budget = new LinkBudget(UNLIMITED_FLOOD_CONFIG, 0);
    expect(Array.from({ length: 10_000 }, () => budget.admit(MAX_MESSAGE_BYTES, 0)).every((verdict) => verdict.kind === 'ok')).toBe(true);
  });

  it('large messages spend the byte budget even under the message budget', () => {
    const budget = new LinkBudget(SMALL, 0);
    expect(budget.admit(1_500_000, 0).kind).toBe('ok');
    expect(budget.admit(1_500_000, 0).kind).toBe('refused');
    expect(budget.admit(1_500_000, 2_000).kind).toBe('ok');
  });

  it('a ban runs out on the given clock', () => {
    const bans = new BanList();
    bans.ban('k', 1_000);
    expect(bans.isBanned('k', 999)).toBe(true);
    expect(bans.active(500)).toEqual([{ peer: 'k', until: 1_000 }]);
    expect(bans.isBanned('k', 1_000)).toBe(false);
    expect(bans.active(1_000)).toEqual([]);
  });
});

/** Three meshed peers (p0, p1, p2) and a server; p2 is the flooder. */
function floodRoom(flood: FloodConfig = DEFAULT_FLOOD_CONFIG) {
  const net = new MemoryNetwork(seededRng(3), nodeVerify, PERFECT_LINKS);
  const names = ['p0', 'p1', 'p2'];
  for (const name of names) {
    net.add(name, new PeerlabNode({ room: 'lab', role: 'peer', signer: nodeSigner(keyPairFor(name)), rng: seededRng(name.charCodeAt(1)), admin: ADMIN.publicKey, config: { flood, traceReceived: true } }));
  }
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) net.connect(names[i]!, 'direct', names[j]!, 'direct');
  net.runFor(50);
  return { net, node: (name: string) => net.nodes.get(name)! };
}

/** `count` messages from `from` arriving at `to`, `perMs` of them each virtual millisecond. Returns every output. */
function flood(net: MemoryNetwork, from: string, to: string, count: number, perMs: number, data = PING): Output[] {
  const outputs: Output[] = [];
  for (let sent = 0; sent < count; sent++) {
    if (sent > 0 && sent % perMs === 0) net.runFor(1);
    if (!net.connected(to, from)) break;
    outputs.push(...net.input(to, { type: 'message', link: from, data }));
  }
  return outputs;
}

describe('a flooding peer link', () => {
  it('is refused before decoding, counted exactly, then dropped as flooding and its key banned', () => {
    const { net, node } = floodRoom();
    const victim = node('p0');
    const before = victim.stats().rejections.rate_limited;
    // 20 messages a millisecond: 20,000/s, ten times the budget.
    const outputs = flood(net, 'p2', 'p0', 20_000, 20);
    // With traceReceived, every decoded message has a `received` output: refused ones were never decoded.
    const decoded = outputs.filter((o) => o.type === 'received').length;
    const refused = victim.stats().rejections.rate_limited - before;
    const drop = outputs.find((o) => o.type === 'drop');
    expect(drop).toEqual({ type: 'drop', link: 'p2', reason: 'flooding' });
    expect(victim.links().has('p2')).toBe(false);
    expect(net.connected('p0', 'p2')).toBe(false);
    expect(decoded).toBeGreaterThanOrEqual(DEFAULT_FLOOD_CONFIG.messageBurst);
    expect(refused).toBe(DEFAULT_FLOOD_CONFIG.dropAfterRefusals);
    expect(decoded + refused).toBeLessThan(20_000); // dropped long before the flood ended
    // At most one rejected output per second of flood (plus the one announcing the drop), not one per message.
    const rejectedOutputs = outputs.filter((o) => o.type === 'rejected');
    expect(rejectedOutputs.length).toBeLessThanOrEqual(3);
    expect(victim.stats().floodDrops).toBe(1);
    expect(victim.isBanned(keyPairFor('p2').publicKey)).toBe(true);
    // The honest link is untouched.
    expect(victim.links().has('p1')).toBe(true);
    expect(node('p1').stats().rejections.rate_limited).toBe(0);
  });

  it('cannot reconnect while banned, in either direction; may again once the ban runs out', () => {
    const { net, node } = floodRoom(SMALL);
    const victim = node('p0');
    const flooderKey = keyPairFor('p2').publicKey;
    flood(net, 'p2', 'p0', 2_000, 50);
    expect(victim.bans()).toEqual([{ peer: flooderKey, until: expect.any(Number) }]);
    const until = victim.bans()[0]!.until;

    expect(victim.acceptsDirectLink(flooderKey)).toBe(false);
    // The flooder dials again (or the victim's own transport reports a link): refused with no hello sent.
    const outputs = net.input('p0', { type: 'linkUp', link: 'p2', kind: 'direct', peer: flooderKey });
    expect(outputs).toEqual([{ type: 'drop', link: 'p2', reason: 'banned' }]);
    net.connect('p2', 'direct', 'p0', 'direct');
    expect(net.connected('p0', 'p2')).toBe(false);
    expect(victim.links().has('p2')).toBe(false);
    // A relayed pair is refused too.
    expect(net.input('p0', { type: 'linkUp', link: 'p2', kind: 'relay', peer: flooderKey })).toEqual([{ type: 'drop', link: 'p2', reason: 'banned' }]);

    net.runFor(until - net.now + 1);
    net.input('p0', { type: 'tick' }); // the node reads time from its inputs
    expect(victim.isBanned(flooderKey)).toBe(false);
    expect(victim.acceptsDirectLink(flooderKey)).toBe(true);
    net.connect('p2', 'direct', 'p0', 'direct');
    net.runFor(50);
    expect(victim.links().get('p2')).toMatchObject({ kind: 'direct', peer: flooderKey });
  });

  it('a hello naming a banned key is refused and its link dropped', () => {
    const { net, node } = floodRoom(SMALL);
    const victim = node('p0');
    flood(net, 'p2', 'p0', 2_000, 50);
    // A link whose remote the transport could not name: the hello names it.
    net.input('p0', { type: 'linkUp', link: 'anon', kind: 'direct' });
    const hello = JSON.stringify({ t: 'hello', v: 1, room: 'lab', peer: keyPairFor('p2').publicKey, vv: {} });
    const outputs = net.input('p0', { type: 'message', link: 'anon', data: hello });
    expect(outputs).toContainEqual({ type: 'drop', link: 'anon', reason: 'banned' });
    expect(victim.links().has('anon')).toBe(false);
  });

  it('the overlay does not pick a banned member until the ban runs out', () => {
    const { net, node } = floodRoom(SMALL);
    net.autoOverlay = true;
    net.announceRoster();
    const victim = node('p0');
    flood(net, 'p2', 'p0', 2_000, 50);
    const until = victim.bans()[0]!.until;
    // p2 keeps asking (its overlay wants p0 back) and p0's overlay keeps topping up its degree.
    for (let t = net.now; t < until - 1_000; t += 1_000) {
      net.runFor(1_000);
      expect(net.connected('p0', 'p2'), `linked again at ${net.now}`).toBe(false);
    }
    expect(net.runUntil(() => net.connected('p0', 'p2'), 30_000)).toBe(true);
  });

  it('a flood of large messages trips the byte budget', () => {
    const { net, node } = floodRoom();
    const victim = node('p0');
    // Under the message budget (10 a millisecond would be), but 100 KiB each: 10 MiB/s over a 8 MiB/s budget.
    const big = JSON.stringify({ t: 'peers', peers: [] }) + ' '.repeat(100 * 1024);
    const outputs = flood(net, 'p2', 'p0', 5_000, 1);
    expect(outputs.some((o) => o.type === 'drop')).toBe(false); // pings are small
    const bigOutputs = flood(net, 'p1', 'p0', 2_000, 1, big);
    expect(victim.stats().rejections.rate_limited).toBeGreaterThan(0);
    expect(bigOutputs.filter((o) => o.type === 'received').length).toBeLessThan(2_000);
  });
});

describe('honest traffic never trips the budget', () => {
  function expectNoFloodDefense(room: ReturnType<typeof makeRoom>): void {
    for (const name of room.peers) {
      const node = room.net.nodes.get(name)!;
      expect(node.stats().rejections.rate_limited, `${name} refused`).toBe(0);
      expect(node.stats().floodDrops).toBe(0);
      expect(node.bans()).toEqual([]);
      expect([...node.links().values()].filter((link) => link.kind === 'direct').length).toBeGreaterThanOrEqual(room.peers.length - 1);
    }
  }

  it('1,000 writes in one instant from one page, pushed and forwarded over a full mesh', () => {
    const room = makeRoom(5, 11, PERFECT_LINKS);
    room.net.runFor(100);
    for (let i = 0; i < 1_000; i++) room.write('p0', 'burst');
    expect(room.net.runUntil(() => room.converged() && room.net.nodes.get('p4')!.store.size >= 1_000, 30_000)).toBe(true);
    expectNoFloodDefense(room);
  });

  it('every page writing a burst at once, with telemetry reports each period', () => {
    const room = makeRoom(6, 12, PERFECT_LINKS);
    room.net.runFor(100);
    for (let i = 0; i < 400; i++) for (const peer of room.peers) room.write(peer, 'all at once');
    for (let period = 1; period <= 5; period++) {
      for (const peer of room.peers) {
        const node = room.net.nodes.get(peer)!;
        room.net.input(peer, { type: 'report', report: { peer: node.id, name: peer, seq: period, at: period * 1000, observer: false, periodMs: 1000, mode: 'p2p', digest: node.store.digest(), events: node.store.size, pending: 0, traffic: { server: zeroTotals, direct: zeroTotals, relay: zeroTotals }, rejections: {}, links: [], vv: {} } });
      }
      room.net.runFor(1_000);
    }
    expect(room.net.runUntil(() => room.converged(), 30_000)).toBe(true);
    expectNoFloodDefense(room);
  });

  it('a large catch-up (5,000 events, ~9 MB) reaches a newcomer in a few large batches', () => {
    const room = makeRoom(2, 13, PERFECT_LINKS);
    room.net.runFor(100);
    const text = 'x'.repeat(1_500);
    // A steady 1,000 writes a second between the two, then a newcomer asks for all of it at once.
    for (let i = 0; i < 5_000; i++) {
      room.net.input(i % 2 === 0 ? 'p0' : 'p1', { type: 'write', kind: 'chat', body: { text, name: 'writer' } });
      room.net.runFor(1);
    }
    expect(room.net.runUntil(() => room.converged() && room.net.nodes.get('p1')!.store.size >= 5_000, 60_000)).toBe(true);
    const newcomer = new PeerlabNode({ room: 'lab', role: 'peer', signer: nodeSigner(keyPairFor('newcomer')), rng: seededRng(99), admin: ADMIN.publicKey, server: keyPairFor('server').publicKey });
    room.net.add('newcomer', newcomer);
    for (const peer of room.peers) room.net.connect('newcomer', 'direct', peer, 'direct');
    expect(room.net.runUntil(() => newcomer.store.size === room.net.nodes.get('p0')!.store.size, 60_000)).toBe(true);
    expect(newcomer.stats().received.direct.bytes).toBeGreaterThan(5_000 * 1_500);
    expect(newcomer.stats().rejections.rate_limited).toBe(0);
    expect(newcomer.bans()).toEqual([]);
    expectNoFloodDefense(room);
  });
});

const zeroTotals = { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0 };

describe('refusalDetail', () => {
  it('reports a refusal once a second and a flood always, naming the sender and the budget', () => {
    expect(refusalDetail({ kind: 'ok' }, SMALL, 'abcd1234')).toBeUndefined();
    expect(refusalDetail({ kind: 'refused', report: false, refusedSinceReport: 3 }, SMALL, 'abcd1234')).toBeUndefined();
    expect(refusalDetail({ kind: 'refused', report: true, refusedSinceReport: 3 }, SMALL, 'abcd1234')).toBe('3 message(s) over the budget of 100/s (burst 200)');
    expect(refusalDetail({ kind: 'flooding', refusedInWindow: 300 }, SMALL, 'abcd1234')).toBe('abcd1234 flooding: 300 refusals within 2000 ms; dropped and banned for 60000 ms');
  });
});
