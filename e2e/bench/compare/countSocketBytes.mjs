// Preloaded (`node --import`) into every benchmarked server process: counts the bytes it writes to its
// WebSocket connections (frames and pings: what the data path costs it) apart from everything else it writes
// to sockets (HTTP answers: pages, a Peerlab page's telemetry polls, /metrics), and answers the harness's
// `bench:bytes` IPC request with both. A socket counts as a WebSocket once it has written a
// `101 Switching Protocols`, whatever the stack (ws, engine.io). Pipes (the process's own stdout and stderr,
// where its log goes) are not sockets to a client and are not counted.
import net from 'node:net';

const upgraded = new WeakSet();
let websocketBytes = 0;
let httpBytes = 0;
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (chunk, encoding, callback) {
  const bytes = typeof chunk === 'string' ? Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : 'utf8') : (chunk?.length ?? 0);
  if (upgraded.has(this)) websocketBytes += bytes;
  else if (this.remotePort !== undefined) {
    const head = typeof chunk === 'string' ? chunk.slice(0, 12) : Buffer.from(chunk.subarray(0, 12)).toString('latin1');
    if (head === 'HTTP/1.1 101') upgraded.add(this);
    else httpBytes += bytes;
  }
  return write.apply(this, arguments);
};
process.on('message', (message) => {
  if (message === 'bench:bytes' && process.send) process.send({ bytes: websocketBytes, httpBytes });
});
