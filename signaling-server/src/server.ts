/**
 * Builds one Peerlab server: HTTP (client, health, metrics, API) and Socket.IO on one port, the room
 * registry and its SQLite database. `close()` stops the sockets, drains every room's pending writes
 * and closes the database, so tests and the composition root share the same lifecycle.
 *
 * With `redisUrl`, several such processes share rooms: Socket.IO's Redis streams adapter carries
 * broadcasts and per-socket emits between them (with connection state recovery), and each room's
 * authority runs in the one process holding its lease (redisDirectory.ts).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import { Server, type ServerOptions } from 'socket.io';
import { type ClientToServerEvents, type ServerToClientEvents, type Verifier } from '@peerlab/shared';
import { nodeCryptoPoolVerifier, nodeCryptoVerify } from '@peerlab/shared/node';
import { PeerlabDatabase } from './database.ts';
import { createRequestHandler } from './http.ts';
import { createLogger, type Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { LocalDirectory, type RoomDirectory } from './roomDirectory.ts';
import { DEFAULT_LEASE_MS, RedisDirectory } from './redisDirectory.ts';
import type { Redis } from './roomLeases.ts';
import { RoomService } from './roomService.ts';
import { Rooms } from './rooms.ts';
import type { PeerlabIo } from './roomTypes.ts';
import { registerSocketHandlers } from './socketHandlers.ts';
import { TelemetryStore } from './telemetryStore.ts';

/** Socket.IO's cap on one incoming packet; engine messages are at most 256 KiB. */
export const MAX_HTTP_BUFFER_SIZE = 1024 * 1024;

/**
 * How long a client that lost its connection can come back (to any process) and get its socket id,
 * rooms and missed packets back. Longer covers longer outages; the adapter keeps sessions in Redis.
 */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

/**
 * WebSocket compression (permessage-deflate), when on: what the server writes per delivery drops to about
 * a third (an event's hex key and signature, its field names and the repeated author and room compress
 * well), for a deflate per message and socket (a broadcast is no longer one pre-encoded frame) and a
 * small zlib state per connection. Level 1 and 1 KiB windows: most of the gain, little CPU and memory.
 */
export const WS_DEFLATE = {
  /** Smaller messages (pings, acks) go as they are: framing them costs more than it saves. */
  threshold: 128,
  zlibDeflateOptions: { level: 1, memLevel: 4 },
  serverMaxWindowBits: 10,
  clientMaxWindowBits: 10,
} as const;

export interface PeerlabServerOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** SQLite file (created with its folder if missing). */
  readonly dbFile: string;
  /** Folder of the built client. */
  readonly clientDist: string;
  readonly logger?: Logger;
  /** Signature verifier; native Ed25519 (node:crypto, on the thread pool) by default. */
  readonly verifier?: Verifier;
  /** Also export Node process metrics (off in tests). */
  readonly defaultMetrics?: boolean;
  /** Share rooms with other processes through this Redis (e.g. `redis://127.0.0.1:6379`). */
  readonly redisUrl?: string;
  /** Room lease lifetime with Redis (DEFAULT_LEASE_MS): how long a dead process's rooms wait. */
  readonly leaseMs?: number;
  /** Compress WebSocket messages (WS_DEFLATE). */
  readonly compress?: boolean;
}

export interface PeerlabServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly io: PeerlabIo;
  readonly http: HttpServer;
  readonly rooms: Rooms;
  readonly metrics: Metrics;
  readonly db: PeerlabDatabase;
  readonly directory: RoomDirectory;
  readonly serverKey: string;
  close(): Promise<void>;
}

export async function createPeerlabServer(options: PeerlabServerOptions): Promise<PeerlabServer> {
  const logger = options.logger ?? createLogger();
  const host = options.host ?? '0.0.0.0';
  const db = new PeerlabDatabase(options.dbFile);
  const serverKeys = db.serverKeyPair();
  const verifier = options.verifier ?? nodeCryptoPoolVerifier;
  const startedAt = Date.now();

  // This process's id: its lease value and channel with Redis, its fencing token in the database.
  const processId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  let redis: Redis | undefined;
  if (options.redisUrl) {
    redis = createClient({ url: options.redisUrl }) as Redis;
    redis.on('error', (error: unknown) => logger.warn({ err: error }, 'redis error'));
    await redis.connect();
  }

  let io: PeerlabIo | undefined;
  let directory: RoomDirectory | undefined;
  const connections = (): number => io?.engine?.clientsCount ?? 0;
  let rooms: Rooms | undefined;
  const metrics = new Metrics(
    { connections, rooms: () => rooms?.size ?? 0, ownedRooms: () => directory?.ownedRooms() ?? 0 },
    { defaultMetrics: options.defaultMetrics ?? false },
  );
  rooms = new Rooms({
    db,
    verifier,
    metrics,
    logger,
    serverKeys,
    owner: processId,
    mayLoad: (name) => directory?.mayLoad(name) ?? false,
    onFenced: (name) => directory?.fenced(name),
    transport: {
      // One packet encoded once for all of them; the adapter writes it to this process's sockets and
      // hands it to the others' (with Redis).
      deliver: (socketIds, data) => io?.to(socketIds as string[]).emit('peer', data),
      refuse: (socketId, reason, detail) => io?.to(socketId).emit('refused', { reason, detail }),
    },
  });

  const serverOptions: Partial<ServerOptions> = {
    maxHttpBufferSize: MAX_HTTP_BUFFER_SIZE,
    cors: { origin: '*' },
    ...(options.compress ? { perMessageDeflate: WS_DEFLATE } : {}),
  };
  if (redis) {
    serverOptions.adapter = createAdapter(redis) as unknown as ServerOptions['adapter'];
    serverOptions.connectionStateRecovery = { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: true };
  }
  // Socket.IO wraps the request listener present when it attaches; the real handler is bound below.
  let handleRequest: ReturnType<typeof createRequestHandler> | undefined;
  const http = createServer((req, res) => handleRequest?.(req, res));
  io = new Server<ClientToServerEvents, ServerToClientEvents>(http, serverOptions);
  const service = new RoomService({ io, db, rooms, metrics, logger, process: processId });
  if (redis) {
    const shared = new RedisDirectory({ redis, process: processId, leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS, db, logger, metrics, verifyNow: nodeCryptoVerify });
    directory = shared;
    await shared.start(rooms, service);
  } else {
    directory = new LocalDirectory(processId, service, rooms, (name) =>
      logger.error({ room: name }, 'another process claimed this room in the database: run several processes only with REDIS_URL'),
    );
  }
  const telemetry = new TelemetryStore();
  handleRequest = createRequestHandler({ clientDist: options.clientDist, rooms, directory, metrics, startedAt, connections, telemetry });
  registerSocketHandlers({ io, directory, metrics, logger, telemetry, verifier });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/`;
  logger.info({ url, db: options.dbFile, verifier: verifier.name, serverKey: serverKeys.publicKey.slice(0, 8), process: processId, redis: redis !== undefined }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const sockets = io!;
      // Stop taking connections and messages, then drain what is queued, then close the database.
      const httpClosed = new Promise<void>((resolve) => sockets.close(() => resolve()));
      http.closeAllConnections?.();
      await Promise.race([httpClosed, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await rooms!.flush();
      rooms!.close();
      await directory!.close();
      if (redis) await redis.quit().catch(() => undefined);
      db.close();
      logger.info('closed');
    })();
    return closing;
  };

  return { url, port, host, io, http, rooms, metrics, db, directory, serverKey: serverKeys.publicKey, close };
}
