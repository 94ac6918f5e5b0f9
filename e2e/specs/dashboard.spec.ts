/**
 * The presenter dashboard's room telemetry, in real Chromium: three peers and a presenter. In
 * client-server the server's central view has every peer, fresh, each on its server link, and the
 * traffic through the server grows with writes. In p2p the presenter sees only what gossip brings: direct
 * edges between peers, and a closed page's numbers growing stale while the others stay fresh.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { test, expect } from '../fixtures.ts';
import type { PeerPage } from '../peer.ts';
import { lookAt } from '../pageChecks.ts';

async function keyOf(peer: PeerPage): Promise<string> {
  const key = await peer.page.evaluate(() => window.peerlab?.debug.snapshot().peer);
  expect(key).toMatch(/^[0-9a-f]{64}$/);
  return key!;
}

function staleness(page: Page, key: string) {
  return page.locator(`[data-testid="peer-staleness"][data-peer="${key}"]`);
}

async function ageMs(page: Page, key: string): Promise<number> {
  const age = await staleness(page, key).getAttribute('data-age-ms', { timeout: 1000 }).catch(() => null);
  return age === null ? Number.POSITIVE_INFINITY : Number(age);
}

async function serverBytesTotal(page: Page): Promise<number> {
  return Number(await page.locator('[data-testid="chart-traffic"] [data-series="server"]').getAttribute('data-total'));
}

/** The presenter in a browser of its own, or (`context`) in the room creator's browser, holding the admin key. */
async function openPresenter(browser: Browser, url: string, room: string, context?: BrowserContext): Promise<{ page: Page; close(): Promise<void>; errors: string[] }> {
  const own = context ?? (await browser.newContext());
  const page = await own.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  await page.goto(`${url}/present?room=${room}`);
  return { page, errors, close: () => (context ? page.close() : own.close()) };
}

test.describe('presenter dashboard: room telemetry', () => {
  test('client-server: the central view sees every peer fresh, a server edge each, and server traffic rising with writes', async ({ room, browser, server }) => {
    const peers = [await room.open('Ada'), await room.open('Bob'), await room.open('Cy')];
    await peers[0]!.switchMode('client-server');
    for (const peer of peers) await expect(peer.testId('mode')).toHaveText('client-server');
    const keys = await Promise.all(peers.map(keyOf));

    const presenter = await openPresenter(browser, server.url, room.name);
    const page = presenter.page;
    await expect(page.getByTestId('telemetry-source')).toHaveText('central');
    await lookAt(page.getByTestId('room-graph'));
    for (const key of keys) {
      await expect.poll(() => ageMs(page, key), { message: `peer ${key.slice(0, 8)} fresh in the central view` }).toBeLessThan(3000);
      // Edge endpoints are sorted; a hex key sorts before "server".
      await expect(page.locator(`[data-testid="graph-edge"][data-kind="server"][data-a="${key}"][data-b="server"]`)).toHaveCount(1);
      await expect(page.locator(`[data-testid="graph-node"][data-peer="${key}"]`)).toHaveCount(1);
    }
    // No WebRTC in client-server: no direct edge at all.
    await expect(page.locator('[data-testid="graph-edge"][data-kind="direct"]')).toHaveCount(0);
    await expect(page.locator('[data-testid="graph-node"][data-peer="server"]')).toHaveCount(1);

    // Every write crosses the server: once up from the writer, once down to each of the other members.
    await lookAt(page.getByTestId('chart-traffic'));
    await expect.poll(() => serverBytesTotal(page)).toBeGreaterThan(0);
    const before = await serverBytesTotal(page);
    const writes = 10;
    for (let i = 0; i < writes; i++) await peers[i % 3]!.write(`central ${i} ${'x'.repeat(80)}`);
    await expect.poll(() => serverBytesTotal(page), { message: 'server bytes grow by at least the writes’ size' }).toBeGreaterThan(before + writes * 400);
    // Converged peers share one digest, so their graph nodes share one colour.
    await expect
      .poll(async () => new Set(await Promise.all(keys.map((key) => page.locator(`[data-testid="graph-node"][data-peer="${key}"]`).getAttribute('data-digest')))).size)
      .toBe(1);
    for (const id of ['chart-traffic', 'chart-reach', 'chart-pending', 'chart-rejections']) await expect(page.getByTestId(id)).toBeVisible();
    // A presenter from another browser holds no admin key: no teacher controls.
    await expect(page.getByTestId('mode-select')).toHaveCount(0);
    // Every peer lists the presenter as an observer member (so the churn generator never picks it).
    for (const peer of peers) await expect(peer.testId('member').filter({ has: peer.testId('member-observer') })).toHaveText(/Presenter/);
    // The peer view's compact panel draws the same room: a server edge for each member (the presenter too).
    await expect(peers[1]!.testId('telemetry-source')).toHaveText('central');
    await lookAt(peers[1]!.testId('room-graph'));
    await expect.poll(() => peers[1]!.page.locator('[data-testid="room-graph"] [data-testid="graph-edge"][data-kind="server"]').count()).toBeGreaterThanOrEqual(3);
    await peers[1]!.page.screenshot({ path: test.info().outputPath('peer-view-client-server.png'), fullPage: true });
    await page.screenshot({ path: test.info().outputPath('presenter-client-server.png'), fullPage: true });
    expect(presenter.errors).toEqual([]);
    for (const peer of peers) expect(peer.errors, `${peer.name}'s console`).toEqual([]);
    await presenter.close();
  });

  test('hybrid: central view, with a page without WebRTC drawn on relay edges and the others direct', async ({ room, browser, server }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob');
    const blocked = await room.open('Blocked', 'no-webrtc-browser', { webrtc: false });
    await ada.switchMode('hybrid');
    await expect(blocked.testId('mode')).toHaveText('hybrid');
    const [adaKey, bobKey, blockedKey] = await Promise.all([ada, bob, blocked].map(keyOf));

    const presenter = await openPresenter(browser, server.url, room.name);
    const page = presenter.page;
    await expect(page.getByTestId('telemetry-source')).toHaveText('central');
    await lookAt(page.getByTestId('room-graph'));
    const edge = (kind: string, x: string, y: string) => {
      const [a, b] = x < y ? [x, y] : [y, x];
      return page.locator(`[data-testid="graph-edge"][data-kind="${kind}"][data-a="${a}"][data-b="${b}"]`);
    };
    await expect(edge('relay', adaKey!, blockedKey!)).toHaveCount(1);
    await expect(edge('relay', bobKey!, blockedKey!)).toHaveCount(1);
    await expect(edge('direct', adaKey!, bobKey!)).toHaveCount(1);
    await expect(page.locator(`[data-testid="graph-edge"][data-kind="direct"][data-a="${blockedKey}"], [data-testid="graph-edge"][data-kind="direct"][data-b="${blockedKey}"]`)).toHaveCount(0);
    await page.screenshot({ path: test.info().outputPath('presenter-hybrid.png'), fullPage: true });
    expect(presenter.errors).toEqual([]);
    await presenter.close();
  });

  test('p2p: the presenter sees by gossip, direct edges between peers, and a closed page growing stale', async ({ room, browser, server }) => {
    const peers = [await room.open('Ada'), await room.open('Bob'), await room.open('Cy')];
    for (const peer of peers) await expect(peer.testId('mode')).toHaveText('p2p');
    const keys = await Promise.all(peers.map(keyOf));

    // Opened in the creator's browser: the presenter holds the admin key and shows the teacher's controls.
    const presenter = await openPresenter(browser, server.url, room.name, peers[0]!.page.context());
    const page = presenter.page;
    await expect(page.getByTestId('telemetry-source')).toHaveText('gossip');
    // The admin's mode panel and the server's mode card: each test id once on the page.
    await expect(page.getByTestId('mode')).toHaveText('p2p');
    await expect(page.getByTestId('server-mode')).toHaveText('p2p');
    await lookAt(page.getByTestId('room-graph'));
    for (const key of keys) {
      await expect.poll(() => ageMs(page, key), { message: `peer ${key.slice(0, 8)} heard by gossip`, timeout: 30_000 }).toBeLessThan(3000);
      const direct = page.locator(`[data-testid="graph-edge"][data-kind="direct"][data-a="${key}"], [data-testid="graph-edge"][data-kind="direct"][data-b="${key}"]`);
      await expect.poll(() => direct.count(), { message: `peer ${key.slice(0, 8)} has a direct edge` }).toBeGreaterThan(0);
    }
    await page.screenshot({ path: test.info().outputPath('presenter-p2p.png'), fullPage: true });

    // Messages animate along the edge they take: Bob's own sends, from his trace, fly on his direct edges.
    const bob = peers[1]!;
    const flying = bob.page.locator(`[data-testid="room-graph"] [data-testid="graph-flow"][data-kind="direct"][data-from="${keys[1]}"]`);
    // A screen tall enough for the chat box and the graph at once: writing does not scroll the graph away.
    await bob.page.setViewportSize({ width: 1280, height: 2800 });
    await lookAt(bob.testId('room-graph'));
    let writes = 0;
    await expect(async () => {
      await bob.write(`flying ${writes++}`);
      await expect(flying.first()).toBeAttached({ timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    // To another peer (a student or the observing presenter), never to itself or the server.
    const target = await flying.first().getAttribute('data-to');
    expect(target).toMatch(/^[0-9a-f]{64}$/);
    expect(target).not.toBe(keys[1]);

    // Cy leaves: nobody reports for it any more, so its numbers age, and its neighbours' reports (their
    // links to it gone) mark it stale, while the others stay fresh (an idle peer reports only a keepalive,
    // so fresh means within its own period, not within a second).
    await peers[2]!.page.close();
    await expect.poll(() => ageMs(page, keys[2]!), { message: 'the closed page grows stale', timeout: 20_000 }).toBeGreaterThan(5000);
    await expect(staleness(page, keys[2]!)).toHaveAttribute('data-stale', 'true');
    for (const key of keys.slice(0, 2)) await expect(staleness(page, key)).toHaveAttribute('data-stale', 'false');
    await expect(page.getByTestId('telemetry-source')).toHaveText('gossip');
    await page.screenshot({ path: test.info().outputPath('presenter-p2p-stale.png'), fullPage: true });

    // The teacher switches the room from the dashboard: the view becomes central, the peers still fresh.
    await page.getByTestId('mode-select').selectOption('client-server');
    await expect(peers[1]!.testId('mode')).toHaveText('client-server');
    await expect(page.getByTestId('telemetry-source')).toHaveText('central');
    for (const key of keys.slice(0, 2)) await expect.poll(() => ageMs(page, key)).toBeLessThan(3000);
    await page.screenshot({ path: test.info().outputPath('presenter-switched-to-client-server.png'), fullPage: true });
    expect(presenter.errors).toEqual([]);
    await presenter.close();
  });
});
