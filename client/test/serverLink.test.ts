/**
 * The page's server link against a real server (Node's socket.io-client): every join carries a proof
 * signed for its connection, by a synchronous or an asynchronous signer, and a page whose clock is far
 * off still joins — refused once for the proof's time, it signs again by the server's clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { generateKeyPair, nobleSigner, type AnySigner, type KeyPair } from '@peerlab/shared';
import { createPeerlabServer, type PeerlabServer } from '../../signaling-server/src/server.ts';
import { ServerLink, type JoinAccepted, type ServerLinkHandlers } from '../src/lib/transport/serverLink.ts';

let dir: string;
let server: PeerlabServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerlab-link-'));
  server = await createPeerlabServer({ port: 0, host: '127.0.0.1', dbFile: join(dir, 'peerlab.sqlite'), clientDist: join(dir, 'dist') });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Opened {
  readonly link: ServerLink;
  readonly joined: JoinAccepted[];
  readonly refused: string[];
}

function open(room: string, signer: AnySigner, now?: () => number): Opened {
  const joined: JoinAccepted[] = [];
  const refused: string[] = [];
  const ignore = () => {};
  const handlers: ServerLinkHandlers = {
    status: ignore,
    joined: (response) => joined.push(response),
    joinRefused: (reason) => refused.push(reason),
    down: ignore,
    peer: ignore,
    members: ignore,
    signal: ignore,
    admission: ignore,
    relay: ignore,
    refused: (reason) => refused.push(reason),
    reset: ignore,
  };
  const link = new ServerLink({ url: server.url, room, name: 'page', signer, adminKey: signer.publicKey, io, ...(now ? { now } : {}) }, handlers);
  return { link, joined, refused };
}

async function until(predicate: () => boolean, label: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function asyncSigner(pair: KeyPair): AnySigner {
  const noble = nobleSigner(pair);
  return { publicKey: pair.publicKey, signBatch: async (messages) => messages.map((message) => noble.sign(message)) };
}

async function rejections(reason: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', server.url))).text();
  const line = text.split('\n').find((l) => l.startsWith(`peerlab_rejections_total{reason="${reason}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('ServerLink joins with a proof of its key', () => {
  it('joins signed synchronously and asynchronously (WebCrypto answers later)', async () => {
    const pairs = [generateKeyPair(), generateKeyPair()];
    const opened = [open('link', nobleSigner(pairs[0]!)), open('link', asyncSigner(pairs[1]!))];
    try {
      await until(() => opened.every((o) => o.joined.length === 1), 'both joined');
      expect(opened.flatMap((o) => o.refused)).toEqual([]);
      expect(opened[1]!.joined[0]!.members.map((m) => m.peer)).toEqual(expect.arrayContaining(pairs.map((p) => p.publicKey)));
    } finally {
      for (const o of opened) o.link.close();
    }
  });

  it('a page whose clock is ten minutes slow is refused once for the time, then joins by the server’s clock', async () => {
    const before = await rejections('bad_join_proof');
    const slow = open('slow-clock', nobleSigner(generateKeyPair()), () => Date.now() - 10 * 60_000);
    try {
      await until(() => slow.joined.length === 1, 'the slow page joined');
      expect(slow.refused).toEqual([]);
      expect(await rejections('bad_join_proof')).toBe(before + 1);
    } finally {
      slow.link.close();
    }
  });
});
