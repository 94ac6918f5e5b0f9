import { describe, expect, it } from 'vitest';
import { INITIAL_BALANCE, type Mode, type TransferBody } from '../src/index.ts';
import { heldExceptAdmissions, makeRoom } from './helpers.ts';

const CALM = { loss: 0, duplicate: 0, latencyMs: 5, jitterMs: 5 };

function transfer(room: ReturnType<typeof makeRoom>, peer: string, body: TransferBody) {
  return room.net.input(peer, { type: 'write', kind: 'transfer', body });
}

function statuses(room: ReturnType<typeof makeRoom>, peer: string) {
  return room.net.nodes.get(peer)!.ledger().entries.map((entry) => `${entry.memo}:${entry.status}`);
}

describe('ledger: strict operations', () => {
  for (const mode of ['client-server', 'hybrid'] as Mode[]) {
    it(`${mode}: the server serializes two spends of one account and refuses the overdraft with a signed stamp`, () => {
      const room = makeRoom(3, 21, CALM);
      room.switchMode('p0', mode);
      room.net.runFor(1_000);
      // Two cash machines on one account, at the same moment: each would pass a local check.
      transfer(room, 'p1', { from: 'fund', to: 'alice', amount: 70, memo: 'a' });
      transfer(room, 'p2', { from: 'fund', to: 'bob', amount: 70, memo: 'b' });
      expect(room.net.runUntil(() => room.converged() && room.peers.every((p) => room.net.nodes.get(p)!.ledger().entries.every((e) => e.status === 'confirmed' || e.status === 'refused')), 10_000)).toBe(true);
      const ledger = room.net.nodes.get('p0')!.ledger();
      expect(ledger.entries.map((e) => e.status).sort()).toEqual(['confirmed', 'refused']);
      expect(ledger.entries.find((e) => e.status === 'refused')?.reason).toMatch(/overdraft: fund holds 30, transfer 70/);
      expect(ledger.balances.get('fund')).toBe(30);
      expect(ledger.entries.map((e) => e.position)).toEqual([1, 2]); // ranks in the authority's order
      for (const peer of room.peers) expect(statuses(room, peer)).toEqual(statuses(room, 'p0'));
    });
  }

  it('p2p: both sides of a partition spend the same balance; after the heal every peer shows the same conflict', () => {
    const room = makeRoom(4, 22, CALM);
    room.net.runFor(1_000);
    room.net.partition([['p0', 'p1'], ['p2', 'p3', 'server']]);
    transfer(room, 'p0', { from: 'fund', to: 'alice', amount: 80, memo: 'left' });
    transfer(room, 'p2', { from: 'fund', to: 'bob', amount: 80, memo: 'right' });
    room.net.runFor(3_000);
    expect(statuses(room, 'p1')).toEqual(['left:tentative']);
    expect(statuses(room, 'p3')).toEqual(['right:tentative']);
    room.net.heal();
    expect(room.net.runUntil(() => room.converged() && heldExceptAdmissions(room.net.nodes.get('p0')!) === 2, 20_000)).toBe(true);
    const views = room.peers.map((p) => statuses(room, p));
    for (const view of views) expect(view).toEqual(views[0]);
    expect(views[0]!.filter((s) => s.endsWith(':conflict'))).toHaveLength(1);
    expect(room.net.nodes.get('p3')!.ledger().balances.get('fund')).toBe(INITIAL_BALANCE - 80);
  });

  it('p2p: a peer refuses locally to spend what it sees spent', () => {
    const room = makeRoom(2, 23, CALM);
    transfer(room, 'p0', { from: 'fund', to: 'alice', amount: 80 });
    const outputs = transfer(room, 'p0', { from: 'fund', to: 'bob', amount: 80 });
    expect(outputs).toContainEqual(expect.objectContaining({ type: 'rejected', rejection: expect.objectContaining({ reason: 'overdraft' }) }));
    expect(room.net.nodes.get('p0')!.ledger().entries).toHaveLength(1);
  });

  it('hybrid outage: transfers wait (pending) while chat keeps flowing, and are stamped when the server returns', () => {
    const room = makeRoom(3, 24, CALM);
    room.switchMode('p0', 'hybrid');
    room.net.runFor(1_000);
    for (const peer of room.peers) room.net.disconnect(peer, 'server');
    transfer(room, 'p1', { from: 'fund', to: 'alice', amount: 10, memo: 'during outage' });
    room.write('p2', 'chat during outage');
    room.net.runFor(3_000);
    expect(heldExceptAdmissions(room.net.nodes.get('p0')!)).toBe(3); // mode, transfer, chat: data flowed peer to peer
    expect(statuses(room, 'p0')).toEqual(['during outage:pending']);
    for (const peer of room.peers) room.net.connect(peer, 'server', 'server', 'client');
    expect(room.net.runUntil(() => room.peers.every((p) => statuses(room, p)[0] === 'during outage:confirmed'), 10_000)).toBe(true);
  });

  it('switching from p2p to client-server: the authority stamps the tentative history in merge order', () => {
    const room = makeRoom(3, 25, CALM);
    room.net.partition([['p0', 'server'], ['p1', 'p2']]);
    transfer(room, 'p0', { from: 'fund', to: 'alice', amount: 60, memo: 'x' });
    transfer(room, 'p1', { from: 'fund', to: 'bob', amount: 60, memo: 'y' });
    room.net.runFor(2_000);
    room.net.heal();
    room.switchMode('p0', 'client-server');
    const server = room.net.nodes.get('server')!;
    expect(room.net.runUntil(() => room.converged() && heldExceptAdmissions(server) === heldExceptAdmissions(room.net.nodes.get('p0')!) && statuses(room, 'p2').every((s) => /confirmed|refused/.test(s)), 20_000)).toBe(true);
    expect(statuses(room, 'p2').map((s) => s.split(':')[1]).sort()).toEqual(['confirmed', 'refused']);
    expect(server.ledger().balances.get('fund')).toBe(40);
  });

  it('rejects a stamp not signed by the room server', () => {
    const room = makeRoom(2, 26, CALM);
    room.net.input('p0', { type: 'write', kind: 'stamp', body: { transfer: '0'.repeat(32), ok: true } });
    room.net.runFor(2_000);
    expect(room.net.nodes.get('p1')!.stats().rejections.not_authority).toBeGreaterThan(0);
  });
});
