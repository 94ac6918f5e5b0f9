import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair, tweetnaclSigner } from '@peerlab/shared';
import type { PeerlabServer } from '../src/server.ts';
import { eventsExceptAdmissions, heldExceptAdmissions, metricValue, metricsText, roomInfo, waitForServerMode, startServer, tempEnv, TestPeer, waitFor, type TestEnv } from './helpers.ts';

let env: TestEnv;
let server: PeerlabServer;
const peers: TestPeer[] = [];

async function peer(room: string, name: string, adminKeys = generateKeyPair(), keys = generateKeyPair()): Promise<TestPeer> {
  const p = await TestPeer.joined(server, room, name, adminKeys, keys);
  peers.push(p);
  return p;
}

beforeEach(async () => {
  env = tempEnv();
  server = await startServer(env);
});

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await server.close();
  env.cleanup();
});

describe('rooms and the central authority', () => {
  it('creates the room on first join with the joiner as admin', async () => {
    const adminKeys = generateKeyPair();
    const alice = await peer('lesson', 'alice', adminKeys);
    expect(alice.joinResponse).toMatchObject({ ok: true, created: true, admin: adminKeys.publicKey, server: server.serverKey, mode: 'p2p', epoch: 0 });
    const bob = await peer('lesson', 'bob');
    expect(bob.joinResponse).toMatchObject({ ok: true, created: false, admin: adminKeys.publicKey });
    await waitFor(() => alice.members.length === 2, 'alice sees two members');
    expect(alice.members.map((m) => m.name).sort()).toEqual(['alice', 'bob']);
    const info = await roomInfo(server, 'lesson');
    expect(info).toMatchObject({ room: 'lesson', mode: 'p2p', admin: adminKeys.publicKey, server: server.serverKey });
    expect(eventsExceptAdmissions(info)).toBe(0);
    expect(info.members).toHaveLength(2);
    bob.close();
    await waitFor(() => alice.members.length === 1, 'alice sees bob leave');
  });

  it('acks a client-server write only after it is in SQLite, and broadcasts it', async () => {
    const adminKeys = generateKeyPair();
    const alice = await peer('cs', 'alice', adminKeys);
    const bob = await peer('cs', 'bob');
    alice.switchMode('client-server');
    await waitFor(() => bob.node.mode === 'client-server', 'mode spread through the server');
    expect((await roomInfo(server, 'cs')).mode).toBe('client-server');

    const reader = new Database(env.dbFile, { readonly: true });
    try {
      const inDb = (id: string): boolean => reader.prepare('SELECT 1 FROM events WHERE room = ? AND id = ?').get('cs', id) !== undefined;
      const checks: boolean[] = [];
      let written: string | undefined;
      alice.afterMessage = () => {
        if (written !== undefined && alice.node.pendingCount === 0 && checks.length === 0) checks.push(inDb(written));
      };
      written = alice.write('hello class').id;
      expect(alice.node.pendingCount).toBe(1);
      await waitFor(() => checks.length > 0, 'alice acked');
      expect(checks).toEqual([true]);
      expect(alice.node.ackPositionOf(written)).toBeGreaterThan(0);
      await waitFor(() => bob.chatTexts().includes('hello class'), 'bob receives the chat');
    } finally {
      reader.close();
    }
    const info = await roomInfo(server, 'cs');
    expect(info.accepted['client-server'].chat).toBe(1);
    expect(info.accepted.p2p.mode).toBe(1);
    expect(eventsExceptAdmissions(info)).toBe(2);
    expect(info.lastOrder).toBe(info.eventCount); // one gapless order, certificates included
    expect(info.digest).toBe(alice.node.store.digest());
    const metrics = await metricsText(server);
    expect(metricValue(metrics, 'peerlab_events_accepted_total', { mode: 'client-server', kind: 'chat' })).toBe(1);
    expect(metricValue(metrics, 'peerlab_events_accepted_total', { mode: 'p2p', kind: 'mode' })).toBe(1);
  });

  it('rejects a mode switch not signed by the admin key and counts not_admin', async () => {
    const adminKeys = generateKeyPair();
    await peer('guarded', 'alice', adminKeys);
    // Mallory believes she is the admin: her node signs a mode event with her own key and sends it.
    const mallory = await peer('guarded', 'mallory');
    mallory.feed({ type: 'setAdmin', admin: mallory.adminKeys.publicKey });
    mallory.switchMode('client-server');
    await waitFor(() => mallory.refusals.some((r) => r.reason === 'not_admin'), 'mallory refused');
    // Mallory's node re-offers the event on anti-entropy, so it may be refused more than once.
    expect(metricValue(await metricsText(server), 'peerlab_rejections_total', { reason: 'not_admin' })).toBeGreaterThanOrEqual(1);
    const info = await roomInfo(server, 'guarded');
    expect(info.mode).toBe('p2p');
    expect(eventsExceptAdmissions(info)).toBe(0);
  });

  it('keeps chat off the server in p2p while the mode events reach it', async () => {
    const adminKeys = generateKeyPair();
    const alice = await peer('mesh', 'alice', adminKeys);
    const bob = await peer('mesh', 'bob');
    alice.switchMode('p2p');
    await waitFor(async () => (await roomInfo(server, 'mesh')).epoch === 1, 'mode event reached the server');
    alice.write('peer to peer only');
    bob.write('me too');
    // A barrier on the same connections: once this later mode event is accepted, the chats were seen or never sent.
    alice.switchMode('hybrid');
    await waitFor(() => bob.node.mode === 'hybrid', 'bob hears of hybrid via the server');
    const info = await roomInfo(server, 'mesh');
    expect(info.accepted.p2p.chat ?? 0).toBe(0);
    expect(info.accepted.p2p.mode).toBe(2);
    expect(eventsExceptAdmissions(info)).toBe(2);
    expect(bob.chatTexts()).toEqual(['me too']);
  });

  it('restores every acknowledged event after a restart on the same database', async () => {
    const adminKeys = generateKeyPair();
    const alice = await peer('durable', 'alice', adminKeys);
    alice.switchMode('client-server');
    await waitForServerMode(server, 'durable', 'client-server');
    const texts = Array.from({ length: 50 }, (_, i) => `message ${String(i).padStart(2, '0')}`);
    for (const text of texts) alice.write(text);
    await waitFor(() => alice.node.pendingCount === 0, 'all writes acked', 10_000);
    const before = await roomInfo(server, 'durable');
    expect(eventsExceptAdmissions(before)).toBe(51);

    alice.close();
    await server.close();
    server = await startServer(env);

    const carol = await peer('durable', 'carol');
    expect(carol.joinResponse).toMatchObject({ ok: true, created: false, admin: adminKeys.publicKey, mode: 'client-server', epoch: 1 });
    await waitFor(() => heldExceptAdmissions(carol.node) === 51, 'carol caught up');
    expect(carol.chatTexts()).toEqual(texts);
    // Carol also holds her own new certificate, which Alice (gone) never saw: compare with the server.
    await waitFor(async () => (await roomInfo(server, 'durable')).digest === carol.node.store.digest(), 'carol matches the server');
    const after = await roomInfo(server, 'durable');
    expect(after).toMatchObject({ mode: 'client-server', epoch: 1 });
    expect(eventsExceptAdmissions(after)).toBe(51);
    expect(after.lastOrder).toBe(after.eventCount);
    // Alice's certificate came in p2p; Carol's after the restart, in client-server.
    expect(after.accepted, JSON.stringify(before.accepted)).toEqual({ 'client-server': { chat: 50, admit: 1 }, p2p: { mode: 1, admit: 1 }, hybrid: {} });

    // The restored order continues: a new write gets order 52.
    const next = carol.write('after restart');
    await waitFor(() => carol.node.pendingCount === 0, 'carol acked');
    expect(carol.node.ackPositionOf(next.id)).toBe(after.lastOrder + 1); // the order continues where it stopped
  });

  it('a second connection with the same peer key replaces the first', async () => {
    const adminKeys = generateKeyPair();
    const keys = generateKeyPair();
    const first = await peer('twice', 'alice', adminKeys, keys);
    const second = await peer('twice', 'alice', adminKeys, keys);
    await waitFor(() => !first.socket.connected, 'first socket disconnected');
    expect(first.refusals.map((r) => r.reason)).toContain('replaced');
    expect((await roomInfo(server, 'twice')).members).toHaveLength(1);
    // The replacement still has a working link to the authority.
    second.switchMode('client-server');
    await waitForServerMode(server, 'twice', 'client-server');
    const written = second.write('still linked');
    await waitFor(() => second.node.ackPositionOf(written.id) !== undefined, 'second acked');
  });

  it('handles a burst of 1,000 writes from one page without rate limiting', async () => {
    const adminKeys = generateKeyPair();
    const alice = await peer('burst', 'alice', adminKeys);
    const bob = await peer('burst', 'bob');
    alice.switchMode('client-server');
    await waitForServerMode(server, 'burst', 'client-server');
    for (let i = 0; i < 1000; i++) alice.write(`burst ${i}`);
    await waitFor(() => alice.node.pendingCount === 0, 'burst acked', 20_000);
    await waitFor(() => heldExceptAdmissions(bob.node) === 1001, 'bob has the burst', 20_000);
    expect(alice.refusals).toEqual([]);
    const info = await roomInfo(server, 'burst');
    expect(eventsExceptAdmissions(info)).toBe(1001);
    expect(info.lastOrder).toBe(info.eventCount);
  });

  it('issues each member one membership certificate, signed by the server', async () => {
    const alice = await peer('certs', 'alice');
    const bob = await peer('certs', 'bob');
    await waitFor(() => alice.node.isAdmitted(alice.keys.publicKey) && alice.node.isAdmitted(bob.keys.publicKey), 'alice holds both certificates');
    bob.close();
    const again = await peer('certs', 'bob-again', generateKeyPair(), bob.keys);
    await waitFor(() => again.node.isAdmitted(again.keys.publicKey), 'the returning key is still admitted');
    const info = await roomInfo(server, 'certs');
    expect(info.accepted.p2p.admit).toBe(2); // once per key, not per connection
  });

  it('a room created with a passcode refuses joins without it', async () => {
    const creator = new TestPeer(server, 'locked', 'teacher');
    peers.push(creator);
    expect(await creator.join('open sesame')).toMatchObject({ ok: true, created: true });
    const intruder = new TestPeer(server, 'locked', 'intruder');
    peers.push(intruder);
    expect(await intruder.join()).toMatchObject({ ok: false, reason: 'bad_passcode' });
    expect(await intruder.join('guess')).toMatchObject({ ok: false, reason: 'bad_passcode' });
    const student = new TestPeer(server, 'locked', 'student');
    peers.push(student);
    expect(await student.join('open sesame')).toMatchObject({ ok: true, created: false });
    expect((await roomInfo(server, 'locked')).members.map((m) => m.name).sort()).toEqual(['student', 'teacher']);
    expect(metricValue(await metricsText(server), 'peerlab_rejections_total', { reason: 'bad_passcode' })).toBe(2);
  });

  it('while the admin has stopped the service, the server takes no data and carries no signals', async () => {
    const adminKeys = generateKeyPair();
    const alice = await peer('outage', 'alice', adminKeys);
    const bob = await peer('outage', 'bob');
    alice.switchMode('client-server');
    await waitForServerMode(server, 'outage', 'client-server');
    alice.setService(false);
    await waitFor(() => bob.node.serviceRunning === false, 'bob hears the service stopped');
    bob.write('while stopped');
    bob.socket.emit('signal', { to: alice.keys.publicKey, data: '{"type":"offer"}' });
    await waitFor(() => bob.refusals.some((r) => r.reason === 'service_stopped'), 'signal refused');
    expect(bob.node.pendingCount).toBe(1);
    expect((await roomInfo(server, 'outage')).accepted['client-server']?.chat ?? 0).toBe(0);
    alice.setService(true);
    await waitFor(() => bob.node.pendingCount === 0, 'the queued write is acknowledged after the restore');
    expect((await roomInfo(server, 'outage')).accepted['client-server']?.chat).toBe(1);
  });

  it('refuses signaling across the admin’s partition', async () => {
    const adminKeys = generateKeyPair();
    const alice = await peer('split', 'alice', adminKeys);
    const bob = await peer('split', 'bob');
    alice.feed({ type: 'partition', groups: [[alice.keys.publicKey], [bob.keys.publicKey]], admin: tweetnaclSigner(adminKeys) });
    await waitFor(() => bob.node.partitionedBetween(alice.keys.publicKey, bob.keys.publicKey), 'bob hears of the split');
    await waitFor(async () => (await roomInfo(server, 'split')).epoch >= 0 && server.rooms.get('split')?.authority.node.partition !== null, 'the server holds the split');
    bob.socket.emit('signal', { to: alice.keys.publicKey, data: '{"type":"offer"}' });
    await waitFor(() => bob.refusals.some((r) => r.reason === 'partitioned'), 'signal refused across the split');
  });
});
