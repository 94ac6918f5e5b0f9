import { describe, expect, it } from 'vitest';
import { PeerlabNode, seededRng } from '../src/index.ts';
import { ADMIN, heldExceptAdmissions, keyPairFor, makeRoom, nodeSigner } from './helpers.ts';

const CALM = { loss: 0, duplicate: 0, latencyMs: 5, jitterMs: 5 };
const admin = nodeSigner(ADMIN);

function setService(room: ReturnType<typeof makeRoom>, running: boolean) {
  room.net.input('p0', { type: 'setService', running, admin });
}

describe('the server’s service, stopped and restored by the admin', () => {
  it('client-server: writes queue as pending while stopped and flush in order when restored', () => {
    const room = makeRoom(3, 31, CALM);
    room.switchMode('p0', 'client-server');
    room.net.runFor(1_000);
    setService(room, false);
    room.net.runFor(500);
    const server = room.net.nodes.get('server')!;
    for (const peer of room.peers) expect(room.net.nodes.get(peer)!.serviceRunning).toBe(false);
    const before = heldExceptAdmissions(server);
    for (let i = 0; i < 5; i++) room.write('p1', `queued ${i}`);
    room.net.runFor(3_000);
    expect(heldExceptAdmissions(server)).toBe(before);
    expect(room.net.nodes.get('p1')!.pendingCount).toBe(5);
    expect(heldExceptAdmissions(room.net.nodes.get('p2')!)).toBe(before); // no peer-to-peer path in client-server
    setService(room, true);
    expect(room.net.runUntil(() => room.net.nodes.get('p1')!.pendingCount === 0 && room.converged() && heldExceptAdmissions(server) === before + 6, 10_000)).toBe(true);
    const queued = [...server.store.events()].filter((s) => s.event.author === room.net.nodes.get('p1')!.id).sort((a, b) => server.ackPositionOf(a.id)! - server.ackPositionOf(b.id)!);
    expect(queued.map((s) => s.event.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('p2p: the mesh keeps working while the server is stopped', () => {
    const room = makeRoom(3, 32, CALM);
    setService(room, false);
    for (const peer of room.peers) room.write(peer, 'while stopped');
    expect(room.net.runUntil(() => room.converged() && heldExceptAdmissions(room.net.nodes.get('p2')!) === 4, 10_000)).toBe(true);
  });

  it('hybrid: data keeps flowing, strict operations wait for the restored authority', () => {
    const room = makeRoom(3, 33, CALM);
    room.switchMode('p0', 'hybrid');
    room.net.runFor(1_000);
    setService(room, false);
    room.net.runFor(500);
    room.net.input('p1', { type: 'write', kind: 'transfer', body: { from: 'fund', to: 'alice', amount: 5, memo: 'waits' } });
    room.write('p2', 'flows');
    room.net.runFor(3_000);
    const view = room.net.nodes.get('p0')!.ledger();
    expect(view.entries.map((e) => e.status)).toEqual(['pending']);
    expect(heldExceptAdmissions(room.net.nodes.get('p0')!)).toBe(4); // mode, service, transfer, chat
    setService(room, true);
    expect(room.net.runUntil(() => room.peers.every((p) => room.net.nodes.get(p)!.ledger().entries[0]?.status === 'confirmed'), 10_000)).toBe(true);
  });

  it('only the admin can stop the service', () => {
    const node = new PeerlabNode({ room: 'lab', role: 'peer', signer: nodeSigner(keyPairFor('x')), rng: seededRng(1), admin: ADMIN.publicKey });
    const outputs = node.handle({ type: 'setService', running: false, admin: nodeSigner(keyPairFor('x')) }, 0);
    expect(outputs).toContainEqual(expect.objectContaining({ type: 'rejected' }));
    expect(node.serviceRunning).toBe(true);
  });
});

describe('admission (hybrid)', () => {
  it('peers refuse data from a key the server never admitted, and accept it once admitted', () => {
    const room = makeRoom(3, 34, CALM);
    room.switchMode('p0', 'hybrid');
    room.net.runFor(1_000);
    // A sybil joins the mesh directly, never through the server.
    const sybil = new PeerlabNode({ room: 'lab', role: 'peer', signer: nodeSigner(keyPairFor('sybil')), rng: seededRng(9), admin: ADMIN.publicKey, server: keyPairFor('server').publicKey });
    room.net.add('sybil', sybil);
    room.net.connect('sybil', 'direct', 'p1', 'direct');
    room.net.runFor(1_000);
    room.net.input('sybil', { type: 'write', kind: 'chat', body: { text: 'spam', name: 'sybil' } });
    room.net.runFor(3_000);
    expect(room.net.nodes.get('p1')!.stats().rejections.not_admitted).toBeGreaterThan(0);
    expect([...room.net.nodes.get('p2')!.store.events()].some((s) => s.event.author === sybil.id)).toBe(false);
    // The server admits it (as on a real join): its data is now welcome.
    room.net.input('server', { type: 'admit', peer: sybil.id });
    room.net.connect('sybil', 'server', 'server', 'client');
    expect(room.net.runUntil(() => [...room.net.nodes.get('p2')!.store.events()].some((s) => s.event.author === sybil.id && s.event.kind === 'chat'), 10_000)).toBe(true);
  });
});

describe('restored history', () => {
  it('control events restored before the admin and server keys are known take effect once they are', () => {
    const room = makeRoom(2, 35, CALM);
    room.switchMode('p0', 'hybrid');
    room.net.input('p0', { type: 'setService', running: false, admin });
    room.net.runFor(1_000);
    const history = [...room.net.nodes.get('p1')!.store.events()].map((stored) => ({ event: stored.event }));
    // A returning peer restores its kept events before it has joined (no admin or server key yet).
    const returning = new PeerlabNode({ room: 'lab', role: 'peer', signer: nodeSigner(keyPairFor('p1')), rng: seededRng(5) });
    returning.handle({ type: 'restore', events: history }, 0);
    expect(returning.mode).toBe('p2p');
    returning.handle({ type: 'setAdmin', admin: ADMIN.publicKey }, 0);
    returning.handle({ type: 'setServer', server: keyPairFor('server').publicKey }, 0);
    expect(returning.mode).toBe('hybrid');
    expect(returning.serviceRunning).toBe(false);
    expect(returning.isAdmitted(room.net.nodes.get('p0')!.id)).toBe(true);
  });
});
