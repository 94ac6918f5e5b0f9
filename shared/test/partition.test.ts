import { describe, expect, it } from 'vitest';
import { heldExceptAdmissions, ADMIN, makeRoom, nodeSigner } from './helpers.ts';

const CALM = { loss: 0, duplicate: 0, latencyMs: 5, jitterMs: 5 };

function partitionedRoom(seed: number) {
  const room = makeRoom(4, seed, CALM);
  room.net.autoOverlay = true;
  room.net.announceRoster();
  room.net.runFor(1_000);
  const key = (name: string) => room.net.nodes.get(name)!.id;
  const split = () => room.net.input('p0', { type: 'partition', groups: [[key('p0'), key('p1')], [key('p2'), key('p3')]], admin: nodeSigner(ADMIN) });
  const heal = () => room.net.input('p0', { type: 'partition', groups: null, admin: nodeSigner(ADMIN) });
  return { room, split, heal };
}

describe('the admin partitions the room and heals it', () => {
  it('p2p: links across the split are cut and stay cut; each side converges alone; the heal re-joins them', () => {
    const { room, split, heal } = partitionedRoom(41);
    split();
    room.net.runFor(3_000);
    expect(room.net.connected('p0', 'p2')).toBe(false);
    expect(room.net.connected('p1', 'p3')).toBe(false);
    expect(room.net.connected('p0', 'p1')).toBe(true);
    room.write('p0', 'left side');
    room.write('p3', 'right side');
    room.net.runFor(5_000);
    expect(room.converged(['p0', 'p1'])).toBe(true);
    expect(room.converged(['p2', 'p3'])).toBe(true);
    expect(room.converged()).toBe(false);
    // The overlay does not try to link across while the split holds.
    expect(room.net.connected('p0', 'p3')).toBe(false);
    heal();
    expect(room.net.runUntil(() => room.converged() && heldExceptAdmissions(room.net.nodes.get('p2')!) === 4, 20_000)).toBe(true);
  });

  it('p2p: a double spend across the split becomes the same conflict everywhere after the heal', () => {
    const { room, split, heal } = partitionedRoom(42);
    split();
    room.net.runFor(1_000);
    room.net.input('p1', { type: 'write', kind: 'transfer', body: { from: 'fund', to: 'alice', amount: 80, memo: 'left' } });
    room.net.input('p2', { type: 'write', kind: 'transfer', body: { from: 'fund', to: 'bob', amount: 80, memo: 'right' } });
    room.net.runFor(3_000);
    expect(room.net.nodes.get('p0')!.ledger().entries.map((e) => e.status)).toEqual(['tentative']);
    heal();
    expect(room.net.runUntil(() => room.converged() && room.peers.every((p) => room.net.nodes.get(p)!.ledger().entries.length === 2), 20_000)).toBe(true);
    const views = room.peers.map((p) => room.net.nodes.get(p)!.ledger().entries.map((e) => `${e.memo}:${e.status}`));
    for (const view of views) expect(view).toEqual(views[0]);
    expect(views[0]!.filter((entry) => entry.endsWith(':conflict'))).toHaveLength(1);
  });

  it('only the admin can partition, and the server knows the groups (to refuse relaying across them)', () => {
    const { room, split } = partitionedRoom(43);
    const refused = room.net.input('p1', { type: 'partition', groups: null, admin: nodeSigner(ADMIN).publicKey === room.net.nodes.get('p1')!.id ? nodeSigner(ADMIN) : { publicKey: room.net.nodes.get('p1')!.id, sign: () => new Uint8Array(64) } });
    expect(refused).toContainEqual(expect.objectContaining({ type: 'rejected' }));
    split();
    room.net.runFor(500);
    const server = room.net.nodes.get('server')!;
    expect(server.partitionedBetween(room.net.nodes.get('p0')!.id, room.net.nodes.get('p3')!.id)).toBe(true);
    expect(server.partitionedBetween(room.net.nodes.get('p2')!.id, room.net.nodes.get('p3')!.id)).toBe(false);
  });

  it('a malformed control write is refused at the writer too, so it cannot hold what no one else accepts', () => {
    const { room } = partitionedRoom(44);
    const before = room.net.nodes.get('p0')!.store.size;
    const outputs = room.net.input('p0', { type: 'partition', groups: [['not-a-key'], ['nor-this']], admin: nodeSigner(ADMIN) });
    expect(outputs).toContainEqual(expect.objectContaining({ type: 'rejected', rejection: expect.objectContaining({ reason: 'schema', fault: 'local' }) }));
    expect(room.net.nodes.get('p0')!.store.size).toBe(before);
    expect(room.net.nodes.get('p0')!.partition).toBeNull();
  });
});
