/**
 * Lab mode at the size the classroom issue asks for: 16 peers in one tab, each with its own identity, store
 * and real WebRTC links, kept on a bounded-degree mesh (not 15 links each) and converging after every peer
 * writes. `npm run bench:lab` measures the same run's timings and memory.
 */
import { test, expect } from '../fixtures.ts';
import { DEFAULT_OVERLAY } from '../../shared/src/index.ts';

const PEERS = 16;

test('lab mode with 16 peers links a bounded mesh and converges', async ({ browser, server }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/?lab=${PEERS}&room=lab16${Date.now() % 100000}`);
  const cards = page.getByTestId('lab-peer');
  await expect(cards).toHaveCount(PEERS, { timeout: 60_000 });

  const degrees = async (): Promise<number[]> => (await page.getByTestId('lab-peer').getByTestId('peer-count').allInnerTexts()).map(Number);
  await expect.poll(async () => Math.min(...(await degrees())), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
  // Bounded: the overlay grafts at most one over its high watermark before pruning, never a full mesh.
  expect(Math.max(...(await degrees()))).toBeLessThanOrEqual(DEFAULT_OVERLAY.high + 1);

  for (let i = 0; i < PEERS; i++) {
    await cards.nth(i).getByTestId('chat-input').fill(`lab peer ${i}`);
    await cards.nth(i).getByTestId('chat-send').click();
  }
  await expect
    .poll(
      async () => {
        const digests = await page.getByTestId('lab-peer').getByTestId('state-digest').allInnerTexts();
        const counts = (await page.getByTestId('lab-peer').getByTestId('event-count').allInnerTexts()).map(Number);
        return new Set(digests).size === 1 && counts.every((count) => count >= PEERS);
      },
      { timeout: 60_000 },
    )
    .toBe(true);
  await context.close();
});
