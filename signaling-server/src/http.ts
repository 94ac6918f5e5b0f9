/**
 * Plain HTTP: the built client (static files, SPA fallback), `/healthz`, `/metrics` and
 * `/api/rooms/:room`. Socket.IO intercepts `/socket.io/` before this handler sees it.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { lanAddresses } from './lanAddresses.ts';
import type { Metrics } from './metrics.ts';
import type { RoomDirectory } from './roomDirectory.ts';
import type { Rooms } from './rooms.ts';
import type { TelemetryStore } from './telemetryStore.ts';

export type { RoomInfo } from '@peerlab/shared';

export interface HttpDeps {
  readonly clientDist: string;
  readonly rooms: Rooms;
  readonly directory: RoomDirectory;
  readonly metrics: Metrics;
  readonly startedAt: number;
  readonly telemetry: TelemetryStore;
  connections(): number;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

const API_PREFIXES = ['/api/', '/healthz', '/metrics', '/socket.io/'];

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'access-control-allow-origin': '*',
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string, size: number): void {
  const immutable = file.includes(`${sep}assets${sep}`);
  res.writeHead(200, {
    'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

function fileSize(path: string): number | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Peerlab: client not built</title>
<h1>Peerlab client not built</h1>
<p>The server is running, but the client build is missing. Run <code>npm run build</code> in the repository root, then reload.</p>
<p>Health: <a href="/healthz">/healthz</a> · Metrics: <a href="/metrics">/metrics</a></p>`;

export function createRequestHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const root = resolve(deps.clientDist);
  return (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'internal error\n');
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return sendText(res, 400, 'bad request\n');
    }
    const method = req.method ?? 'GET';
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    if (method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, OPTIONS', 'access-control-allow-headers': '*' });
      res.end();
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, 'method not allowed\n');

    if (pathname === '/healthz') {
      return sendJson(res, 200, {
        status: 'ok',
        uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 100) / 10,
        rooms: deps.rooms.size,
        connections: deps.connections(),
        process: deps.directory.process,
        pid: process.pid,
        redis: deps.directory.shared,
        ownedRooms: deps.directory.ownedRooms(),
      });
    }
    if (pathname === '/metrics') {
      const text = await deps.metrics.text();
      res.setHeader('access-control-allow-origin', '*');
      return sendText(res, 200, text, deps.metrics.contentType);
    }
    if (pathname === '/api/join-urls') {
      // The presenter shows these (and a QR code) so students on the same network can join.
      const port = req.socket.localPort;
      return sendJson(res, 200, { lan: lanAddresses().map((address) => `http://${address}:${port}/`) });
    }
    const telemetryMatch = /^\/api\/rooms\/([^/]+)\/telemetry$/.exec(pathname);
    if (telemetryMatch && (method === 'GET' || method === 'HEAD')) {
      // The central view of the room's reports; `since` (server clock, ms) returns only newer history.
      const since = Number(query.get('since') ?? 0);
      const view = deps.telemetry.view(telemetryMatch[1]!, Number.isFinite(since) ? since : 0, Date.now());
      // `latestSince` (server clock, ms): only the newest reports received after it (a poll asks for what changed).
      const latestSince = Number(query.get('latestSince') ?? 0);
      const latest = Number.isFinite(latestSince) && latestSince > 0 ? view.latest.filter((held) => held.receivedAt > latestSince) : view.latest;
      // `history=0`: only each peer's newest report (a peer view's light poll).
      return sendJson(res, 200, { ...view, latest, history: query.get('history') === '0' ? [] : view.history });
    }
    if (pathname.startsWith('/api/')) {
      const match = /^\/api\/rooms\/([^/]+)$/.exec(pathname);
      if (!match) return sendJson(res, 404, { error: 'not_found', detail: `no API at ${pathname}` });
      const info = await deps.directory.info(match[1]!);
      return info ? sendJson(res, 200, info) : sendJson(res, 404, { error: 'unknown_room', room: match[1] });
    }
    if (API_PREFIXES.some((prefix) => pathname.startsWith(prefix))) return sendText(res, 404, 'not found\n');

    // Static client with SPA fallback.
    const index = join(root, 'index.html');
    const indexSize = fileSize(index);
    if (indexSize === undefined || !existsSync(root)) return sendText(res, 503, NOT_BUILT, 'text/html; charset=utf-8');
    const candidate = normalize(join(root, pathname));
    if (candidate.startsWith(root + sep)) {
      const size = fileSize(candidate);
      if (size !== undefined) return sendFile(req, res, candidate, size);
    }
    return sendFile(req, res, index, indexSize);
  }
}
