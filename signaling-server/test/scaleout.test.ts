/**
 * Scale-out: a real redis-server and two real server processes sharing it (and one SQLite file).
 * Peers on both processes write into one client-server room and converge on one order; then the
 * process that owns the room is killed with SIGKILL while everyone keeps writing. Its peers fail over
 * to the other process, which takes the room over once the lease lapses, and in the end every event
 * is stored exactly once, in one gapless order, and every peer and the server agree.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@peerlab/shared';
import type { RoomInfo } from '../src/http.ts';
import { freePort, getJsonAt, startRedis, startServerProcess, type ChildProcessHandle, type ServerProcess } from './childProcesses.ts';
import { metricValue, tempEnv, waitFor } from './helpers.ts';
import { ReconnectingPeer } from './reconnectingPeer.ts';

const ROOM = 'scale';
/** Short leases keep the failover quick in the test (production default: 3 s). */
const LEASE_MS = 1500;
const BEFORE = 30;
const DURING = 60;

const env = tempEnv();
const peers: ReconnectingPeer[] = [];
const children: ChildProcessHandle[] = [];

afterAll(async () => {
  for (const peer of peers) peer.close();
  await Promise.all(children.map((child) => child.kill()));
  env.cleanup();
});

interface Health {
  process: string;
  redis: boolean;
  ownedRooms: number;
}

async function health(server: ServerProcess): Promise<Health> {
  return (await getJsonAt<Health>(server.url, '/healthz')).body;
}

async function info(server: ServerProcess): Promise<RoomInfo | undefined> {
  const { status, body } = await getJsonAt<RoomInfo>(server.url, `/api/rooms/${ROOM}`);
  return status === 200 ? body : undefined;
}

function converged(total: number): boolean {
  const digest = peers[0]!.node.store.digest();
  return peers.every((peer) => peer.joined && peer.node.pendingCount === 0 && peer.node.store.size === total && peer.node.store.digest() === digest);
}

describe('scale-out with Redis', () => {
  it('shares a room across two processes and survives losing the owner', { timeout: 60_000 }, async () => {
    const redisPort = await freePort();
    children.push(await startRedis(redisPort));
    const env2 = { REDIS_URL: `redis://127.0.0.1:${redisPort}`, PEERLAB_LEASE_MS: String(LEASE_MS) };
    const [portA, portB] = [await freePort(), await freePort()];
    const [a, b] = await Promise.all([
      startServerProcess({ port: portA, dbFile: env.dbFile, clientDist: env.clientDist, env: env2 }),
      startServerProcess({ port: portB, dbFile: env.dbFile, clientDist: env.clientDist, env: env2 }),
    ]);
    children.push(a, b);
    const [healthA, healthB] = [await health(a), await health(b)];
    expect(healthA.redis && healthB.redis).toBe(true);
    expect(healthA.process).not.toBe(healthB.process);

    // Alice (the admin) and Bob start on A, Carol and Dave on B; each knows both URLs.
    const urls = [a.url, b.url];
    const adminKeys = generateKeyPair();
    peers.push(new ReconnectingPeer(urls, ROOM, 'alice', adminKeys, 0));
    await waitFor(() => peers[0]!.joined, 'alice joined', 10_000);
    peers.push(new ReconnectingPeer(urls, ROOM, 'bob', generateKeyPair(), 0));
    peers.push(new ReconnectingPeer(urls, ROOM, 'carol', generateKeyPair(), 1));
    peers.push(new ReconnectingPeer(urls, ROOM, 'dave', generateKeyPair(), 1));
    await waitFor(() => peers.every((peer) => peer.joined), 'all joined', 10_000);
    expect(peers.map((peer) => peer.joins[0])).toEqual([0, 0, 1, 1]);

    // One room, one owner, whichever process is asked; the members span both processes.
    const seenFromB = await info(b);
    expect(seenFromB?.owner).toBe(healthA.process);
    await waitFor(async () => (await info(a))?.members.length === 4, 'four members room-wide', 10_000);
    const metricsA = await (await fetch(new URL('/metrics', a.url))).text();
    const metricsB = await (await fetch(new URL('/metrics', b.url))).text();
    expect([metricValue(metricsA, 'peerlab_rooms_owned'), metricValue(metricsB, 'peerlab_rooms_owned')]).toEqual([1, 0]);

    // Signaling crosses processes too: Carol (on B) reaches Alice (on A) through the owner.
    const [alice, , carol] = peers as [ReconnectingPeer, ReconnectingPeer, ReconnectingPeer];
    carol.socket!.emit('signal', { to: alice.keys.publicKey, data: '{"type":"offer"}' });
    await waitFor(() => alice.signals.some((s) => s.from === carol.keys.publicKey), 'signal from B to A');

    peers[0]!.switchMode('client-server');
    await waitFor(() => peers.every((peer) => peer.node.mode === 'client-server'), 'everyone in client-server', 10_000);
    for (let i = 0; i < BEFORE; i++) for (const peer of peers) peer.write(`${peer.name} ${i}`);
    // The mode event, the writes, and one membership certificate per peer.
    await waitFor(() => converged(1 + peers.length * BEFORE + peers.length), 'converged across processes', 20_000);

    // Everyone keeps writing while the owner is killed.
    let rounds = 0;
    const stream = (async () => {
      for (; rounds < DURING; rounds++) {
        for (const peer of peers) peer.write(`${peer.name} during ${rounds}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await waitFor(() => rounds >= 10, 'stream under way');
    const killedAt = Date.now();
    await a.kill();
    const roundsAtKill = rounds;
    expect(roundsAtKill, 'killed mid-stream').toBeLessThan(DURING);

    await waitFor(async () => (await info(b))?.owner === healthB.process, 'B took over the room', 15_000);
    const tookOverMs = Date.now() - killedAt;
    await waitFor(() => peers.slice(0, 2).every((peer) => peer.joins.at(-1) === 1 && peer.joined), "A's peers failed over to B", 15_000);
    await stream;
    const total = 1 + peers.length * (BEFORE + DURING) + peers.length;
    await waitFor(() => converged(total), 'converged after failover', 20_000);
    const convergedMs = Date.now() - killedAt;

    const final = await info(b);
    expect(final).toMatchObject({ owner: healthB.process, eventCount: total, lastOrder: total, digest: peers[0]!.node.store.digest() });
    expect(final?.members).toHaveLength(4);

    const db = new Database(env.dbFile, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT author, seq, ord FROM events WHERE room = ? ORDER BY ord').all(ROOM) as { author: string; seq: number; ord: number }[];
      expect(rows).toHaveLength(total);
      expect(new Set(rows.map((row) => `${row.author}:${row.seq}`)).size).toBe(total);
      expect(rows.map((row) => row.ord)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    } finally {
      db.close();
    }
    console.log(
      `[scaleout] lease ${LEASE_MS} ms: B owned the room ${tookOverMs} ms after the kill, all ${peers.length} peers converged on ` +
        `${total} events ${convergedMs} ms after it; killed at round ${roundsAtKill} of ${DURING}`,
    );
  });
});
