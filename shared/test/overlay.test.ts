import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_OVERLAY, DEFAULT_OVERLAY_TIMINGS, MemoryNetwork, Overlay, PeerlabNode, seededRng, type LinkFaults, type OverlayLink } from '../src/index.ts';
import { ADMIN, keyPairFor, nodeSigner, nodeVerify } from './helpers.ts';

const CALM: LinkFaults = { loss: 0, duplicate: 0, latencyMs: 5, jitterMs: 5 };

function peer(name: string, seed: number): PeerlabNode {
  return new PeerlabNode({ room: 'lab', role: 'peer', signer: nodeSigner(keyPairFor(name)), rng: seededRng(seed), admin: ADMIN.publicKey });
}

/** A room whose links come only from the nodes' own overlay decisions. */
function overlayRoom(n: number, seed: number, faults: LinkFaults = CALM) {
  const net = new MemoryNetwork(seededRng(seed), nodeVerify, faults);
  net.autoOverlay = true;
  const names = Array.from({ length: n }, (_, i) => `n${i}`);
  names.forEach((name, i) => net.add(name, peer(name, seed * 1000 + i)));
  net.announceRoster();
  return { net, names };
}

function directDegree(net: MemoryNetwork, name: string): number {
  return [...net.nodes.get(name)!.links().values()].filter((link) => link.kind === 'direct').length;
}

function isConnected(net: MemoryNetwork, names: readonly string[]): boolean {
  const seen = new Set([names[0]!]);
  const queue = [names[0]!];
  while (queue.length > 0) {
    const at = queue.pop()!;
    for (const [link, state] of net.nodes.get(at)!.links()) {
      if (state.kind === 'direct' && names.includes(link) && !seen.has(link)) {
        seen.add(link);
        queue.push(link);
      }
    }
  }
  return seen.size === names.length;
}

function convergedAmong(net: MemoryNetwork, names: readonly string[]): boolean {
  const digests = new Set(names.map((name) => net.nodes.get(name)!.store.digest()));
  return digests.size === 1;
}

describe('overlay', () => {
  it('a node links to the roster as soon as it has one: a newcomer on it brings the round forward', () => {
    const overlay = new Overlay('self', seededRng(4));
    const links = new Map<string, { kind: 'direct'; peer: string }>();
    expect(overlay.tick(0, true, links).connect).toEqual([]); // alone: the first round finds no one
    overlay.setRoster(['a', 'b', 'c'], 10);
    expect(overlay.nextWakeup()).toBe(10);
    expect([...overlay.tick(10, true, links).connect].sort()).toEqual(['a', 'b', 'c']);
    // The same roster again brings nothing new: the round stays a round away.
    overlay.setRoster(['a', 'b', 'c'], 20);
    expect(overlay.nextWakeup()).toBe(10 + DEFAULT_OVERLAY_TIMINGS.roundMs);
  });

  it('a room of 60 builds a connected mesh of bounded degree, not a full mesh', () => {
    const { net, names } = overlayRoom(60, 1);
    net.runFor(5_000);
    const degrees = names.map((name) => directDegree(net, name));
    expect(Math.min(...degrees)).toBeGreaterThanOrEqual(DEFAULT_OVERLAY.low);
    expect(Math.max(...degrees)).toBeLessThanOrEqual(DEFAULT_OVERLAY.high);
    expect(isConnected(net, names)).toBe(true);
    net.input('n7', { type: 'write', kind: 'chat', body: { text: 'to everyone', name: 'n7' } });
    expect(net.runUntil(() => names.every((name) => net.nodes.get(name)!.store.size === 1), 10_000)).toBe(true);
  });

  it('silent crashes are detected by heartbeats and the overlay repairs itself', () => {
    const { net, names } = overlayRoom(30, 2);
    net.runFor(5_000);
    const crashed = names.slice(0, 10);
    for (const name of crashed) net.crash(name);
    const alive = names.slice(10);
    // No roster update: only heartbeats can tell the survivors.
    net.runFor(DEFAULT_OVERLAY.high * 1_000 + 20_000);
    for (const name of alive) {
      const links = [...net.nodes.get(name)!.links().keys()];
      expect(links.filter((link) => crashed.includes(link)), `${name} still linked to the dead`).toEqual([]);
      expect(directDegree(net, name)).toBeGreaterThanOrEqual(DEFAULT_OVERLAY.low);
    }
    expect(isConnected(net, alive)).toBe(true);
  });

  it('a long partition leaves two full meshes; exploration re-joins them after the heal', () => {
    const { net, names } = overlayRoom(40, 5);
    net.runFor(5_000);
    const left = names.slice(0, 20);
    const right = names.slice(20);
    net.partition([left, right]);
    net.runFor(60_000); // cross links are suspected and dropped; each side refills its degree internally
    const crossLinks = () => left.reduce((count, name) => count + [...net.nodes.get(name)!.links().keys()].filter((link) => right.includes(link)).length, 0);
    expect(crossLinks()).toBe(0);
    net.input('n0', { type: 'write', kind: 'chat', body: { text: 'left', name: 'n0' } });
    net.input('n39', { type: 'write', kind: 'chat', body: { text: 'right', name: 'n39' } });
    net.heal();
    expect(net.runUntil(() => crossLinks() > 0 && convergedAmong(net, names) && net.nodes.get('n20')!.store.size === 2, 120_000)).toBe(true);
  });

  it('property: in a small sparse room (2,2,3) where peers join one by one, nobody is locked out', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (seed) => {
        const net = new MemoryNetwork(seededRng(seed), nodeVerify, CALM);
        net.autoOverlay = true;
        const degree = { target: 2, low: 2, high: 3 };
        const names = Array.from({ length: 6 }, (_, i) => `s${i}`);
        for (const [i, name] of names.entries()) {
          net.add(name, new PeerlabNode({ room: 'lab', role: 'peer', signer: nodeSigner(keyPairFor(name)), rng: seededRng(seed + i), admin: ADMIN.publicKey, config: { overlay: { ...DEFAULT_OVERLAY_TIMINGS, degree } } }));
          net.announceRoster();
          net.runFor(1_500);
        }
        net.runFor(60_000);
        // Locked out means never back within the watermarks: a shed (after another peer's exploring link)
        // may leave one peer a link short until its next round tops it up, so give it a few rounds.
        const settled = () => names.every((name) => directDegree(net, name) >= degree.low && directDegree(net, name) <= degree.high + 1);
        return net.runUntil(settled, 3 * DEFAULT_OVERLAY_TIMINGS.roundMs);
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  it('peer exchange lets a peer that knows one neighbour find the rest, without the server', () => {
    const net = new MemoryNetwork(seededRng(3), nodeVerify, CALM);
    net.autoOverlay = true;
    const names = Array.from({ length: 12 }, (_, i) => `x${i}`);
    names.forEach((name, i) => net.add(name, peer(name, 300 + i)));
    // A chain: each peer is introduced only to the next one.
    for (let i = 0; i + 1 < names.length; i++) net.connect(names[i]!, 'direct', names[i + 1]!, 'direct');
    net.runFor(15_000);
    expect(net.nodes.get('x0')!.knownMembers().length).toBe(names.length - 1);
    expect(directDegree(net, 'x0')).toBeGreaterThanOrEqual(DEFAULT_OVERLAY.target);
  });

  it('a WebRTC signal reaches a peer with no link to the sender, hop by hop over the mesh', () => {
    const net = new MemoryNetwork(seededRng(4), nodeVerify, CALM);
    const names = ['a', 'b', 'c', 'd'];
    names.forEach((name, i) => net.add(name, peer(name, 400 + i)));
    net.connect('a', 'direct', 'b', 'direct');
    net.connect('b', 'direct', 'c', 'direct');
    net.connect('c', 'direct', 'd', 'direct');
    net.input('a', { type: 'routeSignal', to: net.nodes.get('d')!.id, data: '{"type":"offer"}' });
    net.runFor(1_000);
    expect(net.signals).toEqual([{ to: 'd', from: net.nodes.get('a')!.id, data: '{"type":"offer"}' }]);
  });

  it('property: loss, duplication, reordering, partitions that heal and churn that stops — every live peer ends with every event a live peer held', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 4, max: 24 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.array(fc.constantFrom('write', 'crash', 'restart', 'join', 'partition', 'heal'), { minLength: 5, maxLength: 40 }),
        (seed, n, loss, duplicate, schedule) => {
          const faults = { loss, duplicate, latencyMs: 5, jitterMs: 30 };
          const { net } = overlayRoom(n, seed, faults);
          const rng = seededRng(seed + 7);
          const pick = (from: readonly string[]) => from[Math.floor(rng.next() * from.length)];
          let joined = 0;
          net.runFor(2_000);
          for (const step of schedule) {
            const alive = net.alive();
            switch (step) {
              case 'write': {
                const who = pick(alive);
                if (who) net.input(who, { type: 'write', kind: 'chat', body: { text: step, name: who } });
                break;
              }
              case 'crash':
                if (alive.length > 2) net.crash(pick(alive)!);
                break;
              case 'restart': {
                // A crashed peer comes back as a new process with its persisted events (IndexedDB).
                const dead = [...net.nodes.keys()].filter((name) => !alive.includes(name));
                const who = pick(dead);
                if (!who) break;
                const old = net.nodes.get(who)!;
                const fresh = peer(who, seed + 99 + joined);
                fresh.handle({ type: 'restore', events: [...old.store.events()].map((stored) => ({ event: stored.event })) }, net.now);
                net.remove(who);
                net.add(who, fresh);
                net.announceRoster();
                break;
              }
              case 'join': {
                const name = `j${joined++}`;
                net.add(name, peer(name, seed + 500 + joined));
                net.announceRoster();
                break;
              }
              case 'partition': {
                const half = alive.slice(0, Math.floor(alive.length / 2));
                net.partition([half, alive.filter((name) => !half.includes(name))]);
                break;
              }
              case 'heal':
                net.heal();
                break;
            }
            net.runFor(300);
          }
          // The disturbances end: the partition heals, churn stops, the server's roster is current.
          net.heal();
          net.announceRoster();
          const alive = net.alive();
          const held = new Set(alive.flatMap((name) => [...net.nodes.get(name)!.store.events()].map((stored) => stored.id)));
          return net.runUntil(() => convergedAmong(net, alive) && net.nodes.get(alive[0]!)!.store.size === held.size, 120_000);
        },
      ),
      { numRuns: 30, seed: 3 },
    );
  });

  it('peer exchange backs off while the members stay the same, and comes back each round when one arrives', () => {
    const overlay = new Overlay('self', seededRng(1), { ...DEFAULT_OVERLAY_TIMINGS, exploreProbability: 0 });
    const links = new Map<string, OverlayLink>([['la', { kind: 'direct', peer: 'a' }], ['lb', { kind: 'direct', peer: 'b' }]]);
    overlay.setRoster(['a', 'b', 'c'], 0);
    overlay.linkUp('la', 'direct', 'a', 0);
    overlay.linkUp('lb', 'direct', 'b', 0);
    const exchanges = (from: number, to: number): number[] => {
      const at: number[] = [];
      for (let now = from; now < to; now += DEFAULT_OVERLAY_TIMINGS.roundMs) if (overlay.tick(now, true, links).exchange) at.push(now);
      return at;
    };
    const max = DEFAULT_OVERLAY_TIMINGS.exchangeMaxMs;
    expect(exchanges(0, 60_000)).toEqual([0, 1000, 3000, 7000, 15_000, 15_000 + max, 15_000 + 2 * max, 15_000 + 3 * max].filter((t) => t < 60_000));
    // A newcomer: the next round tells a partner, and the backoff starts over.
    overlay.learn(['d'], 60_000);
    expect(exchanges(60_000, 64_000)).toEqual([60_000, 61_000, 63_000]);
  });
});
