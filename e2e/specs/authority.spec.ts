import { test, expect } from '../fixtures.ts';
import { expectAllMessages, expectConverged, type PeerPage } from '../peer.ts';

async function transfer(peer: PeerPage, from: string, to: string, amount: number, memo: string): Promise<void> {
  await peer.testId('ledger-from').fill(from);
  await peer.testId('ledger-to').fill(to);
  await peer.testId('ledger-amount').fill(String(amount));
  await peer.testId('ledger-memo').fill(memo);
  await peer.testId('ledger-send').click();
  await expect(peer.page.getByTestId('ledger-entry').filter({ hasText: memo })).toHaveCount(1);
}

function entry(peer: PeerPage, memo: string) {
  return peer.page.getByTestId('ledger-entry').filter({ hasText: memo });
}

test.describe('the central authority', () => {
  test('client-server: two spends of one account race; the server confirms one and refuses the overdraft', async ({ room }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob');
    await ada.switchMode('client-server');
    await expect(bob.testId('mode')).toHaveText('client-server');
    await Promise.all([transfer(ada, 'fund', 'alice', 70, 'first ATM'), transfer(bob, 'fund', 'bob', 70, 'second ATM')]);
    for (const peer of [ada, bob]) {
      await expect(peer.page.locator('[data-testid="ledger-entry"][data-status="confirmed"]')).toHaveCount(1);
      await expect(peer.page.locator('[data-testid="ledger-entry"][data-status="refused"]')).toHaveCount(1);
      await expect(peer.page.locator('[data-testid="ledger-entry"][data-status="refused"]')).toContainText('overdraft');
      await expect(peer.page.locator('[data-testid="ledger-balance"][data-account="fund"]')).toContainText('30');
    }
    await expectConverged([ada, bob], 4);
  });

  test('client-server: while the teacher stops the server, writes queue as pending and flush in order on restore', async ({ room, server }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob');
    await ada.switchMode('client-server');
    await expect(bob.testId('mode')).toHaveText('client-server');
    await ada.testId('service-toggle').click();
    for (const peer of [ada, bob]) await expect(peer.testId('server-status')).toHaveText('stopped');
    const texts = ['queued 1', 'queued 2', 'queued 3'];
    for (const text of texts) await bob.write(text);
    await expect(bob.testId('pending-count')).toHaveText('3');
    await expect(ada.testId('chat-message')).toHaveCount(0);
    expect((await server.room(room.name))?.accepted['client-server']?.chat ?? 0).toBe(0);
    await ada.testId('service-toggle').click();
    for (const peer of [ada, bob]) await expect(peer.testId('server-status')).toHaveText('connected');
    await expect(bob.testId('pending-count')).toHaveText('0');
    await expectAllMessages([ada, bob], texts);
    await expect(ada.testId('chat-message')).toHaveText(texts.map((text) => new RegExp(text)));
    expect((await server.room(room.name))?.accepted['client-server']?.chat).toBe(3);
  });

  test('hybrid: with the server stopped, chat keeps flowing peer to peer and transfers wait for it', async ({ room }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob');
    await ada.switchMode('hybrid');
    await expect(bob.testId('peer-count')).toHaveText('1');
    await ada.testId('service-toggle').click();
    await expect(bob.testId('server-status')).toHaveText('stopped');
    await transfer(bob, 'fund', 'alice', 10, 'during the outage');
    await bob.write('chat during the outage');
    await expectAllMessages([ada], ['chat during the outage']);
    await expect(entry(ada, 'during the outage')).toHaveAttribute('data-status', 'pending');
    await ada.testId('service-toggle').click();
    for (const peer of [ada, bob]) await expect(entry(peer, 'during the outage')).toHaveAttribute('data-status', 'confirmed');
  });

  test('p2p: both sides of a partition spend the same balance; after the heal every page shows the same conflict', async ({ room }) => {
    const pages = [await room.open('Ada'), await room.open('Bob'), await room.open('Cy'), await room.open('Dee')];
    const [ada, bob, cy, dee] = pages as [PeerPage, PeerPage, PeerPage, PeerPage];
    for (const page of pages) await expect(page.testId('peer-count')).toHaveText('3');
    const keys = await Promise.all(pages.map((page) => page.page.evaluate(() => (window.peerlab as unknown as { publicKey: string }).publicKey)));
    await ada.page.evaluate((groups) => window.peerlab!.partition!(groups), [[keys[0]!, keys[1]!], [keys[2]!, keys[3]!]]);
    for (const page of pages) await expect(page.testId('peer-count')).toHaveText('1');
    await expect(cy.testId('partition-notice')).toBeVisible();

    await transfer(bob, 'fund', 'alice', 80, 'left side spends');
    await transfer(cy, 'fund', 'bob', 80, 'right side spends');
    // Each side validated locally and accepted its own spend.
    await expect(entry(ada, 'left side spends')).toHaveAttribute('data-status', 'tentative');
    await expect(entry(dee, 'right side spends')).toHaveAttribute('data-status', 'tentative');
    await expect(entry(ada, 'right side spends')).toHaveCount(0);

    await ada.testId('partition-toggle').click(); // heal
    await expect(cy.testId('partition-notice')).toHaveCount(0);
    await expectConverged(pages, 3);
    const statuses = async (page: PeerPage) => page.page.getByTestId('ledger-entry').evaluateAll((items) => items.map((item) => `${item.textContent?.includes('left side') ? 'left' : 'right'}:${item.getAttribute('data-status')}`));
    await expect.poll(() => statuses(ada)).toHaveLength(2);
    const expected = await statuses(ada);
    expect(expected.filter((s) => s.endsWith(':conflict'))).toHaveLength(1);
    for (const page of pages) await expect.poll(() => statuses(page)).toEqual(expected);
    for (const page of pages) await expect(page.page.locator('[data-testid="ledger-balance"][data-account="fund"]')).toContainText('20');
  });

  test('the teacher splits the room in two with one click and heals it', async ({ room }) => {
    const pages = [await room.open('Ada'), await room.open('Bob'), await room.open('Cy'), await room.open('Dee')];
    for (const page of pages) await expect(page.testId('peer-count')).toHaveText('3');
    await pages[0]!.testId('partition-toggle').click();
    for (const page of pages) await expect(page.testId('peer-count')).toHaveText('1');
    await pages[0]!.testId('partition-toggle').click();
    for (const page of pages) await expect(page.testId('peer-count')).toHaveText('3');
  });

  test('a room created with a passcode admits only those who give it', async ({ room, browser, server }) => {
    await room.open('Teacher', 'teacher', { query: { passcode: 'open-sesame' } });
    const context = await browser.newContext();
    try {
      const intruder = await context.newPage();
      await intruder.goto(`${server.url}/?room=${room.name}&name=Intruder`);
      await expect(intruder.getByText(/refused to join.*bad_passcode/)).toBeVisible();
      await expect(intruder.getByTestId('server-status')).not.toHaveText('connected');
      const student = await context.newPage();
      await student.goto(`${server.url}/?room=${room.name}&name=Student&passcode=open-sesame`);
      await expect(student.getByTestId('server-status')).toHaveText('connected');
      expect((await server.room(room.name))?.members.map((m) => m.name).sort()).toEqual(['Student', 'Teacher']);
    } finally {
      await context.close();
    }
  });
});
