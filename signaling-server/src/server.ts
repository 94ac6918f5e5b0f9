/**
 * Builds one Peerlab server: HTTP (client, health, metrics, API) and Socket.IO on one port, the room
 * registry and its SQLite database. `close()` stops the sockets, drains every room's pending writes
 * and closes the database, so tests and the composition root share the same lifecycle.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { webCryptoVerifier, type ClientToServerEvents, type ServerToClientEvents, type Verifier } from '@peerlab/shared';
import { PeerlabDatabase } from './database.ts';
import { createRequestHandler } from './http.ts';
import { createLogger, type Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { Rooms } from './rooms.ts';
import { registerSocketHandlers, type PeerlabIo } from './socketHandlers.ts';

/** Socket.IO's cap on one incoming packet; engine messages are at most 256 KiB. */
export const MAX_HTTP_BUFFER_SIZE = 1024 * 1024;

export interface PeerlabServerOptions {
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** SQLite file (created with its folder if missing). */
  readonly dbFile: string;
  /** Folder of the built client. */
  readonly clientDist: string;
  readonly logger?: Logger;
  /** Signature verifier; native Ed25519 (WebCrypto) by default. */
  readonly verifier?: Verifier;
  /** Also export Node process metrics (off in tests). */
  readonly defaultMetrics?: boolean;
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
  readonly serverKey: string;
  close(): Promise<void>;
}

export async function createPeerlabServer(options: PeerlabServerOptions): Promise<PeerlabServer> {
  const logger = options.logger ?? createLogger();
  const host = options.host ?? '0.0.0.0';
  const db = new PeerlabDatabase(options.dbFile);
  const serverKeys = db.serverKeyPair();
  const verifier = options.verifier ?? (await webCryptoVerifier());
  const startedAt = Date.now();

  let io: PeerlabIo | undefined;
  const connections = (): number => io?.engine?.clientsCount ?? 0;
  let rooms: Rooms | undefined;
  const metrics = new Metrics({ connections, rooms: () => rooms?.size ?? 0 }, { defaultMetrics: options.defaultMetrics ?? false });
  rooms = new Rooms({
    db,
    verifier,
    metrics,
    logger,
    serverKeys,
    transport: {
      deliver: (socketId, data) => io?.to(socketId).emit('peer', data),
      refuse: (socketId, reason, detail) => io?.to(socketId).emit('refused', { reason, detail }),
    },
  });

  const http = createServer(createRequestHandler({ clientDist: options.clientDist, rooms, metrics, startedAt, connections }));
  io = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
    maxHttpBufferSize: MAX_HTTP_BUFFER_SIZE,
    cors: { origin: '*' },
  });
  registerSocketHandlers({ io, rooms, metrics, logger });

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
  logger.info({ url, db: options.dbFile, verifier: verifier.name, serverKey: serverKeys.publicKey.slice(0, 8) }, 'listening');

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
      db.close();
      logger.info('closed');
    })();
    return closing;
  };

  return { url, port, host, io, http, rooms, metrics, db, serverKey: serverKeys.publicKey, close };
}
