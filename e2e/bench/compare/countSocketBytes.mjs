// Preloaded (`node --import`) into every benchmarked server process: counts the bytes it writes to sockets,
// whatever its stack (ws, engine.io, http), and answers the harness's `bench:bytes` IPC request with them.
import net from 'node:net';

let bytes = 0;
let writes = 0;
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (chunk, encoding, callback) {
  bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : 'utf8') : (chunk?.length ?? 0);
  writes++;
  return write.apply(this, arguments);
};
process.on('message', (message) => {
  if (message === 'bench:bytes' && process.send) process.send({ bytes, writes });
});
