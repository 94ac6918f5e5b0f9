/**
 * The comparison's own server process: serves the bundled Yjs and Socket.IO pages and, with `--relay`, is
 * the bare Socket.IO broadcast relay (every `m` goes to every other socket, nothing else). Run as a child
 * process of the harness, like Peerlab's server, so both are measured the same way.
 *
 *   tsx benchServer.ts --port P --static DIR [--relay]
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { Server } from 'socket.io';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const port = Number(option('--port') ?? 0);
const root = option('--static') ?? '.';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

const http = createServer((request, response) => {
  const path = normalize(new URL(request.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
  readFile(join(root, path)).then(
    (body) => {
      response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      response.end(body);
    },
    () => {
      response.writeHead(404);
      response.end('not found');
    },
  );
});

if (process.argv.includes('--relay')) {
  const io = new Server(http, { transports: ['websocket'] });
  io.on('connection', (socket) => {
    socket.on('m', (text: unknown) => {
      if (typeof text === 'string') socket.broadcast.emit('m', text);
    });
  });
}

http.listen(port, '127.0.0.1', () => {
  const address = http.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
});
