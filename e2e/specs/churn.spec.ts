/**
 * Churn scenarios: peers leave, return, lose the server, lose WebRTC, switch modes — while writing — and
 * every event held by a live peer must end up on every live peer within a stated time after the
 * disturbance ends. Select one with `npm run e2e -- --grep "mass departure"`; `PEERLAB_HEAVY=1` runs the
 * heavier variants. Numbers per scenario land in e2e/artifacts/scenarios.json.
 */
import { test, expect, HEAVY } from '../scenario.ts';
import type { Mode } from '../peer.ts';

const ALL_MODES: readonly Mode[] = ['p2p', 'client-server', 'hybrid'];

/** The stated time: every live peer agrees this long after the disturbance ends at the latest. */
const CONVERGE_WITHIN_MS = 15_000;

test.describe('churn', () => {
  for (const mode of ALL_MODES) {
    const pages = HEAVY ? 8 : 5;
    const seconds = HEAVY ? 60 : 10;
    test(`steady churn (${mode}): ${pages} pages, one closed or reloaded every 2 s for ${seconds} s while all write`, async ({ scenario }) => {
      test.setTimeout((seconds + 90) * 1000);
      await scenario.openPages(pages);
      if (mode !== 'p2p') await scenario.switchMode(mode);
      await scenario.startWriting(2);
      const end = Date.now() + seconds * 1000;
      // P1 is the admin and stays; the others take turns leaving (closed, then reopened) or reloading.
      for (let turn = 0; Date.now() < end; turn++) {
        const name = `P${2 + (turn % (pages - 1))}`;
        if (turn % 2 === 0) await scenario.reload(name);
        else {
          await scenario.closePage(name);
          await scenario.reopen(name);
        }
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
      await scenario.stopWriting();
      const took = await scenario.expectEveryLivePeerHasEverything({ within: CONVERGE_WITHIN_MS });
      console.log(`steady churn (${mode}): converged ${took} ms after the last write`);
    });
  }

  for (const mode of ['p2p', 'client-server'] as const) {
    test(`mass departure (${mode}): half the pages close at once while writing, then return`, async ({ scenario }) => {
      const count = HEAVY ? 8 : 6;
      await scenario.openPages(count);
      if (mode !== 'p2p') await scenario.switchMode(mode);
      await scenario.startWriting(3);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const leaving = Array.from({ length: count / 2 }, (_, i) => `P${count / 2 + 1 + i}`);
      await scenario.closePages(leaving);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      for (const name of leaving) await scenario.reopen(name);
      const returned = Date.now();
      await scenario.stopWriting();
      await scenario.expectEveryLivePeerHasEverything({ within: CONVERGE_WITHIN_MS, since: returned });
    });
  }

  for (const mode of ['p2p', 'client-server'] as const) {
    test(`late joiner (${mode}): a page joins after 1,000 events and catches up`, async ({ scenario }) => {
      await scenario.openPages(3);
      if (mode !== 'p2p') await scenario.switchMode(mode);
      for (const name of ['P1', 'P2', 'P3']) await scenario.writeMany(name, name === 'P1' ? 334 : 333);
      await scenario.expectEveryLivePeerHasEverything({ within: CONVERGE_WITHIN_MS, atLeast: 1_000 });
      const joined = Date.now();
      await scenario.open('Late');
      const took = await scenario.expectEveryLivePeerHasEverything({ within: CONVERGE_WITHIN_MS, since: joined, atLeast: 1_000 });
      console.log(`late joiner (${mode}): caught up on ${(await scenario.snapshots())[0]!.events} events ${took} ms after opening`);
    });
  }

  for (const mode of ALL_MODES) {
    test(`server outage mid-stream (${mode}): stopped while everyone writes, then restarted`, async ({ scenario }) => {
      await scenario.openPages(4);
      if (mode !== 'p2p') await scenario.switchMode(mode);
      await scenario.startWriting(3);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await scenario.stopServer();
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await scenario.startServer();
      const back = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await scenario.stopWriting();
      await scenario.expectEveryLivePeerHasEverything({ within: CONVERGE_WITHIN_MS, since: back });
      for (const page of scenario.pages.values()) await expect(page.testId('pending-count')).toHaveText('0');
    });
  }

  for (const mode of ['client-server', 'hybrid'] as const) {
    test(`server SIGKILL (${mode}): killed mid-stream and restarted; nothing acknowledged is lost`, async ({ scenario }) => {
      await scenario.openPages(4);
      await scenario.switchMode(mode);
      await scenario.startWriting(3);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await scenario.killServer();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await scenario.startServer();
      const back = Date.now();
      await scenario.stopWriting();
      await scenario.expectEveryLivePeerHasEverything({ within: CONVERGE_WITHIN_MS, since: back });
      const [one] = await scenario.snapshots();
      // The server is the authority in client-server: after the crash it holds exactly what the peers hold.
      if (mode === 'client-server') await expect.poll(async () => (await scenario.server.room(scenario.roomName))?.digest).toBe(one!.digest);
    });
  }

  test('mode switches every few seconds under load', async ({ scenario }) => {
    await scenario.openPages(4);
    await scenario.startWriting(3);
    const sequence: Mode[] = HEAVY ? ['client-server', 'hybrid', 'p2p', 'hybrid', 'client-server', 'p2p', 'client-server', 'hybrid', 'p2p'] : ['client-server', 'hybrid', 'p2p', 'client-server', 'p2p'];
    for (const mode of sequence) {
      await scenario.switchMode(mode);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    const last = Date.now();
    await scenario.stopWriting();
    await scenario.expectEveryLivePeerHasEverything({ within: CONVERGE_WITHIN_MS, since: last });
  });

  test('blocked WebRTC (hybrid): a page without WebRTC falls back to the relay and misses nothing', async ({ scenario }) => {
    await scenario.openPages(3);
    await scenario.switchMode('hybrid');
    const blocked = await scenario.openBlocked('Blocked');
    await expect(blocked.testId('member').and(blocked.page.locator('[data-link="relay"]'))).toHaveCount(3);
    await scenario.startWriting(3);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await scenario.reload('Blocked');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await scenario.stopWriting();
    await scenario.expectEveryLivePeerHasEverything({ within: CONVERGE_WITHIN_MS });
    await expect(blocked.testId('peer-count')).toHaveText('0');
  });

  test('pages and bots (p2p): pages and bot peers share one room under bot churn', async ({ scenario }) => {
    const [pages, bots] = HEAVY ? [4, 24] : [3, 6];
    test.setTimeout(HEAVY ? 240_000 : 90_000);
    await scenario.openPages(pages);
    await scenario.startBots(bots);
    await expect(scenario.admin.testId('member')).toHaveCount(pages - 1 + bots);
    await scenario.startWriting(1);
    // Bots leave and rejoin (same identity, empty store) while everyone writes.
    for (let i = 0; i < (HEAVY ? 10 : 4); i++) {
      const bot = scenario.bots[i % scenario.bots.length]!;
      bot.leave();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await bot.join();
    }
    const last = Date.now();
    await scenario.stopWriting();
    await scenario.expectEveryLivePeerHasEverything({ within: HEAVY ? 30_000 : CONVERGE_WITHIN_MS, since: last });
  });

  test('partition and heal (p2p): both sides write while split, and converge after the heal', async ({ scenario }) => {
    await scenario.openPages(4);
    await scenario.partition([
      ['P1', 'P2'],
      ['P3', 'P4'],
    ]);
    for (const name of ['P1', 'P2', 'P3', 'P4']) await expect(scenario.page(name).testId('peer-count')).toHaveText('1');
    const [leftBefore, rightBefore] = await Promise.all([scenario.page('P1').eventCount(), scenario.page('P3').eventCount()]);
    await scenario.startWriting(3);
    // Both sides write while split, so their states diverge.
    await expect
      .poll(async () => {
        const [left, right] = await Promise.all([scenario.page('P1'), scenario.page('P3')].map(async (page) => ({ digest: await page.digest(), count: await page.eventCount() })));
        return left!.digest !== right!.digest && left!.count >= leftBefore + 6 && right!.count >= rightBefore + 6;
      })
      .toBe(true);
    await scenario.stopWriting();
    await scenario.heal();
    const healed = Date.now();
    await scenario.expectEveryLivePeerHasEverything({ within: CONVERGE_WITHIN_MS, since: healed });
  });
});
