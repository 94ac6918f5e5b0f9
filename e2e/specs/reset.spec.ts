import type { Page } from '@playwright/test';
import { test, expect } from '../fixtures.ts';
import { expectAllMessages, expectConverged, type PeerPage } from '../peer.ts';

/** Events this browser keeps in IndexedDB for a room code, by generation key prefix ('' for generation 0). */
async function cachedEvents(page: Page, roomKey: string): Promise<number> {
  return page.evaluate(
    (key) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('peerlab', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('events');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('events', 'readonly').objectStore('events').count(IDBKeyRange.bound(`${key}\u0000`, `${key}\u0001`, false, true));
          request.onsuccess = () => {
            resolve(request.result);
            open.result.close();
          };
          request.onerror = () => reject(request.error);
        };
      }),
    roomKey,
  );
}

async function resetRoom(admin: PeerPage): Promise<void> {
  await admin.testId('reset-room').click();
  await expect(admin.testId('reset-confirm')).toBeFocused();
  await admin.page.keyboard.press('Enter');
}

/** After a reset a page reloads into the new generation: no messages, no pixels, default mode, connected. */
async function expectEmptied(peer: PeerPage): Promise<void> {
  await expect(peer.testId('chat-message')).toHaveCount(0);
  await expect(peer.page.locator('[data-testid="board-cell"]:not([data-color=""])')).toHaveCount(0);
  await expect(peer.testId('mode')).toHaveText('p2p');
  await expect(peer.testId('server-status')).toHaveText('connected');
}

test.describe('reset the room', () => {
  test('p2p: admin + 2 write, the admin resets: every page is empty with its identity, and writing works after in p2p and client-server', async ({ room, server, browser }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob', 'bob');
    const cy = await room.open('Cy', 'cy');
    const pages = [ada, bob, cy];
    for (const page of pages) await expect(page.testId('peer-count')).toHaveText('2');
    const before = ['ada before', 'bob before', 'cy before'];
    await Promise.all(pages.map((page, i) => page.write(before[i]!)));
    await bob.page.locator('[data-testid="board-cell"][data-x="1"][data-y="1"]').click();
    await expectAllMessages(pages, before);
    await expectConverged(pages, 4);
    const identities = await Promise.all(pages.map((page) => page.identity()));
    // Only the admin has the control; the others never see it.
    await expect(bob.testId('reset-room')).toHaveCount(0);

    const presenter = await (await browser.newContext()).newPage();
    await presenter.goto(`${server.url}/present?room=${room.name}`);
    await expect(presenter.getByTestId('room-generation')).toHaveText('0');

    const started = Date.now();
    await resetRoom(ada);
    for (const page of pages) await expectEmptied(page);
    // A measurement, not an assertion: how long until every page shows the empty room (results.json).
    test.info().annotations.push({ type: 'reset-to-empty-ms', description: String(Date.now() - started) });
    expect(await Promise.all(pages.map((page) => page.identity()))).toEqual(identities);
    // The presenter is an observer peer of the room (it hears gossip in p2p): a third direct link for each page.
    for (const page of pages) await expect(page.testId('peer-count')).toHaveText('3');
    await expectConverged(pages, 0);
    await expect(presenter.getByTestId('room-generation')).toHaveText('1');
    const info = await server.room(room.name);
    expect(info?.generation).toBe(1);
    expect(Object.values(info?.accepted ?? {}).flatMap((byKind) => Object.keys(byKind)).filter((kind) => kind !== 'admit')).toEqual([]);
    await expect(presenter.getByTestId('server-event-count')).toHaveText(String(info?.eventCount));
    expect(Number(/^peerlab_room_resets_total (\d+)/m.exec(await server.metrics())?.[1])).toBe(1);

    // Writing after the reset: p2p first (the default mode again), then client-server.
    await bob.write('after the reset, p2p');
    await expectAllMessages(pages, ['after the reset, p2p']);
    await ada.switchMode('client-server');
    for (const page of pages) await expect(page.testId('mode')).toHaveText('client-server');
    await cy.write('after the reset, client-server');
    await expectAllMessages(pages, ['after the reset, p2p', 'after the reset, client-server']);
    for (const page of pages) await expect(page.testId('chat-message')).toHaveCount(2);
    await expectConverged(pages, 2);
    // The server holds both new chats (the p2p one reconciled when the room moved to it), nothing older.
    expect((await server.room(room.name))?.accepted['client-server']?.chat).toBe(2);
    for (const page of pages) expect(page.errors).toEqual([]);
    await presenter.context().close();
  });

  test('client-server: a page closed during the reset returns with its old IndexedDB and brings nothing back', async ({ room, server }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob', 'bob');
    const cy = await room.open('Cy', 'cy');
    await ada.switchMode('client-server');
    for (const page of [bob, cy]) await expect(page.testId('mode')).toHaveText('client-server');
    const before = ['ada before', 'bob before', 'cy before'];
    for (const [i, page] of [ada, bob, cy].entries()) await page.write(before[i]!);
    await expectAllMessages([ada, bob, cy], before);
    await expect(cy.testId('pending-count')).toHaveText('0');
    await expect.poll(() => cachedEvents(cy.page, room.name)).toBeGreaterThanOrEqual(3);

    const cyContext = cy.page.context();
    await cy.page.close();
    await resetRoom(ada);
    for (const page of [ada, bob]) await expectEmptied(page);
    await expectConverged([ada, bob], 0);

    // Cy's browser comes back: its IndexedDB still holds the old generation's events.
    const probe = await cyContext.newPage();
    await probe.goto(`${server.url}/healthz`);
    expect(await cachedEvents(probe, room.name)).toBeGreaterThanOrEqual(3);
    const back = await room.open('Cy again', 'cy');
    await expectEmptied(back);
    expect(await cachedEvents(probe, room.name)).toBe(0);
    await expectConverged([ada, bob, back], 0);
    // Nothing came back anywhere, and the server never took an old event in.
    for (const page of [ada, bob, back]) await expect(page.testId('chat-message')).toHaveCount(0);
    const info = await server.room(room.name);
    expect(info?.generation).toBe(1);
    expect(info?.accepted['client-server']?.chat ?? 0).toBe(0);

    // The returning page writes in the new generation, through the server (client-server again).
    await ada.switchMode('client-server');
    await back.write('back after the reset');
    await expectAllMessages([ada, bob, back], ['back after the reset']);
    for (const page of [ada, bob, back]) await expect(page.testId('chat-message')).toHaveCount(1);
    await expectConverged([ada, bob, back], 1);
    expect((await server.room(room.name))?.accepted['client-server']?.chat).toBe(1);
    await probe.close();
  });
});
