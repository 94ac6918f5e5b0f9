/**
 * A preload for the server process under benchmark (`node --import ./serverBytes.ts`): counts every byte
 * the process writes to its WebSocket connections (frames, headers, pings: what leaves the server), and
 * answers the totals as JSON on `PEERLAB_BENCH_BYTES_PORT` (its own little HTTP server, not counted).
 * HTTP responses (the client's files, /metrics) are not counted: a socket counts once it has written a
 * `101 Switching Protocols`.
 */
import { createServer, Socket } from 'node:net';

const upgraded = new WeakSet<Socket>();
let websocketBytes = 0;
let websocketWrites = 0;

function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

const write = Socket.prototype.write;
Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
  if (upgraded.has(this)) {
    websocketBytes += byteLength(chunk, rest[0]);
    websocketWrites++;
  } else if (typeof chunk === 'string' ? chunk.startsWith('HTTP/1.1 101') : chunk instanceof Uint8Array && Buffer.from(chunk.subarray(0, 12)).toString() === 'HTTP/1.1 101') {
    upgraded.add(this);
  }
  return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof Socket.prototype.write;

const port = Number(process.env.PEERLAB_BENCH_BYTES_PORT ?? 0);
if (port > 0) {
  createServer((connection) => {
    connection.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify({ websocketBytes, websocketWrites })}`);
  })
    .listen(port, '127.0.0.1')
    .unref();
}
