/** A real Peerlab server process (the same entry point as `npm start`) on a free port with its own SQLite file. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ENTRY = new URL('../signaling-server/src/main.ts', import.meta.url).pathname;
const REPO_ROOT = new URL('..', import.meta.url).pathname;

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface RoomInfo {
  mode: string;
  epoch: number;
  /** How many times the admin reset the room. */
  generation: number;
  eventCount: number;
  digest: string;
  members: { peer: string; name: string }[];
  accepted: Record<string, Record<string, number>>;
}

export class ServerProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'peerlab-e2e-'));
  readonly dbPath = join(this.dir, 'peerlab.sqlite');
  port = 0;
  #child: ChildProcess | undefined;
  readonly log: string[] = [];

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    // Node itself with tsx as a loader, not the tsx CLI: the CLI runs the server in a grandchild, which a
    // SIGKILL of the CLI leaves running on the port — a "crash" that crashed nothing.
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(this.port), HOST: '127.0.0.1', PEERLAB_DB: this.dbPath, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.log.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => this.log.push(chunk.toString()));
    await this.#waitHealthy();
  }

  async #waitHealthy(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.#child?.exitCode !== null && this.#child?.exitCode !== undefined) throw new Error(`server exited: ${this.log.join('')}`);
      try {
        const response = await fetch(`${this.url}/healthz`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`server did not become healthy: ${this.log.join('')}`);
  }

  /** Stops the process: gracefully (SIGTERM) or as a crash (SIGKILL). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.#child = undefined;
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.start();
  }

  async room(room: string): Promise<RoomInfo | undefined> {
    const response = await fetch(`${this.url}/api/rooms/${room}`);
    return response.ok ? ((await response.json()) as RoomInfo) : undefined;
  }

  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
