import { test, expect } from '../fixtures.ts';
import { expectAllMessages, expectConverged, type Mode, type PeerPage } from '../peer.ts';
import type { RoomFixture } from '../fixtures.ts';

/** Three tabs of one browser (the room creator's): each must still be its own peer. */
async function threeTabs(room: RoomFixture): Promise<[PeerPage, PeerPage, PeerPage]> {
  const ada = await room.open('Ada');
  const bob = await room.open('Bob');
  const cy = await room.open('Cy');
  return [ada, bob, cy];
}

async function expectDirectMesh(peers: readonly PeerPage[]): Promise<void> {
  for (const peer of peers) await expect(peer.testId('peer-count')).toHaveText(String(peers.length - 1));
}

test.describe('walking skeleton', () => {
  test('p2p: three tabs are three peers and converge over WebRTC; the server sees no chat', async ({ room, server }) => {
    const tabs = await threeTabs(room);
    const identities = await Promise.all(tabs.map((tab) => tab.identity()));
    expect(new Set(identities).size).toBe(3);
    for (const tab of tabs) await expect(tab.testId('mode')).toHaveText('p2p');
    await expectDirectMesh(tabs);

    const texts = tabs.map((tab, i) => `hello from ${tab.name} ${i}`);
    await Promise.all(tabs.map((tab, i) => tab.write(texts[i]!)));
    await expectAllMessages(tabs, texts);
    await expectConverged(tabs, 3);

    const info = await server.room(room.name);
    expect(info?.members).toHaveLength(3);
    expect(info?.accepted.p2p?.chat ?? 0).toBe(0);
    for (const tab of tabs) expect(tab.errors).toEqual([]);
  });

  test('client-server: the server orders and persists; a restart loses nothing acknowledged', async ({ room, server, browser }) => {
    const tabs = await threeTabs(room);
    await tabs[0].switchMode('client-server');
    for (const tab of tabs) await expect(tab.testId('mode')).toHaveText('client-server');
    for (const tab of tabs) await expect(tab.testId('peer-count')).toHaveText('0');

    const texts = Array.from({ length: 9 }, (_, i) => `cs message ${i}`);
    for (const [i, text] of texts.entries()) await tabs[i % 3]!.write(text);
    await expectAllMessages(tabs, texts);
    await expectConverged(tabs, texts.length);
    for (const tab of tabs) await expect(tab.testId('pending-count')).toHaveText('0');

    const before = await server.room(room.name);
    expect(before?.accepted['client-server']?.chat).toBe(texts.length);
    expect(before?.digest).toBe(await tabs[0].digest());

    await server.restart();
    for (const tab of tabs) await expect(tab.testId('server-status')).toHaveText('connected');
    const after = await server.room(room.name);
    expect(after?.eventCount).toBe(before?.eventCount);
    expect(after?.digest).toBe(before?.digest);

    // A newcomer from another browser gets everything from the restarted server alone.
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/?room=${room.name}&name=Late`);
      await expect(page.getByTestId('mode')).toHaveText('client-server');
      await expect(page.getByTestId('state-digest')).toHaveText(await tabs[0].digest());
      await expect(page.getByTestId('chat-message')).toHaveCount(texts.length);
    } finally {
      await context.close();
    }
  });

  test('hybrid: data flows peer to peer while the server keeps the mode and the member list', async ({ room, server }) => {
    const tabs = await threeTabs(room);
    await tabs[0].switchMode('hybrid');
    for (const tab of tabs) await expect(tab.testId('mode')).toHaveText('hybrid');
    await expectDirectMesh(tabs);
    const texts = tabs.map((tab) => `hybrid from ${tab.name}`);
    await Promise.all(tabs.map((tab, i) => tab.write(texts[i]!)));
    await expectAllMessages(tabs, texts);
    await expectConverged(tabs, 4);
    const info = await server.room(room.name);
    expect(info?.mode).toBe('hybrid');
    expect(info?.members).toHaveLength(3);
    expect(info?.accepted.hybrid?.chat ?? 0).toBe(0);
  });

  test('live switching with writes in flight loses nothing', async ({ room }) => {
    const tabs = await threeTabs(room);
    const [admin, ...others] = tabs;
    const sequence: Mode[] = ['client-server', 'hybrid', 'p2p', 'client-server', 'hybrid', 'p2p'];
    const texts: string[] = [];
    for (const [round, mode] of sequence.entries()) {
      const batch = others.map((tab) => `round ${round} ${tab.name} while switching to ${mode}`);
      texts.push(...batch);
      await Promise.all([admin.switchMode(mode), ...others.map((tab, i) => tab.write(batch[i]!))]);
      const after = `round ${round} admin after ${mode}`;
      texts.push(after);
      await admin.write(after);
      // Each tab follows the switch promptly (the issue asks for a second; the margin absorbs CI noise).
      for (const tab of others) await expect(tab.testId('mode')).toHaveText(mode, { timeout: 3_000 });
    }
    await expectAllMessages(tabs, texts, 30_000);
    await expectConverged(tabs, texts.length + sequence.length);
  });

  test('a reloaded tab keeps its identity and its history, and catches up from its peers, not the server', async ({ room, server }) => {
    const tabs = await threeTabs(room);
    const [ada, bob, cy] = tabs;
    await expectDirectMesh(tabs);
    const texts = ['before reload 1', 'before reload 2', 'before reload 3'];
    for (const [i, text] of texts.entries()) await tabs[i]!.write(text);
    await expectConverged(tabs, 3);

    const identity = await bob.identity();
    await bob.reload();
    expect(await bob.identity()).toBe(identity);
    await expectAllMessages([bob], texts);
    await bob.write('bob after reload');
    await ada.write('ada after reload');
    await expectAllMessages(tabs, [...texts, 'bob after reload', 'ada after reload']);
    await expectConverged([ada, bob, cy], 5);
    // In p2p the server holds no chat, so the reloaded tab's history came over WebRTC.
    expect((await server.room(room.name))?.accepted.p2p?.chat ?? 0).toBe(0);
  });

  test('a late joiner catches up, and only the room admin can switch modes', async ({ room }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob');
    for (let i = 0; i < 5; i++) await (i % 2 ? bob : ada).write(`early ${i}`);
    const student = await room.open('Student', 'student-browser');
    await expectConverged([ada, bob, student], 5);
    await expect(student.testId('mode-select')).toBeDisabled();
    await expect(ada.testId('mode-select')).toBeEnabled();
  });
});
