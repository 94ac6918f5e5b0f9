import { describe, expect, it } from 'vitest';
import { PERFECT_LINKS } from '../src/net/memoryNetwork.ts';
import { asNewest, equivocation, eventsMessage, forge, FORGED_MARK, halves, pickReplayTarget, pickTamperTarget, signedForRoom, tamper, TAMPERED_MARK, type Position } from '../src/attacks/craft.ts';
import { decodeMessage, type PeerlabNode, type RejectionReason, type SignedEvent } from '../src/index.ts';
import { ADMIN, keyPairFor, makeRoom, nodeSigner } from './helpers.ts';

/** Four meshed peers; p3 attacks. Messages are handed to victims as if p3 had sent them over its link. */
function attackRoom() {
  const room = makeRoom(4, 21, PERFECT_LINKS);
  room.net.runFor(100);
  room.write('p0', 'hello from p0');
  room.write('p1', 'hello from p1');
  room.net.runFor(100);
  const node = (name: string): PeerlabNode => room.net.nodes.get(name)!;
  const attacker = nodeSigner(keyPairFor('p3'));
  const at = (): Position => ({ room: 'lab', lamport: node('p3').store.maxLamport + 1 });
  const send = (to: string, events: readonly SignedEvent[]) => room.net.input(to, { type: 'message', link: 'p3', data: eventsMessage(events) });
  const rejections = (name: string, reason: RejectionReason) => node(name).stats().rejections[reason];
  const honest = ['p0', 'p1', 'p2'];
  const chatTexts = (name: string) => [...node(name).store.events()].filter((s) => s.event.kind === 'chat').map((s) => (s.event.body as { text: string }).text);
  return { room, node, attacker, at, send, rejections, honest, chatTexts };
}

describe('crafted attacks against real nodes', () => {
  it('forge: an event in another member’s name fails its signature everywhere and is never shown', () => {
    const { room, node, attacker, at, send, rejections, honest, chatTexts } = attackRoom();
    const victim = node('p0').id;
    const forged = forge(at(), victim, node('p3').store.highestSeq(victim) + 1, 'p0 owes everyone', attacker);
    expect(decodeMessage(eventsMessage([forged])).ok).toBe(true); // well-formed: the signature check is what stops it
    for (const name of honest) send(name, [forged]);
    room.net.runFor(100);
    for (const name of honest) {
      expect(rejections(name, 'bad_signature')).toBe(1);
      expect(chatTexts(name).some((text) => text.includes(FORGED_MARK))).toBe(false);
    }
    expect(room.converged(honest)).toBe(true);
  });

  it('tamper: a held event with a changed body under its signature is refused, not taken for a duplicate', () => {
    const { room, node, send, rejections, honest, chatTexts } = attackRoom();
    const target = pickTamperTarget([...node('p3').store.events()].map((s) => s.event), node('p3').id)!;
    expect(target.author).not.toBe(node('p3').id);
    const tampered = tamper(target)!;
    const digests = room.digests();
    for (const name of honest) send(name, [tampered]);
    room.net.runFor(100);
    for (const name of honest) {
      expect(node(name).store.canonicalAt(target.author, target.seq)?.event.body).toEqual(target.body); // the original stays
      expect(rejections(name, 'bad_signature')).toBe(1);
      expect(chatTexts(name).some((text) => text.includes(TAMPERED_MARK))).toBe(false);
    }
    expect(room.digests()).toEqual(digests);
  });

  it('replay: an exact copy is ignored as a duplicate; an old mode switch moved to the top is bad_epoch; another room’s event is wrong_room', () => {
    const { room, node, attacker, at, send, rejections, honest } = attackRoom();
    room.switchMode('p0', 'hybrid');
    room.net.runFor(200);
    room.switchMode('p0', 'p2p');
    room.net.runFor(200);
    const digests = room.digests();
    const held = [...node('p3').store.events()].map((s) => s.event);
    const oldSwitch = pickReplayTarget(held, ADMIN.publicKey)!;
    expect(oldSwitch).toMatchObject({ kind: 'mode', seq: 1, body: { mode: 'hybrid', epoch: 1 } });

    const duplicatesBefore = honest.map((name) => node(name).stats().duplicates);
    for (const name of honest) send(name, [oldSwitch]);
    room.net.runFor(100);
    honest.forEach((name, i) => {
      expect(node(name).stats().duplicates).toBe(duplicatesBefore[i]! + 1);
      expect(Object.values(node(name).stats().rejections).reduce((a, b) => a + b, 0)).toBe(0);
    });

    const promoted = asNewest(oldSwitch, node('p3').store.highestSeq(ADMIN.publicKey));
    for (const name of honest) send(name, [promoted]);
    const crossRoom = signedForRoom('another-room', at(), 1, 'signed for another room', attacker);
    for (const name of honest) send(name, [crossRoom]);
    room.net.runFor(100);
    for (const name of honest) {
      expect(rejections(name, 'bad_epoch')).toBe(1);
      expect(rejections(name, 'wrong_room')).toBe(1);
      expect(node(name).mode).toBe('p2p');
    }
    expect(room.digests()).toEqual(digests);
  });

  it('equivocate: two events for one seq, one to each half; every peer ends with the proof and the same state', () => {
    const { room, node, attacker, at, send, honest } = attackRoom();
    const seq = Math.max(node('p3').lastSeq, node('p3').store.highestSeq(attacker.publicKey)) + 1;
    const [a, b] = equivocation(at(), seq, ['I pay Alice', 'I pay Bob'], attacker, 'p3');
    const [left, right] = halves(honest);
    for (const name of left) send(name, [a]);
    for (const name of right) send(name, [b]);
    room.net.runFor(2_000); // push and anti-entropy bring each side the other event
    for (const name of honest) {
      expect(node(name).store.equivocations).toEqual([expect.objectContaining({ author: attacker.publicKey, seq })]);
    }
    expect(honest.reduce((sum, name) => sum + node(name).stats().rejections.equivocation, 0)).toBeGreaterThanOrEqual(honest.length);
    expect(room.converged(honest)).toBe(true);
  });
});

describe('crafting helpers', () => {
  const key = (label: string) => keyPairFor(label).publicKey;
  const event = (author: string, lamport: number, kind: string, body: unknown): SignedEvent => ({ v: 1, room: 'lab', author, seq: lamport, lamport, kind, body, sig: 'ab'.repeat(64) });

  it('tamper changes the body and keeps everything else, for the kinds it can alter', () => {
    const chat = event(key('a'), 3, 'chat', { text: 'hi', name: 'a' });
    expect(tamper(chat)).toEqual({ ...chat, body: { text: `${TAMPERED_MARK}: hi`, name: 'a' } });
    expect(tamper(event(key('a'), 3, 'transfer', { from: 'x', to: 'y', amount: 5 }))?.body).toEqual({ from: 'x', to: 'y', amount: 6 });
    expect(tamper(event(key('a'), 3, 'mode', { mode: 'p2p', epoch: 3 }))).toBeUndefined();
  });

  it('picks the newest event by someone else to tamper with, and the admin’s oldest control event to replay', () => {
    const self = key('me');
    const events = [event(key('a'), 2, 'chat', { text: 'old', name: 'a' }), event(key('b'), 5, 'chat', { text: 'new', name: 'b' }), event(self, 9, 'chat', { text: 'mine', name: 'me' }), event(key('a'), 7, 'pixel', {})];
    expect(pickTamperTarget(events, self)?.lamport).toBe(5);
    expect(pickTamperTarget([events[2]!], self)?.author).toBe(self);
    expect(pickTamperTarget([], self)).toBeUndefined();
    const admin = key('admin');
    const control = [event(admin, 4, 'mode', { mode: 'p2p', epoch: 4 }), event(admin, 2, 'mode', { mode: 'hybrid', epoch: 2 }), event(key('a'), 1, 'mode', { mode: 'hybrid', epoch: 1 })];
    expect(pickReplayTarget(control, admin)?.seq).toBe(2);
    expect(pickReplayTarget(control, undefined)).toBeUndefined();
  });

  it('halves alternate, so each side of an equivocation reaches someone', () => {
    expect(halves(['a', 'b', 'c', 'd', 'e'])).toEqual([['a', 'c', 'e'], ['b', 'd']]);
    expect(halves(['a'])).toEqual([['a'], []]);
  });
});
