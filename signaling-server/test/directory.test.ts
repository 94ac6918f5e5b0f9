/**
 * LocalDirectory and RedisDirectory pass one contract (directoryContract.ts): one process owning every
 * room; a process sharing rooms through a real redis-server (started here) and owning them; and one
 * whose rooms another process owns, so every call is forwarded over Redis and every answer comes back
 * through the Socket.IO adapter.
 */
import { afterAll, beforeAll } from 'vitest';
import { io as connect } from 'socket.io-client';
import { generateKeyPair } from '@peerlab/shared';
import type { PeerlabServer } from '../src/server.ts';
import { freePort, startRedis, type ChildProcessHandle } from './childProcesses.ts';
import { directoryContract } from './directoryContract.ts';
import { provenJoin, startServer, tempEnv, waitFor } from './helpers.ts';
import { createPeerlabServer } from '../src/server.ts';

let redis: ChildProcessHandle | undefined;
let redisUrl = '';

beforeAll(async () => {
  const port = await freePort();
  redis = await startRedis(port);
  redisUrl = `redis://127.0.0.1:${port}`;
});

afterAll(async () => {
  await redis?.kill();
});

/** Short leases: a closed process's rooms free up quickly between tests. */
const LEASE_MS = 1500;

function startShared(dbFile: string, clientDist: string): Promise<PeerlabServer> {
  return createPeerlabServer({ port: 0, host: '127.0.0.1', dbFile, clientDist, redisUrl, leaseMs: LEASE_MS });
}

/** One server in its own temporary files, as the contract suite wants it. */
async function oneServer(start: (env: ReturnType<typeof tempEnv>) => Promise<PeerlabServer>) {
  const env = tempEnv();
  const server = await start(env);
  return {
    directory: server.directory,
    url: server.url,
    io: server.io,
    owner: () => server.directory.process,
    close: async () => {
      await server.close();
      env.cleanup();
    },
  };
}

directoryContract('LocalDirectory', () => oneServer((env) => startServer(env)));

directoryContract('RedisDirectory, owning its rooms', () => oneServer((env) => startShared(env.dbFile, env.clientDist)));

directoryContract('RedisDirectory, forwarding to the owner in another process', async () => {
  const env = tempEnv();
  const [owner, edge] = [await startShared(env.dbFile, env.clientDist), await startShared(env.dbFile, env.clientDist)];
  // The owner's own member of the room, under a key of its own: it keeps the room there.
  const anchor = connect(owner.url, { transports: ['websocket'], forceNew: true, reconnection: false });
  const anchorKeys = generateKeyPair();
  await waitFor(() => anchor.connected, 'anchor connected');
  return {
    directory: edge.directory,
    url: edge.url,
    io: edge.io,
    owner: () => owner.directory.process,
    async prepare(first) {
      // The owner creates the room with the suite's first joiner's admin key; that joiner's join, made at the edge, is forwarded here.
      const created = await owner.directory.join(await provenJoin(anchorKeys, { ...first, name: 'anchor', peer: anchorKeys.publicKey }, anchor.id!));
      if (!created?.ok) throw new Error(`owner could not create ${first.room}`);
    },
    close: async () => {
      anchor.disconnect();
      await edge.close();
      await owner.close();
      env.cleanup();
    },
  };
});
