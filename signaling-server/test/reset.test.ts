import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair, resetSigningBytes, toHex, tweetnaclSigner, type KeyPair, type RoomReset } from '@peerlab/shared';
import type { PeerlabServer } from '../src/server.ts';
import { eventsExceptAdmissions, metricValue, metricsText, roomInfo, startServer, tempEnv, TestPeer, waitFor, waitForServerMode, type TestEnv } from './helpers.ts';

let env: TestEnv;
let server: PeerlabServer;
const peers: TestPeer[] = [];

async function peer(room: string, name: string, adminKeys: KeyPair = generateKeyPair(), generation = 0): Promise<TestPeer> {
  const p = await TestPeer.joined(server, room, name, adminKeys, generateKeyPair(), generation);
  peers.push(p);
  return p;
}

function resetSignature(keys: KeyPair, room: string, generation: number): string {
  return toHex(tweetnaclSigner(keys).sign(resetSigningBytes(room, generation)));
}

/** Resets announced to a peer's socket. */
function resetsOf(p: TestPeer): RoomReset[] {
  const seen: RoomReset[] = [];
  p.socket.on('reset', (notice) => seen.push(notice));
  return seen;
}

function storedEvents(room: string): number {
  const reader = new Database(env.dbFile, { readonly: true });
  try {
    return (reader.prepare('SELECT COUNT(*) AS n FROM events WHERE room = ?').get(room) as { n: number }).n;
  } finally {
    reader.close();
  }
}

async function refusal(p: TestPeer, reason: string): Promise<void> {
  await waitFor(() => p.refusals.some((r) => r.reason === reason), `${p.name} refused with ${reason}`);
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

describe('reset the room', () => {
  it('the admin’s reset empties the room for everyone, persists across a restart, and old events stay out', async () => {
    const adminKeys = generateKeyPair();
    const alice = await peer('reset', 'alice', adminKeys);
    const bob = await peer('reset', 'bob');
    alice.switchMode('client-server');
    await waitForServerMode(server, 'reset', 'client-server');
    for (const text of ['one', 'two', 'three']) alice.write(text);
    await waitFor(() => alice.node.pendingCount === 0, 'alice acked');
    await waitFor(() => bob.chatTexts().length === 3, 'bob has the chats');
    expect(eventsExceptAdmissions(await roomInfo(server, 'reset'))).toBe(4);
    const heard = [resetsOf(alice), resetsOf(bob)];

    alice.socket.emit('reset', { generation: 0, sig: resetSignature(adminKeys, 'reset', 0) });
    await waitFor(() => heard.every((notices) => notices.length === 1), 'every member hears of the reset');
    expect(heard.flat()).toEqual([{ generation: 1 }, { generation: 1 }]);
    const after = await roomInfo(server, 'reset');
    // Default mode, no events, the same admin, the members still listed.
    expect(after).toMatchObject({ generation: 1, mode: 'p2p', epoch: 0, eventCount: 0, lastOrder: 0, admin: adminKeys.publicKey });
    expect(after.members.map((m) => m.name).sort()).toEqual(['alice', 'bob']);
    expect(storedEvents('reset')).toBe(0);
    expect(metricValue(await metricsText(server), 'peerlab_room_resets_total')).toBe(1);

    // Replaying the same signature later names a generation that is over.
    alice.socket.emit('reset', { generation: 0, sig: resetSignature(adminKeys, 'reset', 0) });
    await refusal(alice, 'stale_generation');

    for (const p of peers.splice(0)) p.close();
    await server.close();
    server = await startServer(env);

    // After a restart the room is still empty and at generation 1.
    const carol = await peer('reset', 'carol', generateKeyPair(), 1);
    expect(carol.joinResponse).toMatchObject({ ok: true, created: false, admin: adminKeys.publicKey, generation: 1, mode: 'p2p', epoch: 0 });
    const restarted = await roomInfo(server, 'reset');
    expect(restarted).toMatchObject({ generation: 1, eventCount: 1 }); // carol's membership certificate only
    expect(eventsExceptAdmissions(restarted)).toBe(0);

    // A peer still on generation 0 (it was offline) offers its old events: refused as wrong_room, counted.
    const stale = await peer('reset', 'stale', generateKeyPair(), 0);
    stale.write('from before the reset');
    await refusal(stale, 'wrong_room');
    expect(metricValue(await metricsText(server), 'peerlab_rejections_total', { reason: 'wrong_room' })).toBeGreaterThanOrEqual(1);

    // Writing in the new generation works: the admin switches to client-server and a write is ordered from 1.
    const admin = await peer('reset', 'alice again', adminKeys, 1);
    admin.switchMode('client-server');
    await waitForServerMode(server, 'reset', 'client-server');
    const written = carol.write('after the reset');
    await waitFor(() => carol.node.pendingCount === 0, 'carol acked');
    expect(written.event.seq).toBe(1);
    const info = await roomInfo(server, 'reset');
    expect(info.accepted['client-server'].chat).toBe(1);
    expect(storedEvents('reset')).toBe(info.eventCount);
  });

  it('refuses a reset not signed by the admin key, for another generation, or malformed — and counts each', async () => {
    const adminKeys = generateKeyPair();
    const alice = await peer('guarded', 'alice', adminKeys);
    const mallory = await peer('guarded', 'mallory');
    alice.write('keep me');
    const heard = resetsOf(alice);

    // Mallory signs with her own key (she proposed it, but the room was created with Alice's).
    mallory.socket.emit('reset', { generation: 0, sig: resetSignature(mallory.adminKeys, 'guarded', 0) });
    await refusal(mallory, 'not_admin');
    // A signature over another room's bytes is no better.
    mallory.socket.emit('reset', { generation: 0, sig: resetSignature(adminKeys, 'other-room', 0) });
    await waitFor(() => mallory.refusals.filter((r) => r.reason === 'not_admin').length === 2, 'second not_admin');
    mallory.socket.emit('reset', { generation: 5, sig: resetSignature(adminKeys, 'guarded', 5) });
    await refusal(mallory, 'stale_generation');
    mallory.socket.emit('reset', { generation: 0, sig: 'zz' });
    mallory.socket.emit('reset', 'reset please' as never);
    await waitFor(() => mallory.refusals.filter((r) => r.reason === 'schema').length === 2, 'malformed resets refused');

    const metrics = await metricsText(server);
    expect(metricValue(metrics, 'peerlab_rejections_total', { reason: 'not_admin' })).toBe(2);
    expect(metricValue(metrics, 'peerlab_rejections_total', { reason: 'stale_generation' })).toBe(1);
    expect(metricValue(metrics, 'peerlab_room_resets_total')).toBe(0);
    const info = await roomInfo(server, 'guarded');
    expect(info.generation).toBe(0);
    expect(heard).toEqual([]);
    // The server still serves the room: a socket that never joined is refused, the room untouched.
    const outsider = new TestPeer(server, 'guarded', 'outsider');
    peers.push(outsider);
    outsider.socket.emit('reset', { generation: 0, sig: resetSignature(adminKeys, 'guarded', 0) });
    await refusal(outsider, 'not_joined');
    expect((await roomInfo(server, 'guarded')).generation).toBe(0);
  });
});
