/**
 * Catch-up of a returning page (issue 11): in a p2p room of N pages one page leaves (as churn makes a
 * member leave: links and server closed, store kept), the others come to hold `missing` events it lacks,
 * and it returns. Measured at the returning page: the bytes it received over its links until it held
 * everything, against 1.1 × the missed events' own wire size + 64 B per author; the summaries it sent
 * meanwhile (hello and version vectors: one per link and round); the event messages it received; the time.
 */
import type { Page } from '@playwright/test';
import type { SignedEvent } from '@peerlab/shared';
import { historyEvents, preloadHistory } from './history.ts';
import { openRoom, waitUntil } from './room.ts';

export interface CatchUpResult {
  readonly pages: number;
  readonly missing: number;
  readonly authors: number;
  /** The missed events' own JSON size. */
  readonly missedBytes: number;
  /** Bytes the returning page received over all its links, from its return until it held everything. */
  readonly receivedBytes: number;
  readonly boundBytes: number;
  readonly summariesSent: number;
  readonly eventMessagesReceived: number;
  readonly links: number;
  readonly ms: number | null;
}

interface CatchUpSession {
  readonly debug: {
    setAway(away: boolean): void;
    snapshot(): { readonly events: number };
    traffic(): { readonly received: Readonly<Record<string, { readonly bytes: number }>> };
    directPeers(): string[];
  };
  readonly trace: { subscribe(listener: (record: { readonly dir: string; readonly t: string }) => void): () => void };
}

declare global {
  interface Window {
    __catchUp?: { summaries: number; eventMessages: number };
  }
}

async function receivedBytes(page: Page): Promise<number> {
  return page.evaluate(() => Object.values((window.peerlab as unknown as CatchUpSession).debug.traffic().received).reduce((sum, counter) => sum + counter.bytes, 0));
}

export async function runCatchUp(pagesDir: string, pages: number, missing: number, progress: (text: string) => void): Promise<CatchUpResult> {
  const authors = 8;
  const room = await openRoom('peerlab-p2p', pagesDir, pages, 30_000);
  try {
    const returning = room.pages[pages - 1]!;
    const stay = room.pages.slice(0, pages - 1);
    await returning.evaluate(() => (window.peerlab as unknown as CatchUpSession).debug.setAway(true));
    const events: SignedEvent[] = historyEvents(room.name, missing, authors);
    await preloadHistory(stay, events, 180_000);
    const total = await stay[0]!.evaluate(() => (window.peerlab as unknown as CatchUpSession).debug.snapshot().events);
    progress(`catch-up ×${pages}: the others hold ${missing} events the returning page lacks`);
    const before = await receivedBytes(returning);
    await returning.evaluate(() => {
      const counts = { summaries: 0, eventMessages: 0 };
      window.__catchUp = counts;
      (window.peerlab as unknown as CatchUpSession).trace.subscribe((record) => {
        if (record.dir === 'send' && (record.t === 'hello' || record.t === 'vv')) counts.summaries++;
        if (record.dir === 'recv' && record.t === 'events') counts.eventMessages++;
      });
    });
    const started = Date.now();
    await returning.evaluate(() => (window.peerlab as unknown as CatchUpSession).debug.setAway(false));
    const caught = await waitUntil(() => returning.evaluate((n) => (window.peerlab as unknown as CatchUpSession).debug.snapshot().events >= n, total), 120_000, 20);
    const ms = caught ? Date.now() - started : null;
    const counts = await returning.evaluate(() => window.__catchUp!);
    const links = await returning.evaluate(() => (window.peerlab as unknown as CatchUpSession).debug.directPeers().length);
    const missedBytes = events.reduce((sum, event) => sum + JSON.stringify(event).length, 0);
    const result: CatchUpResult = {
      pages,
      missing,
      authors,
      missedBytes,
      receivedBytes: (await receivedBytes(returning)) - before,
      boundBytes: 1.1 * missedBytes + 64 * authors,
      summariesSent: counts.summaries,
      eventMessagesReceived: counts.eventMessages,
      links,
      ms,
    };
    progress(`catch-up ×${pages}, ${missing} missed: ${result.receivedBytes} B received for ${missedBytes} B missed, ${ms ?? 'never'} ms`);
    return result;
  } finally {
    await room.close();
  }
}
