/**
 * Identity at the door with Redis (issue 13): two processes share a room through a real redis-server,
 * owned by A. An intruder on B naming a member's key is refused at B's door, the process holding its
 * socket; and a join forwarded to the owner over the process bus is checked again there, so not even a
 * message on the bus can put a member's key on a socket that did not prove it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { PROTOCOL_VERSION, generateKeyPair, type JoinRequest } from '@peerlab/shared';
import { createPeerlabServer, type PeerlabServer } from '../src/server.ts';
import { freePort, startRedis, type ChildProcessHandle } from './childProcesses.ts';
import { askJoin, connectedId, joinProof, metricValue, metricsText, rawSocket, roomInfo, signedJoin, tempEnv, TestPeer, waitFor, type ClientSocket } from './helpers.ts';

/** Short leases: the test's processes close quickly. */
const LEASE_MS = 1500;
const ROOM = 'shared-door';

const env = tempEnv();
let redis: ChildProcessHandle | undefined;
let redisUrl = '';
let owner: PeerlabServer;
let edge: PeerlabServer;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  const port = await freePort();
  redis = await startRedis(port);
  redisUrl = `redis://127.0.0.1:${port}`;
  const start = () => createPeerlabServer({ port: 0, host: '127.0.0.1', dbFile: env.dbFile, clientDist: env.clientDist, redisUrl, leaseMs: LEASE_MS });
  owner = await start();
  edge = await start();
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await edge?.close();
  await owner?.close();
  await redis?.kill();
  env.cleanup();
});

async function refusedJoins(server: PeerlabServer): Promise<number> {
  return metricValue(await metricsText(server), 'peerlab_rejections_total', { reason: 'bad_join_proof' });
}

async function joined(server: PeerlabServer, name: string, keys = generateKeyPair()): Promise<TestPeer> {
  const peer = await TestPeer.joined(server, ROOM, name, undefined, keys);
  cleanups.push(() => peer.close());
  return peer;
}

function intruder(server: PeerlabServer): ClientSocket {
  const socket = rawSocket(server);
  cleanups.push(() => socket.disconnect());
  return socket;
}

async function expectAliceListed(alice: TestPeer): Promise<void> {
  const listed = (await roomInfo(owner, ROOM)).members.filter((m) => m.peer === alice.keys.publicKey);
  expect(listed).toEqual([expect.objectContaining({ name: 'alice' })]);
  expect(alice.refusals.map((r) => r.reason)).not.toContain('replaced');
}

describe('join proofs with Redis', () => {
  it('an intruder on another process is refused at its door; a join forged on the bus is refused by the owner', { timeout: 30_000 }, async () => {
    const alice = await joined(owner, 'alice'); // creates the room on the owner: it holds the lease
    expect((await roomInfo(owner, ROOM)).owner).toBe(owner.directory.process);
    const carol = await joined(edge, 'carol'); // forwarded to the owner, proven at the edge and again there
    await waitFor(() => alice.members.some((m) => m.name === 'carol'), 'alice sees carol');

    // At the edge's door: Alice's key, her own proof replayed from her connection.
    const mallory = intruder(edge);
    const malloryId = await connectedId(mallory);
    const replayed: JoinRequest = { room: ROOM, name: 'mallory', peer: alice.keys.publicKey, adminKey: alice.keys.publicKey, version: PROTOCOL_VERSION, proof: joinProof(alice.keys, ROOM, alice.socket.id!) };
    const edgeBefore = await refusedJoins(edge);
    expect(await askJoin(mallory, replayed)).toMatchObject({ ok: false, reason: 'bad_join_proof' });
    expect(await refusedJoins(edge)).toBe(edgeBefore + 1);
    await expectAliceListed(alice);

    // On the bus, past every door: the owner checks the forwarded join's signature for the socket it names.
    const ownerBefore = await refusedJoins(owner);
    const bus = createClient({ url: redisUrl });
    await bus.connect();
    try {
      const channel = `peerlab:process:${owner.directory.process}`;
      await bus.publish(channel, JSON.stringify({ op: 'join', room: ROOM, request: replayed, socketId: malloryId, address: '127.0.0.1' }));
      const signedByMallory = await signedJoin(mallory, alice.keys, { room: ROOM, name: 'mallory', adminKey: alice.keys.publicKey, version: PROTOCOL_VERSION }, { signWith: generateKeyPair() });
      await bus.publish(channel, JSON.stringify({ op: 'join', room: ROOM, request: signedByMallory, socketId: malloryId, address: '127.0.0.1' }));
      await bus.publish(channel, JSON.stringify({ op: 'join', room: ROOM, request: { ...replayed, proof: undefined }, socketId: alice.socket.id, address: '127.0.0.1' }));
      await waitFor(async () => (await refusedJoins(owner)) === ownerBefore + 3, 'the owner refused the three forged joins');
    } finally {
      await bus.quit();
    }
    await expectAliceListed(alice);

    // Alice is still served on her socket: Carol's signal, across the processes, reaches her.
    carol.socket.emit('signal', { to: alice.keys.publicKey, data: 'still alice' });
    await waitFor(() => alice.signals.some((s) => s.from === carol.keys.publicKey && s.data === 'still alice'), 'alice gets carol’s signal');

    // A proven reconnect through the edge still replaces her old socket, as it should.
    const back = await joined(edge, 'alice', alice.keys);
    await waitFor(() => alice.refusals.some((r) => r.reason === 'replaced'), 'the old socket told it was replaced');
    carol.socket.emit('signal', { to: alice.keys.publicKey, data: 'to the new socket' });
    await waitFor(() => back.signals.some((s) => s.data === 'to the new socket'), 'the new socket gets the signal');
  });
});
