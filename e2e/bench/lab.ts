/**
 * Lab mode at classroom size: N peers (default 16) in one tab of real Chromium, real WebRTC, a real server.
 * Reports how long the lab takes to start, to link up, and to converge after every peer writes one message,
 * plus the tab's JS heap and the browser's CPU time. `npm run bench:lab -- 16` (a number overrides N).
 * A benchmark, not a test: timings on shared machines are noisy, so it prints numbers and asserts nothing.
 */
import { chromium } from '@playwright/test';
import { systemChromium } from '../browser.ts';
import { ServerProcess } from '../server.ts';

const peers = Number(process.argv[2] ?? 16);

async function main(): Promise<void> {
  const server = new ServerProcess();
  await server.start();
  const executablePath = systemChromium();
  const browser = await chromium.launch(executablePath ? { executablePath } : {});
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const started = Date.now();
  const since = (): number => Date.now() - started;
  const progress = (text: string): void => void process.stderr.write(`[${(since() / 1000).toFixed(1)} s] ${text}\n`);

  await page.goto(`${server.url}/?lab=${peers}&room=bench${Date.now() % 100000}`);
  const cards = page.getByTestId('lab-peer');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="lab-peer"]').length === n, peers, { timeout: 120_000 });
  const startedMs = since();
  progress(`${peers} peers started`);

  // Linked: every card has at least one direct link (the overlay then keeps its degree between its watermarks).
  await page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid="lab-peer"] [data-testid="peer-count"]')].every((cell) => Number(cell.textContent) >= 1),
    undefined,
    { timeout: 120_000, polling: 200 },
  );
  const linkedMs = since();
  const degrees = await page.$$eval('[data-testid="lab-peer"] [data-testid="peer-count"]', (cells) => cells.map((cell) => Number(cell.textContent)));
  progress(`linked, degrees ${degrees.join(' ')}`);

  const wroteAt = since();
  for (let i = 0; i < peers; i++) {
    await cards.nth(i).getByTestId('chat-input').fill(`bench ${i}`);
    await cards.nth(i).getByTestId('chat-send').click();
  }
  await page.waitForFunction(
    (n) => {
      const digests = [...document.querySelectorAll('[data-testid="lab-peer"] [data-testid="state-digest"]')].map((cell) => cell.textContent);
      const counts = [...document.querySelectorAll('[data-testid="lab-peer"] [data-testid="event-count"]')].map((cell) => Number(cell.textContent));
      // n chats plus the room's control events; equal digests mean equal sets.
      return new Set(digests).size === 1 && counts.every((count) => count >= n);
    },
    peers,
    { timeout: 120_000, polling: 100 },
  );
  const convergedMs = since() - wroteAt;
  progress('converged');

  const metrics = Object.fromEntries(((await cdp.send('Performance.getMetrics')).metrics as { name: string; value: number }[]).map((m) => [m.name, m.value]));
  console.log(
    JSON.stringify(
      {
        peers,
        startMs: startedMs,
        linkedMs,
        degrees,
        convergeAfterWritesMs: convergedMs,
        jsHeapMB: Math.round((metrics.JSHeapUsedSize ?? 0) / 1e5) / 10,
        tabCpuSeconds: Math.round((metrics.TaskDuration ?? 0) * 10) / 10,
        tabWallSeconds: Math.round(since() / 100) / 10,
      },
      null,
      2,
    ),
  );
  await browser.close();
  await server.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
