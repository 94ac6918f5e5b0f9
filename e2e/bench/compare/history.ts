/**
 * A room's history for the benchmark: `count` chat events by a few authors, signed for real (node:crypto
 * Ed25519, fast enough to sign 50,000 in a second or two), so a page that holds them holds what a long
 * lesson would have left behind. Deterministic in everything but the keys.
 */
import type { Page } from '@playwright/test';
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { signingBytes, toHex, type SignedEvent, type UnsignedEvent } from '@peerlab/shared';

interface Author {
  readonly publicKey: string;
  readonly privateKey: KeyObject;
  seq: number;
}

function newAuthor(): Author {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The raw 32-byte key is the last 32 bytes of its SPKI DER encoding.
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  return { publicKey: toHex(raw), privateKey: createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })), seq: 0 };
}

/** `count` chat events of `bytes` B of text for engine room id `room`, Lamport times 1…count, round-robin over `authors` keys. */
export function historyEvents(room: string, count: number, authors = 8, bytes = 100): SignedEvent[] {
  const keys = Array.from({ length: authors }, newAuthor);
  const events: SignedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const author = keys[i % authors]!;
    author.seq++;
    const text = `history ${i} `.padEnd(bytes, '.');
    const unsigned: UnsignedEvent = { v: 1, room, author: author.publicKey, seq: author.seq, lamport: i + 1, kind: 'chat', body: { text, name: `H${i % authors}` } };
    events.push({ ...unsigned, sig: toHex(sign(null, signingBytes(unsigned), author.privateKey)) });
  }
  return events;
}

/** The part of a Peerlab page's session the history and catch-up phases use. */
interface HistorySession {
  readonly debug: {
    restore(events: readonly SignedEvent[]): void;
    snapshot(): { readonly digest: string; readonly events: number };
  };
}

declare global {
  interface Window {
    /** History staged in the page before it is restored, so every page can take it at the same moment. */
    __history?: readonly SignedEvent[];
  }
}

/**
 * Gives every page the same history at (nearly) the same moment — staged first, then restored together, so
 * the pages' anti-entropy finds little to ship between them — and waits until they all hold it with one
 * digest. Returns how long that took.
 */
export async function preloadHistory(pages: readonly Page[], events: readonly SignedEvent[], timeoutMs: number): Promise<number> {
  for (const page of pages) await page.evaluate((staged) => void (window.__history = staged), events as SignedEvent[]);
  const started = Date.now();
  await Promise.all(
    pages.map((page) =>
      page.evaluate(() => {
        (window.peerlab as unknown as HistorySession).debug.restore(window.__history ?? []);
        window.__history = undefined;
      }),
    ),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const snapshots = await Promise.all(pages.map((page) => page.evaluate(() => (window.peerlab as unknown as HistorySession).debug.snapshot())));
    if (snapshots.every((snapshot) => snapshot.events >= events.length) && new Set(snapshots.map((snapshot) => snapshot.digest)).size === 1) break;
    if (Date.now() > deadline) throw new Error(`pages did not all take the history within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return Date.now() - started;
}
