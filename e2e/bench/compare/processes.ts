/**
 * Server processes of the comparison, each with the socket byte counter preloaded (countSocketBytes.mjs)
 * and an IPC channel to read it: Peerlab's own server (the entry point of `npm start`), the bare Socket.IO
 * relay / static page server, and y-webrtc's signaling server as its package ships it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { freePort } from '../../server.ts';

const REPO_ROOT = new URL('../../..', import.meta.url).pathname;
const COUNTER = new URL('./countSocketBytes.mjs', import.meta.url).pathname;
const require = createRequire(import.meta.url);

export class CountedProcess {
  readonly log: string[] = [];
  #child: ChildProcess | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly args: readonly string[],
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the process and waits until `ready` answers true (polled: start-up, not a measurement). */
  async start(ready: () => Promise<boolean>): Promise<void> {
    const child = spawn(process.execPath, ['--import', COUNTER, ...this.args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.#child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.log.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => this.log.push(chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited: ${this.log.join('')}`);
      if (await ready().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} did not start: ${this.log.join('')}`);
  }

  /** Bytes the process has written so far to WebSocket connections (`ws`) and as HTTP answers (`http`). */
  async bytesWritten(): Promise<{ readonly ws: number; readonly http: number }> {
    const child = this.#child;
    if (!child?.connected) return { ws: 0, http: 0 };
    return new Promise((resolve) => {
      const onMessage = (message: unknown): void => {
        const { bytes, httpBytes } = (message ?? {}) as { bytes?: unknown; httpBytes?: unknown };
        if (typeof bytes !== 'number' || typeof httpBytes !== 'number') return;
        child.off('message', onMessage);
        resolve({ ws: bytes, http: httpBytes });
      };
      child.on('message', onMessage);
      child.send('bench:bytes');
    });
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    this.#child = undefined;
  }
}

async function answers(url: string): Promise<boolean> {
  return (await fetch(url)).status < 500;
}

/** Peerlab's server as `npm start` runs it (built client, one port, its own SQLite file). */
export async function peerlabServer(): Promise<CountedProcess & { readonly url: string; dispose(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'peerlab-bench-'));
  const server = new CountedProcess('peerlab', port, ['--import', 'tsx', 'signaling-server/src/main.ts'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    PEERLAB_DB: join(dir, 'peerlab.sqlite'),
    LOG_LEVEL: 'warn',
  });
  const url = `http://127.0.0.1:${port}`;
  await server.start(() => answers(`${url}/healthz`));
  return Object.assign(server, {
    url,
    async dispose() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** The comparison's page server, optionally the bare Socket.IO broadcast relay too. */
export async function benchServer(staticDir: string, relay: boolean): Promise<CountedProcess & { readonly url: string }> {
  const port = await freePort();
  const entry = new URL('./apps/benchServer.ts', import.meta.url).pathname;
  const server = new CountedProcess(relay ? 'socket.io relay' : 'page server', port, ['--import', 'tsx', entry, '--port', String(port), '--static', staticDir, ...(relay ? ['--relay'] : [])], {});
  const url = `http://127.0.0.1:${port}`;
  await server.start(() => answers(`${url}/page-yjs.html`));
  return Object.assign(server, { url });
}

/** y-webrtc's signaling server, as the package ships it (`y-webrtc-signaling`). */
export async function yWebrtcSignaling(): Promise<CountedProcess & { readonly url: string }> {
  const port = await freePort();
  // The package exports no subpaths: find its folder from its CommonJS entry (dist/y-webrtc.cjs).
  const entry = join(dirname(require.resolve('y-webrtc')), '..', 'bin', 'server.js');
  const server = new CountedProcess('y-webrtc signaling', port, [entry], { PORT: String(port) });
  await server.start(() => answers(`http://127.0.0.1:${port}/`));
  return Object.assign(server, { url: `ws://127.0.0.1:${port}` });
}
