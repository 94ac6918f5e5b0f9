import { describe, expect, it } from 'vitest';
import { decodeEvent, PeerlabNode, seededRng, type FaultRule } from '../src/index.ts';
import { ADMIN, keyPairFor, makeRoom, nodeSigner } from './helpers.ts';

const CALM = { loss: 0, duplicate: 0, latencyMs: 5, jitterMs: 5 };
const admin = nodeSigner(ADMIN);

function rule(overrides: Partial<FaultRule> = {}): FaultRule {
  return { a: '*', b: '*', drop: 30, delayMs: 0, jitterMs: 0, duplicate: 10, reorder: 0, ...overrides };
}

/** A room of three peers plus a rogue peer that believes its own key is the admin's. */
function roomWithRogue(seed: number) {
  const room = makeRoom(3, seed, CALM);
  const rogueKey = keyPairFor('rogue');
  room.net.add('rogue', new PeerlabNode({ room: 'lab', role: 'peer', signer: nodeSigner(rogueKey), rng: seededRng(seed + 5), admin: rogueKey.publicKey }));
  for (const peer of room.peers) room.net.connect('rogue', 'direct', peer, 'direct');
  const peers = () => room.peers.map((name) => room.net.nodes.get(name)!);
  return { room, rogue: nodeSigner(rogueKey), peers };
}

describe('the teacher\'s fault rules (`faults` control event)', () => {
  it('reach every peer as a `faults` output; the newest admin event wins; an empty list clears', () => {
    const { room, peers } = roomWithRogue(51);
    const first = room.net.input('p0', { type: 'setFaults', rules: [rule()], admin });
    expect(first).toContainEqual({ type: 'faults', rules: [rule()] });
    room.net.runFor(500);
    for (const node of peers()) expect(node.faults).toEqual([rule()]);
    const pair = rule({ a: peers()[1]!.id, b: peers()[2]!.id, drop: 100, duplicate: 0 });
    room.net.input('p1', { type: 'setFaults', rules: [pair], admin });
    room.net.runFor(500);
    for (const node of peers()) expect(node.faults).toEqual([pair]);
    room.net.input('p2', { type: 'setFaults', rules: [], admin });
    room.net.runFor(500);
    for (const node of peers()) expect(node.faults).toEqual([]);
  });

  it('from a non-admin key: refused locally, and rejected and counted (not_admin) by every receiver', () => {
    const { room, rogue, peers } = roomWithRogue(52);
    const refused = room.net.input('p0', { type: 'setFaults', rules: [rule()], admin: rogue });
    expect(refused).toContainEqual(expect.objectContaining({ type: 'rejected', rejection: expect.objectContaining({ reason: 'not_admin', fault: 'local' }) }));
    // The rogue thinks it is the admin, so it signs and pushes; the others refuse it by signature key.
    room.net.input('rogue', { type: 'setFaults', rules: [rule({ drop: 100 })], admin: rogue });
    room.net.input('rogue', { type: 'setChurn', on: true, periodMs: 3000, downMs: 1000, exempt: [], admin: rogue });
    room.net.runFor(1_000);
    for (const node of peers()) {
      expect(node.faults).toEqual([]);
      expect(node.churn).toBeNull();
      expect(node.stats().rejections.not_admin).toBeGreaterThanOrEqual(2);
    }
  });

  it('the decoder refuses out-of-range rules and a churn whose downtime is not shorter than its period', () => {
    const base = { v: 1, room: 'lab', author: ADMIN.publicKey, seq: 1, lamport: 1, sig: '0'.repeat(128) };
    expect(decodeEvent({ ...base, kind: 'faults', body: { rules: [rule({ drop: 150 })], epoch: 1 } })).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeEvent({ ...base, kind: 'faults', body: { rules: [rule({ a: 'bob' })], epoch: 1 } })).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeEvent({ ...base, kind: 'churn', body: { on: true, periodMs: 2000, downMs: 2000, exempt: [], epoch: 1 } })).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeEvent({ ...base, kind: 'churn', body: { on: true, periodMs: 3000, downMs: 1500, exempt: [], epoch: 1 } })).toMatchObject({ ok: true });
  });
});

describe('the churn generator (`churn` control event)', () => {
  it('gives every peer the same plan (seeded by the event id); stopping it gives null', () => {
    const { room, peers } = roomWithRogue(53);
    room.net.input('p0', { type: 'setChurn', on: true, periodMs: 3000, downMs: 1500, exempt: [peers()[0]!.id], admin });
    room.net.runFor(500);
    const plans = peers().map((node) => node.churn);
    expect(plans[0]).toMatchObject({ periodMs: 3000, downMs: 1500, exempt: [peers()[0]!.id] });
    for (const plan of plans) expect(plan).toEqual(plans[0]);
    room.net.input('p1', { type: 'setChurn', on: false, periodMs: 3000, downMs: 1500, exempt: [], admin });
    room.net.runFor(500);
    for (const node of peers()) expect(node.churn).toBeNull();
  });

  it('anti-entropy still converges the room under 30 % drop and duplication on every link', () => {
    const room = makeRoom(4, 54, { loss: 0.3, duplicate: 0.2, latencyMs: 5, jitterMs: 20 });
    for (const peer of room.peers) for (let i = 0; i < 5; i++) room.write(peer, `lossy ${peer}`);
    expect(room.net.runUntil(() => room.converged() && room.net.nodes.get('p0')!.store.size >= 20, 30_000)).toBe(true);
  });
});
