/**
 * Drawing follows what is seen, in real Chromium: the room graph, the space-time diagram and the charts
 * stand still while scrolled out of view, inside a closed panel or in a hidden tab, and show the latest
 * data once seen again; the force layout comes to rest and is only reheated by new nodes or edges. The
 * automation contract's text (`peer-count`, `event-count`, `state-digest`) keeps updating all along.
 */
import type { Locator, Page } from '@playwright/test';
import { test, expect } from '../fixtures.ts';
import type { PeerPage } from '../peer.ts';
import { lookAt } from '../pageChecks.ts';

declare global {
  interface Window {
    /** DOM changes counted under one drawing since `countChanges`. */
    drawingChanges?: number;
  }
}

async function keyOf(peer: PeerPage): Promise<string> {
  return peer.page.evaluate(() => window.peerlab!.debug.snapshot().peer);
}

/** The sequence number of the newest report `page` holds from `origin` (0 for none). */
async function reportSeq(page: Page, origin: string): Promise<number> {
  return page.evaluate((key) => {
    const reports = (window.peerlab as unknown as { reports: readonly { report: { peer: string; seq: number } }[] }).reports;
    return reports.find((held) => held.report.peer === key)?.report.seq ?? 0;
  }, origin);
}

/**
 * Waits until `page` has heard a newer report from `origin` than the one it holds now: a report period,
 * which spans telemetry ticks that took the held report in, so a drawing ignoring the rule would have redrawn.
 */
async function reportLater(page: Page, origin: string): Promise<void> {
  const now = await reportSeq(page, origin);
  await expect.poll(() => reportSeq(page, origin), { timeout: 30_000 }).toBeGreaterThan(now);
}

/** Starts counting DOM changes under `drawing`'s first `svg` (read back with `changes`). */
async function countChanges(drawing: Locator): Promise<void> {
  await drawing.locator('svg').first().evaluate((svg) => {
    window.drawingChanges = 0;
    new MutationObserver((records) => (window.drawingChanges! += records.length)).observe(svg, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

async function changes(page: Page): Promise<number> {
  return page.evaluate(() => window.drawingChanges ?? -1);
}

/** Makes the page's document say it is hidden (as in a background tab), or visible again. */
async function setDocumentHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((state) => {
    Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
    Object.defineProperty(document, 'hidden', { value: state === 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden ? 'hidden' : 'visible');
}

test.describe('drawing follows what is seen', () => {
  test('the room graph rests once laid out, stands still out of view and in a hidden tab, and catches up when seen', async ({ room }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob');
    await expect(ada.testId('peer-count')).toHaveText('1');
    const bobKey = await keyOf(bob);
    const graph = ada.testId('room-graph');
    await lookAt(graph);
    await expect(graph).toHaveAttribute('data-nodes', '3'); // the server, Ada and Bob

    // Laid out, the simulation comes to rest, and reports that change nothing in the structure do not wake it.
    const placesOf = (): Promise<string> => graph.locator('[data-testid="graph-node"]').evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute('data-peer')}@${node.getAttribute('transform')}`).join(' '));
    let before = '';
    await expect
      .poll(
        async () => {
          const now = await placesOf();
          const rested = now === before;
          before = now;
          return rested;
        },
        { intervals: [1000], timeout: 30_000, message: 'the layout comes to rest' },
      )
      .toBe(true);
    await reportLater(ada.page, bobKey);
    expect(await placesOf()).toBe(before);

    // Out of view: a newcomer arrives and reports, the contract's text follows, the graph does not move.
    await ada.page.evaluate(() => window.scrollTo(0, 0));
    await expect(graph).toHaveAttribute('data-seen', 'false');
    await countChanges(graph);
    const cy = await room.open('Cy');
    const cyKey = await keyOf(cy);
    await expect(ada.testId('peer-count')).toHaveText('2');
    // Out of view too, the contract's fields read as text, innerText included (a card skipped while out of
    // view reads empty: only cards without contract fields are, app.css).
    await expect(ada.testId('state-digest')).not.toBeInViewport();
    expect(await ada.digest()).toMatch(/^[0-9a-f]{16}$/);
    expect(await ada.peerCount()).toBe(2);
    await expect.poll(() => reportSeq(ada.page, cyKey)).toBeGreaterThan(0);
    await reportLater(ada.page, cyKey);
    expect(await changes(ada.page)).toBe(0);
    await expect(graph).toHaveAttribute('data-nodes', '3');
    // Seen again, it draws the room as it is now.
    await lookAt(graph);
    await expect(graph).toHaveAttribute('data-nodes', '4');
    await expect(graph.locator(`[data-testid="graph-node"][data-peer="${cyKey}"]`)).toHaveCount(1);

    // A hidden tab: nothing drawn, while the contract's text keeps updating on the session's timer.
    await setDocumentHidden(ada.page, true);
    await expect(graph).toHaveAttribute('data-seen', 'false');
    await countChanges(graph);
    const count = await ada.eventCount();
    await bob.write('written while Ada’s tab is hidden');
    await cy.page.close();
    await expect(ada.testId('event-count')).toHaveText(String(count + 1));
    await expect(ada.testId('peer-count')).toHaveText('1');
    await expect.poll(() => ada.digest()).toBe(await bob.digest());
    await reportLater(ada.page, bobKey);
    expect(await changes(ada.page)).toBe(0);
    await expect(graph.locator(`[data-testid="graph-node"][data-peer="${cyKey}"]`)).toHaveAttribute('data-stale', 'false');
    // Visible again: the departed page shows stale.
    await setDocumentHidden(ada.page, false);
    await expect(graph).toHaveAttribute('data-seen', 'true');
    await expect(graph.locator(`[data-testid="graph-node"][data-peer="${cyKey}"]`)).toHaveAttribute('data-stale', 'true', { timeout: 20_000 });
    expect(ada.errors).toEqual([]);
  });

  test('a peer page polls the server’s telemetry only while its telemetry panel is seen', async ({ room, browser, server }) => {
    const ada = await room.open('Ada');
    await room.open('Bob');
    await ada.switchMode('client-server');
    await expect(ada.testId('telemetry-source')).toHaveText('central');
    const polls = (page: Page): (() => number) => {
      let count = 0;
      page.on('request', (request) => {
        if (request.url().includes('/telemetry')) count++;
      });
      return () => count;
    };
    const adaPolls = polls(ada.page);
    // The presenter polls once a second whatever it shows: its polls measure time in the feeds' own ticks.
    const presenter = await (await browser.newContext()).newPage();
    const presenterPolls = polls(presenter);
    await presenter.goto(`${server.url}/present?room=${room.name}`);

    const panel = ada.testId('peer-telemetry');
    await lookAt(ada.testId('room-graph'));
    await expect(panel).toHaveAttribute('data-seen', 'true');
    await expect.poll(adaPolls, { message: 'seen, the panel polls' }).toBeGreaterThanOrEqual(2);

    await ada.page.evaluate(() => window.scrollTo(0, 0));
    await expect(panel).toHaveAttribute('data-seen', 'false');
    const unseenFrom = adaPolls() + 1; // one poll may have left as the panel went out of view
    const presenterFrom = presenterPolls();
    await expect.poll(presenterPolls, { message: 'three seconds of the presenter’s polls' }).toBeGreaterThanOrEqual(presenterFrom + 3);
    expect(adaPolls()).toBeLessThanOrEqual(unseenFrom);
    await expect(ada.testId('telemetry-source')).toHaveText('central'); // the text still follows the mode

    await lookAt(ada.testId('room-graph'));
    await expect.poll(adaPolls, { message: 'seen again, it polls again' }).toBeGreaterThan(unseenFrom);
    await presenter.context().close();
    expect(ada.errors).toEqual([]);
  });

  test('the peer view’s space-time diagram starts closed, draws nothing closed, and shows the latest when opened', async ({ room }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob');
    await expect(ada.testId('peer-count')).toHaveText('1');
    const diagram = ada.testId('spacetime');
    await diagram.scrollIntoViewIfNeeded();
    await expect(diagram).not.toHaveAttribute('open');
    await expect(diagram).toHaveAttribute('data-seen', 'false');
    await countChanges(diagram);
    await bob.write('sent while the diagram is closed');
    await expect(ada.testId('chat-message')).toHaveCount(1);
    await reportLater(ada.page, await keyOf(bob));
    expect(await changes(ada.page)).toBe(0);

    await ada.testId('spacetime-toggle').click();
    await lookAt(diagram);
    const select = diagram.getByTestId('st-event-select');
    const id = await select.locator('option', { hasText: 'sent while the diagram is closed' }).getAttribute('value');
    await select.selectOption(id!);
    await expect(diagram.locator(`[data-testid="st-arrow"][data-type="events"][data-event-ids~="${id}"]`).first()).toBeVisible();
    // Reports are drawn too, with an arrowhead of their own.
    await expect(diagram.locator('marker#st-head-report')).toHaveCount(1);
    expect(ada.errors).toEqual([]);
  });
});
