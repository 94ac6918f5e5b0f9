/**
 * Composition root: reads the environment, starts the server, prints the local and LAN URLs and
 * shuts down gracefully (pending writes flushed, database closed) on SIGTERM / SIGINT.
 *
 * Environment: PORT (8080), HOST (0.0.0.0), PEERLAB_DB (<repo>/data/peerlab.sqlite),
 * PEERLAB_CLIENT_DIST (<repo>/client/dist), LOG_LEVEL (info).
 */
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { createLogger } from './logger.ts';
import { DEFAULT_CLIENT_DIST, DEFAULT_DB_FILE } from './paths.ts';
import { createPeerlabServer } from './server.ts';

function lanAddresses(): string[] {
  const out: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (entry.family === 'IPv4' && !entry.internal) out.push(entry.address);
  }
  return out;
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
