import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MODES, type Mode } from '../src/index.ts';
import { heldExceptAdmissions, makeNode, makeRoom } from './helpers.ts';

const LOSSY = { loss: 0.2, duplicate: 0.1, latencyMs: 5, jitterMs: 40 };

/** Every peer converged, and (when the mode routes data through it) the server too. */
function settle(room: ReturnType<typeof makeRoom>, withinMs = 60_000): boolean {
  return room.net.runUntil(() => room.converged() && heldExceptAdmissions(room.net.nodes.get(room.peers[0]!)!) > 0, withinMs);
}

describe('convergence over a faulty network', () => {
  for (const mode of MODES) {
    it(`${mode}: 5 peers writing through 20% loss, duplication and reordering converge`, () => {
      const room = makeRoom(5, 42, LOSSY);
      room.switchMode('p0', mode);
      room.net.runFor(2_000);
      for (let round = 0; round < 10; round++) {
        for (const peer of room.peers) room.write(peer, `r${round}`);
        room.net.runFor(50);
      }
      expect(settle(room)).toBe(true);
      const sizes = room.peers.map((p) => heldExceptAdmissions(room.net.nodes.get(p)!));
      expect(new Set(sizes)).toEqual(new Set([51])); // 50 chats + 1 mode event
      for (const peer of room.peers) expect(room.net.nodes.get(peer)!.mode).toBe(mode);
    });
  }

  it('client-server: peers talk only to the server, which orders every event once and acknowledges all', () => {
    const room = makeRoom(4, 7, LOSSY);
    room.switchMode('p0', 'client-server');
    room.net.runFor(2_000);
    const directBefore = room.net.counters.byKind.direct;
    for (let i = 0; i < 20; i++) room.write(room.peers[i % 4]!, 'cs');
    const server = room.net.nodes.get('server')!;
    expect(room.net.runUntil(() => heldExceptAdmissions(server) === 21 && room.converged() && room.peers.every((p) => room.net.nodes.get(p)!.pendingCount === 0), 60_000)).toBe(true);
    expect(room.net.counters.byKind.direct).toBe(directBefore);
    const orders = [...server.store.events()].map((s) => server.ackPositionOf(s.id)).sort((a, b) => a! - b!);
    expect(orders).toEqual(Array.from({ length: server.store.size }, (_, i) => i + 1));
    expect(server.store.digest()).toBe(room.net.nodes.get('p1')!.store.digest());
  });

  it('p2p: the server receives the mode but no chat', () => {
    const room = makeRoom(4, 9, LOSSY);
    room.switchMode('p0', 'p2p');
    for (let i = 0; i < 20; i++) room.write(room.peers[i % 4]!, 'p2p');
    expect(settle(room)).toBe(true);
    const server = room.net.nodes.get('server')!;
    const kinds = new Set([...server.store.events()].map((s) => s.event.kind));
    expect(kinds).toEqual(new Set(['mode', 'admit']));
  });

  it('switching modes under load loses nothing, and switching to client-server makes the server complete', () => {
    const room = makeRoom(5, 11, LOSSY);
    const sequence: Mode[] = ['hybrid', 'client-server', 'p2p', 'hybrid', 'client-server'];
    for (const [i, mode] of sequence.entries()) {
      for (const peer of room.peers) room.write(peer, `before ${mode}`);
      room.switchMode('p0', mode);
      for (const peer of room.peers) room.write(peer, `after ${mode}`);
      room.net.runFor(300 + i * 100);
    }
    const server = room.net.nodes.get('server')!;
    const expected = sequence.length * room.peers.length * 2 + sequence.length;
    expect(room.net.runUntil(() => room.converged() && heldExceptAdmissions(server) === expected, 60_000)).toBe(true);
    expect(heldExceptAdmissions(room.net.nodes.get('p3')!)).toBe(expected);
    expect(server.store.digest()).toBe(room.net.nodes.get('p3')!.store.digest());
  });

  it('a late joiner catches up from its peers with the missing events plus one summary per author', () => {
    const room = makeRoom(4, 13, { loss: 0, duplicate: 0, latencyMs: 5, jitterMs: 0 });
    for (let i = 0; i < 200; i++) room.write(room.peers[i % 4]!, 'history');
    expect(settle(room)).toBe(true);
    room.net.runFor(300); // the last duplicates and prunes of the push tree still in flight land first
    // A fifth peer arrives, linked to one peer only: everything must come over that single link.
    const before = room.net.counters.sent;
    room.net.add('late', makeNode('late'));
    room.net.connect('late', 'direct', 'p1', 'direct');
    expect(room.net.runUntil(() => heldExceptAdmissions(room.net.nodes.get('late')!) === 200, 10_000)).toBe(true);
    // hello each way, then one batch of events: no per-event round trips.
    expect(room.net.counters.sent - before).toBeLessThanOrEqual(4);
  });

  it('property: any seed, loss below 100%, duplication and reordering — all peers converge in every mode', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.constantFrom(...MODES),
        fc.integer({ min: 2, max: 5 }),
        (seed, loss, duplicate, mode, peers) => {
          const room = makeRoom(peers, seed, { loss, duplicate, latencyMs: 3, jitterMs: 30 });
          room.switchMode('p0', mode);
          for (let i = 0; i < peers * 3; i++) room.write(room.peers[i % peers]!, 'prop');
          return settle(room, 120_000) && heldExceptAdmissions(room.net.nodes.get('p0')!) === peers * 3 + 1;
        },
      ),
      { numRuns: 25, seed: 20261125 },
    );
  });

  it('partitions heal: both sides write, digests differ during the split and agree after', () => {
    const room = makeRoom(6, 17, { loss: 0.05, duplicate: 0, latencyMs: 5, jitterMs: 10 });
    room.net.runFor(1_500);
    room.net.partition([['p0', 'p1', 'p2', 'server'], ['p3', 'p4', 'p5']]);
    for (const peer of room.peers) room.write(peer, 'split');
    room.net.runFor(5_000);
    expect(room.converged(['p0', 'p1', 'p2'])).toBe(true);
    expect(room.converged(['p3', 'p4', 'p5'])).toBe(true);
    expect(room.converged()).toBe(false);
    room.net.heal();
    expect(settle(room)).toBe(true);
    expect(heldExceptAdmissions(room.net.nodes.get('p5')!)).toBe(6);
  });
});

