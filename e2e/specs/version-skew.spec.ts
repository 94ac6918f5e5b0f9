/**
 * Operations: a peer on an older protocol version, in real Chromium over real WebRTC. A p2p room of three
 * pages, one of them `&protocol=1.0` (which has no pixel events and no versioned reports): a pixel one
 * new page paints reaches the other new page, and the old page holds it too (same digest, same count) but
 * shows an empty board and says what it holds unread; nobody sends it a form it cannot read, so it
 * refuses nothing. The presenter's graph wears a badge on the old page's node. A `&protocol=2.0` page is
 * another major: its links are refused as unsupported_version on both ends, each end says so, and the
 * refusals show in the presenter's rejections chart.
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../fixtures.ts';
import { expectConverged, type PeerPage } from '../peer.ts';
import { blockingAxeViolations, lookAt } from '../pageChecks.ts';
import { CURRENT_PROTOCOL, formatVersion } from '../../shared/src/index.ts';

/** What the new pages speak: this build's newest version. */
const CURRENT = formatVersion(CURRENT_PROTOCOL);

function cell(peer: PeerPage, x: number, y: number) {
  return peer.page.locator(`[data-testid="board-cell"][data-x="${x}"][data-y="${y}"]`);
}

async function keyOf(peer: PeerPage): Promise<string> {
  return peer.page.evaluate(() => window.peerlab!.debug.snapshot().peer);
}

/** The page's own rejection counters (the session's state), by reason. */
async function rejections(peer: PeerPage): Promise<Record<string, number>> {
  return peer.page.evaluate(() => Object.fromEntries((window.peerlab as unknown as { rejections: [string, number][] }).rejections));
}

function notices(peer: PeerPage) {
  return peer.page.locator('main ul li span').filter({ hasText: 'unsupported_version' });
}

async function openPresenter(url: string, room: string, page: Page): Promise<void> {
  await page.goto(`${url}/present?room=${room}`);
  await expect(page.getByTestId('telemetry-source')).toHaveText('gossip');
}

test.describe('version skew', () => {
  test('p2p: a 1.0 page holds and passes on pixels it cannot show, wears a badge; a 2.0 page is refused on both ends', async ({ room, browser, server }) => {
    const ada = await room.open('Ada');
    const old = await room.open('Old', 'old', { query: { protocol: '1.0' } });
    const cy = await room.open('Cy', 'cy');
    const pages = [ada, old, cy];
    for (const page of pages) await expect(page.testId('peer-count')).toHaveText('2');
    await expect(ada.testId('protocol')).toHaveText(CURRENT);
    await expect(old.testId('protocol')).toHaveText('1.0');
    const oldKey = await keyOf(old);
    // The new pages list the old one with its version; the old page lists both new ones with theirs.
    for (const page of [ada, cy]) await expect(page.page.locator('[data-testid="member"]').filter({ hasText: 'Old' }).getByTestId('member-version')).toHaveAttribute('data-version', '1.0');
    await expect(old.page.locator(`[data-testid="member-version"][data-version="${CURRENT}"]`)).toHaveCount(2);

    // A new page paints: the other new page shows it; the old one holds it (same digest and count) unseen.
    await ada.testId('board-color').and(ada.page.locator('[value="green"]')).check();
    await cell(ada, 5, 6).click();
    await expect(cell(cy, 5, 6)).toHaveAttribute('data-color', 'green');
    await expectConverged(pages);
    await expect(cell(old, 5, 6)).toHaveAttribute('data-color', '');
    await expect(old.testId('board-not-understood')).toHaveAttribute('data-count', '1');
    await expect(old.testId('board-not-understood')).toContainText('1 event from a newer version not shown (pixel)');
    await expect(old.testId('not-understood-count')).toHaveText('1');
    await expect(cell(old, 5, 6)).toBeDisabled();
    await expect(ada.testId('not-understood-count')).toHaveCount(0);
    // Chat is 1.0: everyone reads the old page's message, and it reads theirs.
    await old.write('written on 1.0');
    await cy.write(`written on ${CURRENT}`);
    for (const page of pages) {
      await expect(page.testId('chat-message').filter({ hasText: 'written on 1.0' })).toHaveCount(1);
      await expect(page.testId('chat-message').filter({ hasText: `written on ${CURRENT}` })).toHaveCount(1);
    }
    await expectConverged(pages, 3);

    // The presenter (an observer of the newest version in the gossip) badges the old page's node, and only that one.
    const presenterContext = await browser.newContext();
    const presenter = await presenterContext.newPage();
    await openPresenter(server.url, room.name, presenter);
    await lookAt(presenter.getByTestId('room-graph'));
    await expect(presenter.locator(`[data-testid="graph-node"][data-peer="${oldKey}"] [data-testid="graph-version"]`)).toHaveAttribute('data-version', '1.0', { timeout: 15_000 });
    await expect(presenter.locator(`[data-testid="peer-staleness"][data-peer="${oldKey}"] [data-testid="peer-protocol"]`)).toHaveText('protocol 1.0');
    await expect(presenter.getByTestId('graph-version')).toHaveCount(1);
    // The old page cannot read the new pages' reports (they are withheld from it), and says so.
    await expect(old.testId('telemetry-older')).toBeVisible();

    // No new page ever sent the old one a form it cannot read: it refused nothing.
    expect(await rejections(old)).toEqual({});

    // Another major: every link with it is refused on both ends, and each end says why.
    const next = await room.open('Next', 'next', { query: { protocol: '2.0' } });
    await expect(next.testId('protocol')).toHaveText('2.0');
    // One notice per pair of versions (the first link refused), not one per link; the member list has each.
    await expect(notices(next).filter({ hasText: `refused (unsupported_version): peer speaks protocol ${CURRENT}, this node 2.0: another major version` })).toHaveCount(1, { timeout: 20_000 });
    await expect(notices(next).filter({ hasText: `Server refused a message: unsupported_version (peer speaks protocol 2.0, this node ${CURRENT}` }).first()).toBeVisible();
    for (const page of [ada, cy]) {
      await expect(notices(page).filter({ hasText: `Link with Next refused (unsupported_version): peer speaks protocol 2.0, this node ${CURRENT}` })).toHaveCount(1, { timeout: 20_000 });
      const member = page.page.locator('[data-testid="member"]').filter({ hasText: 'Next' });
      await expect(member.getByTestId('member-version')).toHaveAttribute('data-version', '2.0');
      await expect(member).toHaveAttribute('data-reason', 'refused (another major version)');
      expect((await rejections(page)).unsupported_version).toBeGreaterThanOrEqual(1);
    }
    await expect(next.testId('peer-count')).toHaveText('0');
    await expect(next.testId('event-count')).toHaveText('0');
    // The refusals reach the presenter's rejections chart through the peers' reports.
    await lookAt(presenter.getByTestId('chart-rejections'));
    await expect.poll(async () => Number(await presenter.locator('[data-testid="chart-rejections"] [data-series="unsupported_version"]').getAttribute('data-last', { timeout: 1000 }).catch(() => '0')), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    // The rest of the room carries on: each page linked with the two others and the presenter, not with Next.
    for (const page of pages) await expect(page.testId('peer-count')).toHaveText('3');
    await cy.write('after the refusal');
    await expectConverged(pages, 4);

    // The old page is as usable as the others (axe: no serious or critical violation).
    expect(await blockingAxeViolations(old.page)).toEqual([]);
    await old.page.screenshot({ path: test.info().outputPath('old-peer.png'), fullPage: true });
    await presenter.screenshot({ path: test.info().outputPath('presenter-version-badge.png'), fullPage: true });
    for (const page of [...pages, next]) expect(page.errors, page.name).toEqual([]);
    await presenterContext.close();
  });
});
