import { test, expect } from '../fixtures.ts';
import { expectAllMessages, expectConverged } from '../peer.ts';

test.describe('relay, lab and presenter', () => {
  test('hybrid: a page without WebRTC is reached through the server relay', async ({ room, server }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob');
    const blocked = await room.open('Blocked', 'no-webrtc-browser', { webrtc: false });
    await ada.switchMode('hybrid');
    await expect(blocked.testId('mode')).toHaveText('hybrid');
    await expect(ada.testId('peer-count')).toHaveText('1');
    await expect(blocked.testId('peer-count')).toHaveText('0');
    await expect(blocked.testId('member').and(blocked.page.locator('[data-link="relay"]'))).toHaveCount(2);
    await expect(ada.testId('member').and(ada.page.locator('[data-link="relay"]'))).toHaveCount(1);

    const texts = ['from ada', 'from bob', 'from the blocked page'];
    await ada.write(texts[0]!);
    await bob.write(texts[1]!);
    await blocked.write(texts[2]!);
    await expectAllMessages([ada, bob, blocked], texts);
    await expectConverged([ada, bob, blocked], 4);
    const metrics = await server.metrics();
    const relayed = Number(/^peerlab_relay_bytes_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    expect(relayed).toBeGreaterThan(0);
    // The relay carries data but the authority does not accept it: hybrid data is peer to peer.
    expect((await server.room(room.name))?.accepted.hybrid?.chat ?? 0).toBe(0);
  });

  test('lab mode runs N peers in one tab, each its own identity, converging over real WebRTC', async ({ browser, server }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/?lab=4&room=lab${Date.now() % 100000}`);
    const cards = page.getByTestId('lab-peer');
    await expect(cards).toHaveCount(4);
    for (let i = 0; i < 4; i++) await expect(cards.nth(i).getByTestId('peer-count')).toHaveText('3');
    for (let i = 0; i < 4; i++) {
      await cards.nth(i).getByTestId('chat-input').fill(`lab peer ${i}`);
      await cards.nth(i).getByTestId('chat-send').click();
    }
    await expect
      .poll(async () => {
        const digests = await Promise.all([0, 1, 2, 3].map((i) => cards.nth(i).getByTestId('state-digest').innerText()));
        const counts = await Promise.all([0, 1, 2, 3].map((i) => cards.nth(i).getByTestId('event-count').innerText()));
        // 4 chats plus each peer's membership certificate: equal everywhere is what matters.
        return new Set(digests).size === 1 && new Set(counts).size === 1 && Number(counts[0]) >= 4;
      })
      .toBe(true);
    await context.close();
  });

  test('the presenter dashboard shows the room as the server sees it', async ({ room, browser, server }) => {
    const ada = await room.open('Ada');
    await room.open('Bob');
    await ada.switchMode('client-server');
    await ada.write('for the projector');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/present?room=${room.name}`);
    await expect(page.getByTestId('server-mode')).toHaveText('client-server');
    await expect(page.getByText(`${server.url}/?room=${room.name}`)).toBeVisible();
    // Bob is named in the members, the telemetry and the room graph: the first is enough.
    await expect(page.getByText('Bob').first()).toBeVisible();
    // How students join: the URL (on a LAN address where the machine has one) and its QR code.
    await expect(page.getByTestId('join-url')).toContainText(`/?room=${room.name}`);
    await expect(page.getByTestId('room-code')).toHaveText(room.name);
    await expect(page.getByTestId('join-qr').locator('svg')).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('presenter.png'), fullPage: true });
    // A presenter opened without a room starts one under a short readable code.
    await page.goto(`${server.url}/present`);
    await expect(page).toHaveURL(/\/present\?room=[a-z]+-[a-z]+-\d{2}$/);
    await expect(page.getByTestId('room-code')).toHaveText(/^[a-z]+-[a-z]+-\d{2}$/);
    await context.close();
  });

  test('a lone tab keeps its history across a reload (IndexedDB), with no peer and no server copy', async ({ room, server }) => {
    const ada = await room.open('Ada');
    const texts = ['kept 1', 'kept 2', 'kept 3'];
    for (const text of texts) await ada.write(text);
    // The page shows what it holds at most a refresh later: read the digest once the third message shows.
    await expect(ada.testId('chat-message')).toHaveCount(3);
    const digest = await ada.digest();
    await ada.reload();
    // p2p: the server holds no chat and no other peer is online, so only the browser's own storage has it.
    expect((await server.room(room.name))?.accepted.p2p?.chat ?? 0).toBe(0);
    await expect(ada.testId('chat-message')).toHaveCount(3);
    await expect(ada.testId('state-digest')).toHaveText(digest);
    await ada.write('after the reload');
    await expect(ada.testId('chat-message')).toHaveCount(4);
  });

  test('a reload right after a burst of writes continues the sequence numbers, reusing none', async ({ room }) => {
    const ada = await room.open('Ada');
    const lastSeq = (): Promise<number> => ada.page.evaluate(() => window.peerlab!.debug.snapshot().lastSeq);
    await ada.page.evaluate(() => {
      for (let i = 1; i <= 20; i++) window.peerlab!.sendChat(`burst ${i}`);
    });
    await expect.poll(lastSeq).toBe(20);
    await ada.reload();
    expect(await lastSeq()).toBe(20);
    await ada.write('after the burst');
    await expect.poll(lastSeq).toBe(21);
    await ada.expectChatCount(21);
    expect(ada.errors).toEqual([]);
  });
});
