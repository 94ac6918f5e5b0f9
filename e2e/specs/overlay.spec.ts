import { test, expect } from '../fixtures.ts';
import { expectAllMessages, expectConverged, type PeerPage } from '../peer.ts';

/** Waits until every page's direct-link count is within [min, max]. */
async function expectDegrees(peers: readonly PeerPage[], min: number, max: number, timeout = 20_000): Promise<number[]> {
  let degrees: number[] = [];
  await expect
    .poll(
      async () => {
        degrees = await Promise.all(peers.map((peer) => peer.peerCount()));
        return degrees.every((degree) => degree >= min && degree <= max) ? 'in range' : `degrees ${degrees.join(' ')}`;
      },
      { timeout, message: `direct links per page should be in [${min}, ${max}]` },
    )
    .toBe('in range');
  return degrees;
}

test.describe('overlay', () => {
  test('a sparse mesh (?overlay=2,2,3) bounds each page to at most 3 links and gossip spreads over several hops', async ({ room, server }) => {
    const query = { overlay: '2,2,3' };
    const peers: PeerPage[] = [];
    for (const name of ['P1', 'P2', 'P3', 'P4', 'P5', 'P6']) peers.push(await room.open(name, 'teacher', { query }));
    // Between the low and the high watermark, not a full mesh (5 each). A page may briefly hold one link
    // over `high` (it accepts a newcomer, then sheds back to the target), so the bounds are awaited.
    const degrees = await expectDegrees(peers, 2, 3, 30_000);
    console.log(`sparse mesh degrees: ${degrees.join(' ')}`);

    const texts = peers.map((peer) => `sparse from ${peer.name}`);
    await Promise.all(peers.map((peer, i) => peer.write(texts[i]!)));
    await expectAllMessages(peers, texts);
    await expectConverged(peers, texts.length);
    // Still sparse after the writes: the overlay did not grow into a full mesh (5 links each).
    await expectDegrees(peers, 2, 3);
    expect((await server.room(room.name))?.accepted.p2p?.chat ?? 0).toBe(0);
    for (const peer of peers) expect(peer.errors).toEqual([]);
  });

  test('p2p survives a server outage: writes converge and a broken link is repaired through the mesh', async ({ room, server }) => {
    const peers: PeerPage[] = [];
    for (const name of ['Ada', 'Bob', 'Cy', 'Dee']) peers.push(await room.open(name));
    await expectDegrees(peers, 3, 3);

    await server.stop();
    for (const peer of peers) await expect(peer.testId('server-status')).toHaveText('disconnected');
    const during = peers.map((peer) => `during the outage from ${peer.name}`);
    await Promise.all(peers.map((peer, i) => peer.write(during[i]!)));
    await expectAllMessages(peers, during);
    await expectConverged(peers, during.length);

    // Break one link; with the server down, the new offer and answer can only travel over the mesh.
    const [ada] = peers as [PeerPage, ...PeerPage[]];
    const victim = (await ada.directPeers())[0]!;
    const brokenAt = Date.now();
    expect(await ada.dropDirectLink(victim)).toBe(true);
    await expect.poll(() => ada.directPeers(), { timeout: 20_000, message: 'the broken link was not repaired' }).toContain(victim);
    await expectDegrees(peers, 3, 3);
    console.log(`link repaired over mesh-relayed signaling in ${Date.now() - brokenAt} ms (server down)`);
    for (const peer of peers) await expect(peer.testId('server-status')).toHaveText('disconnected');

    const after = peers.map((peer) => `after the repair from ${peer.name}`);
    await Promise.all(peers.map((peer, i) => peer.write(after[i]!)));
    await expectAllMessages(peers, [...during, ...after]);
    await expectConverged(peers, during.length + after.length);

    await server.start();
    for (const peer of peers) await expect(peer.testId('server-status')).toHaveText('connected');
    await expectConverged(peers, during.length + after.length);
  });

  test('hybrid: a page without WebRTC is on the relay, and its member list says why', async ({ room }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob');
    const blocked = await room.open('Blocked', 'no-webrtc-browser', { webrtc: false });
    await ada.switchMode('hybrid');
    await expect(blocked.testId('mode')).toHaveText('hybrid');
    const relayed = (peer: PeerPage) => peer.testId('member').and(peer.page.locator('[data-link="relay"]'));
    await expect(relayed(blocked)).toHaveCount(2);
    await expect(relayed(ada)).toHaveCount(1);
    await expect(relayed(bob)).toHaveCount(1);
    for (const peer of [ada, bob]) await expect(peer.testId('peer-count')).toHaveText('1');
    for (const peer of [ada, bob, blocked]) {
      await expect(relayed(peer).and(peer.page.locator('[data-reason="webrtc-unavailable"]'))).toHaveCount(peer === blocked ? 2 : 1);
      await expect(relayed(peer).first()).toContainText('webrtc-unavailable');
    }

    const texts = ['hybrid ada', 'hybrid bob', 'hybrid blocked'];
    await ada.write(texts[0]!);
    await bob.write(texts[1]!);
    await blocked.write(texts[2]!);
    await expectAllMessages([ada, bob, blocked], texts);
    await expectConverged([ada, bob, blocked], 4);
  });

  test('hybrid: a broken direct link falls back to the relay with its reason, then upgrades back to direct', async ({ room }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob');
    await ada.switchMode('hybrid');
    await expect(bob.testId('peer-count')).toHaveText('1');
    const [bobKey] = await ada.directPeers();
    expect(bobKey).toBeDefined();
    await ada.dropDirectLink(bobKey!);
    const bobOnAda = ada.testId('member').filter({ hasText: 'Bob' });
    await expect(bobOnAda).toHaveAttribute('data-link', 'relay');
    await expect(bobOnAda).toHaveAttribute('data-reason', /.+/);
    await ada.write('over the relay');
    await expectAllMessages([bob], ['over the relay']);
    // The driver retries the direct channel every 25 s and moves the pair back when it opens.
    await expect(bobOnAda).toHaveAttribute('data-link', 'direct', { timeout: 45_000 });
    await expect(ada.testId('peer-count')).toHaveText('1');
    await ada.write('direct again');
    await expectAllMessages([bob], ['direct again']);
  });
});
