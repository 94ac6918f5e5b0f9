/**
 * Real processes for the crash and scale-out tests: the server entry (`tsx src/main.ts`) and
 * redis-server, each started on a free port and killed with SIGKILL. tsx runs the server in a child
 * node process, so each is started in its own process group and the whole group is killed: that is
 * what `kill -9` of the server means.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './helpers.ts';

export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

export class ChildProcessHandle {
  output = '';
  exited = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.once('exit', () => (this.exited = true));
  }

  /** SIGKILL to the whole process group; resolves once the direct child is gone. */
  async kill(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
    await exited;
  }
}

export interface ServerProcess extends ChildProcessHandle {
  readonly url: string;
  readonly port: number;
}

/** Starts `tsx signaling-server/src/main.ts` and waits for its "ready" line. */
export async function startServerProcess(options: { port: number; dbFile: string; clientDist: string; env?: Record<string, string> }): Promise<ServerProcess> {
  const child = spawn(resolve(REPO_ROOT, 'node_modules/.bin/tsx'), ['signaling-server/src/main.ts'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      PEERLAB_DB: options.dbFile,
      PEERLAB_CLIENT_DIST: options.clientDist,
      LOG_LEVEL: 'warn',
      ...options.env,
    },
  });
  const handle = Object.assign(new ChildProcessHandle(`server:${options.port}`, child), { url: `http://127.0.0.1:${options.port}/`, port: options.port });
  try {
    await waitFor(() => handle.output.includes('Peerlab ready') || handle.exited, `server on ${options.port} ready`, 20_000);
  } catch (error) {
    await handle.kill();
    throw error;
  }
  if (handle.exited) throw new Error(`server on ${options.port} exited:\n${handle.output}`);
  return handle;
}

/** Starts a throwaway redis-server (no persistence); fails with a clear message when it is missing. */
export async function startRedis(port: number): Promise<ChildProcessHandle> {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('redis-server is not installed: the scale-out test needs it (apt-get install redis-server; .ci/run installs it)');
  }
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle = new ChildProcessHandle(`redis:${port}`, child);
  await waitFor(() => handle.output.includes('Ready to accept connections') || handle.exited, `redis on ${port} ready`, 10_000);
  if (handle.exited) throw new Error(`redis-server exited:\n${handle.output}`);
  return handle;
}

export async function getJsonAt<T>(baseUrl: string, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, baseUrl));
  return { status: response.status, body: (await response.json()) as T };
}
