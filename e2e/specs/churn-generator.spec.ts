/**
 * The teacher's churn generator over real WebRTC and Socket.IO: on one schedule every page derives from
 * the admin's `churn` event, a page really leaves (closes its links and its server connection), stays
 * away, rejoins and catches up. The admin's tab never leaves. Nothing written by anyone is lost.
 */
import AxeBuilder from '@axe-core/playwright';
import { test, expect } from '../fixtures.ts';
import { expectConverged, type PeerPage } from '../peer.ts';

async function cycles(peer: PeerPage): Promise<number> {
  return Number((await peer.testId('churn-cycles').innerText()).trim());
}

/** Every page keeps writing chat, away or not (an away page's writes wait in its store). */
async function startWriting(peers: readonly PeerPage[], everyMs: number): Promise<void> {
  await Promise.all(
    peers.map((peer) =>
      peer.page.evaluate(
        ([ms, name]) => {
          let i = 0;
          window.peerlabWriter = setInterval(() => window.peerlab?.sendChat(`${name} churn write ${++i}`), ms);
        },
        [everyMs, peer.name] as const,
      ),
    ),
  );
}

async function stopWriting(peers: readonly PeerPage[]): Promise<void> {
  await Promise.all(peers.map((peer) => peer.page.evaluate(() => clearInterval(window.peerlabWriter))));
}

test.describe('churn generator', () => {
  test('p2p, 4 pages: pages leave and rejoin every 3 s while all write; after the stop every page has every message', async ({ room }) => {
    const ada = await room.open('Ada');
    const peers: PeerPage[] = [ada];
    for (const name of ['Bob', 'Cy', 'Dee']) peers.push(await room.open(name, `${name}-browser`));
    for (const peer of peers) await expect(peer.testId('peer-count')).toHaveText('3');
    for (const peer of peers) await expect(peer.testId('churn-status')).toHaveText('churn off');
    await expect(peers[1]!.testId('churn-toggle')).toHaveCount(0); // admin only

    await startWriting(peers, 400);
    await ada.testId('churn-period').fill('3');
    await ada.testId('churn-down').fill('1.5');
    await ada.testId('churn-toggle').click();
    for (const peer of peers) await expect(peer.testId('churn-status')).toContainText('churn on · every 3.0 s a peer leaves for 1.5 s');

    // Someone is away at some point: the admin's member list marks them, and that page says so itself.
    await expect(ada.page.locator('[data-away="true"]')).toHaveCount(1, { timeout: 10_000 });
    const axe = await new AxeBuilder({ page: ada.page }).withTags(['wcag2a', 'wcag2aa']).include('[data-testid="churn-panel"]').include('[data-testid="faults-panel"]').analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await expect.poll(async () => (await Promise.all(peers.map((peer) => peer.testId('churn-status').innerText()))).some((text) => text.includes('you are away')), { timeout: 10_000 }).toBe(true);
    // At least two leave/rejoin cycles room-wide; the admin's tab is exempt.
    await expect.poll(async () => (await Promise.all(peers.map(cycles))).reduce((a, b) => a + b, 0), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    expect(await cycles(ada)).toBe(0);

    await ada.testId('churn-toggle').click();
    for (const peer of peers) await expect(peer.testId('churn-status')).toHaveText('churn off', { timeout: 10_000 });
    await stopWriting(peers);
    for (const peer of peers) await expect(peer.testId('server-status')).toHaveText('connected');

    // Every page holds every event each writer wrote (by author and count), and all digests agree.
    const written = await Promise.all(peers.map((peer) => peer.page.evaluate(() => window.peerlab!.debug.snapshot())));
    await expect
      .poll(
        async () => {
          const snapshots = await Promise.all(peers.map((peer) => peer.page.evaluate(() => window.peerlab!.debug.snapshot())));
          return snapshots.flatMap((held) => written.filter((writer) => (held.authors[writer.peer] ?? 0) < writer.lastSeq).map((writer) => `${held.name} lacks events of ${writer.name}`));
        },
        { timeout: 30_000, message: 'events written during churn are missing' },
      )
      .toEqual([]);
    await expectConverged(peers, 1, 30_000);
    // Each page's own key signs only its chat (control events are signed by the room's admin key).
    const chats = written.reduce((sum, writer) => sum + writer.lastSeq, 0);
    for (const peer of peers) await peer.expectChatCount(chats);

    // Each page that went away measured its catch-up after rejoining.
    for (const peer of peers) {
      if ((await cycles(peer)) > 0) await expect(peer.testId('catchup-ms')).toHaveText(/^\d+ ms$/);
      else await expect(peer.testId('catchup-ms')).toHaveText('—');
    }
    const report = await Promise.all(peers.map(async (peer) => `${peer.name}: ${await cycles(peer)} cycles, catch-up ${await peer.testId('catchup-ms').innerText()}`));
    console.log(`churn generator: ${report.join('; ')}`);
    for (const peer of peers) expect(peer.errors).toEqual([]);
  });

  test('lab view (/?lab=4): every lab peer follows the same schedule, the first (the teacher) stays', async ({ room, server, browser }) => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${server.url}/?lab=4&room=${room.name}`);
    const cards = page.getByTestId('lab-peer');
    await expect(cards).toHaveCount(4);
    for (let i = 0; i < 4; i++) await expect(cards.nth(i).getByTestId('peer-count')).toHaveText('3');
    await page.getByTestId('churn-period').fill('2');
    await page.getByTestId('churn-down').fill('1');
    await page.getByTestId('churn-toggle').click();
    await expect(page.getByTestId('churn-status')).toContainText('churn on');
    await expect(page.locator('[data-testid="lab-peer"][data-away="true"]')).toHaveCount(1);
    const labCycles = async () => (await cards.evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('data-cycles'))))) as number[];
    await expect.poll(async () => (await labCycles()).slice(1).reduce((a, b) => a + b, 0), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await page.getByTestId('chat-input').first().fill('written by the teacher during churn');
    await page.getByTestId('chat-send').first().click();
    await page.getByTestId('churn-toggle').click();
    await expect(page.getByTestId('churn-status')).toHaveText('churn off');
    expect((await labCycles())[0]).toBe(0);
    await expect(page.locator('[data-testid="lab-peer"][data-away="true"]')).toHaveCount(0);
    await expect(page.getByText('converged', { exact: true })).toBeVisible({ timeout: 30_000 });
    const counts = await page.getByTestId('event-count').allInnerTexts();
    expect(new Set(counts).size).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
