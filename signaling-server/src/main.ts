/**
 * Composition root: reads the environment, starts the server, prints the local and LAN URLs and
 * shuts down gracefully (pending writes flushed, database closed) on SIGTERM / SIGINT.
 *
 * Environment: PORT (8080), HOST (0.0.0.0), PEERLAB_DB (<repo>/data/peerlab.sqlite),
 * PEERLAB_CLIENT_DIST (<repo>/client/dist), LOG_LEVEL (info), REDIS_URL (unset: one process owns every
 * room; set: rooms shared with other processes, see README), PEERLAB_LEASE_MS (room lease with Redis, 3000),
 * PEERLAB_WS_DEFLATE (1: compress WebSocket messages, see WS_DEFLATE in server.ts).
 */
import { resolve } from 'node:path';
import { createLogger } from './logger.ts';
import { lanAddresses } from './lanAddresses.ts';
import { DEFAULT_CLIENT_DIST, DEFAULT_DB_FILE } from './paths.ts';
import { createPeerlabServer } from './server.ts';

function positiveInt(name: string, text: string): number {
  const value = Number.parseInt(text, 10);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${text}`);
  return value;
}

async function main(): Promise<void> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
  const port = Number.parseInt(process.env.PORT ?? '8080', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const host = process.env.HOST ?? '0.0.0.0';
  const server = await createPeerlabServer({
    port,
    host,
    dbFile: process.env.PEERLAB_DB ? resolve(process.env.PEERLAB_DB) : DEFAULT_DB_FILE,
    clientDist: process.env.PEERLAB_CLIENT_DIST ? resolve(process.env.PEERLAB_CLIENT_DIST) : DEFAULT_CLIENT_DIST,
    logger,
    defaultMetrics: true,
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    ...(process.env.PEERLAB_LEASE_MS ? { leaseMs: positiveInt('PEERLAB_LEASE_MS', process.env.PEERLAB_LEASE_MS) } : {}),
    compress: process.env.PEERLAB_WS_DEFLATE === '1',
  });
  const lan = host === '0.0.0.0' || host === '::' ? lanAddresses().map((address) => `http://${address}:${server.port}/`) : [];
  console.log(`Peerlab ready: http://localhost:${server.port}/${lan.length > 0 ? `  LAN: ${lan.join('  ')}` : ''}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('Peerlab failed to start:', error);
  process.exit(1);
});
