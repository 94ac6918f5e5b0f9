/**
 * The baseline of the server benchmark: a bare Socket.IO broadcast relay, what one would write instead of
 * Peerlab's client-server mode. No signatures, no validation, no database: every `msg` a page sends goes
 * to every other page. It serves its own page (`/`), which exposes `window.bare` to the benchmark.
 * Run as `node --import tsx e2e/bench/bareRelay.ts` with PORT set; prints `ready` once listening.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const PAGE = `<!doctype html><meta charset="utf-8"><title>bare relay</title>
<script src="/socket.io/socket.io.js"></script>
<script>
  const socket = io({ transports: ['websocket'] });
  const held = [];
  socket.on('msg', (text) => held.push([text, Date.now()]));
  window.bare = {
    connected: () => socket.connected,
    send(text) { held.push([text, Date.now()]); socket.emit('msg', text); return true; },
    held: () => held,
  };
</script>`;

const http = createServer((_request, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(PAGE);
});
const io = new Server(http);
io.on('connection', (socket) => {
  socket.on('msg', (text: unknown) => {
    if (typeof text === 'string' && text.length <= 4096) socket.broadcast.emit('msg', text);
  });
});
http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => process.exit(0));
