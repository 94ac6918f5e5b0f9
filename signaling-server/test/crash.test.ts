/**
 * Acknowledged means committed: the real server process is killed with SIGKILL in the middle of a
 * stream of client-server writes, the SQLite file is checked for every acknowledged event, the server
 * is restarted on the same file and port, and the clients' engines re-send what it lacks: at the end
 * every written event is stored exactly once, in one gapless order, and every peer agrees.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '@peerlab/shared';
import { freePort, startServerProcess, type ServerProcess } from './childProcesses.ts';
import { tempEnv, waitFor } from './helpers.ts';
import { ReconnectingPeer } from './reconnectingPeer.ts';

const ROOM = 'crash';
/** Writes per peer; the kill comes once a third of all of them are acknowledged. */
const WRITES = 150;

const env = tempEnv();
const peers: ReconnectingPeer[] = [];
const servers: ServerProcess[] = [];

afterAll(async () => {
  for (const peer of peers) peer.close();
  await Promise.all(servers.map((server) => server.kill()));
  env.cleanup();
});

interface Row {
  author: string;
  seq: number;
  ord: number;
}

function readEvents(file: string): Row[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT author, seq, ord FROM events WHERE room = ? ORDER BY ord').all(ROOM) as Row[];
  } finally {
    db.close();
  }
}

describe('durability under SIGKILL', () => {
  it('keeps every acknowledged event and gets every unacknowledged one re-sent, once', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const start = async (): Promise<ServerProcess> => {
      const server = await startServerProcess({ port, dbFile: env.dbFile, clientDist: env.clientDist });
      servers.push(server);
      return server;
    };
    const first = await start();

    const adminKeys = generateKeyPair();
    // Alice first, so she creates the room and holds its admin key.
    peers.push(new ReconnectingPeer([first.url], ROOM, 'alice', adminKeys));
    await waitFor(() => peers[0]!.joined, 'alice joined', 10_000);
    for (const name of ['bob', 'carol']) peers.push(new ReconnectingPeer([first.url], ROOM, name, generateKeyPair()));
    await waitFor(() => peers.every((peer) => peer.joined), 'all peers joined', 10_000);
    peers[0]!.switchMode('client-server');
    await waitFor(() => peers.every((peer) => peer.node.mode === 'client-server' && peer.node.pendingCount === 0), 'room in client-server', 10_000);

    // The stream: one write per peer per round, paced so acks flow back while it runs.
    let rounds = 0;
    const stream = (async () => {
      for (; rounds < WRITES; rounds++) {
        for (const peer of peers) peer.write(`${peer.name} ${rounds}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const ackedTotal = (): number => peers.reduce((n, peer) => n + peer.acked.size, 0);
    await waitFor(() => ackedTotal() >= WRITES, 'a third of the stream acknowledged', 20_000);

    await first.kill();
    const roundsAtKill = rounds;
    const ackedAtKill = peers.map((peer) => new Set(peer.acked));
    const writtenAtKill = peers.map((peer) => peer.node.lastSeq);
    expect(roundsAtKill, 'killed mid-stream').toBeLessThan(WRITES);

    // Every acknowledged event is on disk.
    const atKill = readEvents(env.dbFile);
    const stored = new Set(atKill.map((row) => `${row.author}:${row.seq}`));
    peers.forEach((peer, i) => {
      for (const seq of ackedAtKill[i]!) expect(stored.has(`${peer.keys.publicKey}:${seq}`), `${peer.name}#${seq} acked but not stored`).toBe(true);
    });

    await stream; // the rest of the stream is written while the server is down: it stays pending
    expect(peers.every((peer) => peer.node.pendingCount > 0)).toBe(true);

    await start();
    await waitFor(() => peers.every((peer) => peer.joins.length === 2), 'all peers re-joined', 15_000);
    // The mode event, every write, and one membership certificate per peer.
    const total = 1 + peers.length * WRITES + peers.length;
    await waitFor(
      () => peers.every((peer) => peer.node.pendingCount === 0 && peer.node.store.size === total),
      'every write acknowledged and everyone complete',
      20_000,
    );

    const rows = readEvents(env.dbFile);
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((row) => `${row.author}:${row.seq}`)).size).toBe(total);
    expect(rows.map((row) => row.ord)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const digests = new Set(peers.map((peer) => peer.node.store.digest()));
    expect(digests.size).toBe(1);

    // What was neither acknowledged nor stored at the kill is stored now, exactly once (checked above).
    // In client-server an event reaches the server only from its author, so its client re-sent it. (Which
    // connection carried it is not asserted: an emit in the last millisecond before the kill is not always
    // attributable, and socket.io-client may deliver a buffered emit after reconnecting.)
    const finalKeys = new Set(rows.map((row) => `${row.author}:${row.seq}`));
    let unstored = 0;
    let storedUnacked = 0;
    let resent = 0;
    peers.forEach((peer, i) => {
      resent += peer.sentPerConnection[1]!.size;
      for (let seq = 1; seq <= peer.node.lastSeq; seq++) {
        const key = `${peer.keys.publicKey}:${seq}`;
        if (ackedAtKill[i]!.has(seq)) continue;
        if (stored.has(key)) storedUnacked++;
        else if (seq <= writtenAtKill[i]!) {
          unstored++;
          expect(finalKeys.has(key), `${peer.name}#${seq} was lost at the kill and never re-sent`).toBe(true);
        }
      }
    });
    const acked = ackedAtKill.reduce((n, set) => n + set.size, 0);
    console.log(
      `[crash] written before kill ${writtenAtKill.reduce((a, b) => a + b, 0)} (of ${total - 1}), acknowledged ${acked}, ` +
        `in SQLite at kill ${atKill.length - 1} chat (${storedUnacked} committed but unacknowledged), lost in flight ${unstored}, ` +
        `re-sent after restart ${resent}; final ${rows.length} events, orders 1..${rows.length}`,
    );
  });
});
