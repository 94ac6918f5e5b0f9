import { test, expect } from '../fixtures.ts';
import { expectConverged, type PeerPage } from '../peer.ts';

/** What a page's board shows for one cell (the session's view, read in the page). */
interface Winner {
  readonly id: string;
  readonly author: string;
  readonly lamport: number;
  readonly seq: number;
  readonly color: string;
}

function cell(peer: PeerPage, x: number, y: number) {
  return peer.page.locator(`[data-testid="board-cell"][data-x="${x}"][data-y="${y}"]`);
}

async function pick(peer: PeerPage, color: string): Promise<void> {
  await peer.testId('board-color').and(peer.page.locator(`[value="${color}"]`)).check();
}

async function winnerAt(peer: PeerPage, x: number, y: number): Promise<Winner | undefined> {
  return peer.page.evaluate(
    (key) => (window.peerlab as unknown as { board: { cells: Map<string, Winner> } }).board.cells.get(key),
    `${x},${y}`,
  );
}

async function publicKey(peer: PeerPage): Promise<string> {
  return peer.page.evaluate(() => (window.peerlab as unknown as { publicKey: string }).publicKey);
}

/** The board's documented order: Lamport time, then author key, then sequence. */
function later(a: Winner, b: Winner): Winner {
  if (a.lamport !== b.lamport) return a.lamport > b.lamport ? a : b;
  if (a.author !== b.author) return a.author > b.author ? a : b;
  return a.seq > b.seq ? a : b;
}

test.describe('shared pixel board', () => {
  test('p2p: two sides of a partition paint one cell; after the heal every page shows the winner the order picks', async ({ room }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob', 'bob');
    const cy = await room.open('Cy', 'cy');
    const pages = [ada, bob, cy];
    for (const page of pages) await expect(page.testId('peer-count')).toHaveText('2');
    const keys = await Promise.all(pages.map(publicKey));
    await ada.page.evaluate((groups) => window.peerlab!.partition!(groups), [[keys[0]!, keys[1]!], [keys[2]!]]);
    await expect(cy.testId('peer-count')).toHaveText('0');
    await expect(bob.testId('peer-count')).toHaveText('1');

    // Bob clicks; Cy uses the keyboard: the grid's tab stop, arrows to column 4 row 5, then Enter.
    await pick(bob, 'red');
    await cell(bob, 3, 4).click();
    await pick(cy, 'blue');
    await cell(cy, 0, 0).focus();
    for (let i = 0; i < 3; i++) await cy.page.keyboard.press('ArrowRight');
    for (let i = 0; i < 4; i++) await cy.page.keyboard.press('ArrowDown');
    await expect(cell(cy, 3, 4)).toBeFocused();
    await expect(cell(cy, 3, 4)).toHaveAttribute('tabindex', '0');
    await cy.page.keyboard.press('Enter');

    // Each side sees its own colour while split.
    await expect(cell(bob, 3, 4)).toHaveAttribute('data-color', 'red');
    await expect(cell(ada, 3, 4)).toHaveAttribute('data-color', 'red');
    await expect(cell(cy, 3, 4)).toHaveAttribute('data-color', 'blue');
    await expect(cell(cy, 3, 4)).toHaveAttribute('data-raced', '0');
    const bobs = (await winnerAt(bob, 3, 4))!;
    const cys = (await winnerAt(cy, 3, 4))!;
    expect([bobs.author, cys.author]).toEqual([keys[1], keys[2]]);
    const expected = later(bobs, cys);

    await ada.testId('partition-toggle').click(); // heal
    for (const page of pages) await expect(page.testId('peer-count')).toHaveText('2');
    await expectConverged(pages);
    for (const page of pages) {
      const shown = cell(page, 3, 4);
      await expect(shown).toHaveAttribute('data-color', expected.color);
      await expect(shown).toHaveAttribute('data-author', expected.author);
      // Neither painter saw the other's write: one lost a race, and the cell says so.
      await expect(shown).toHaveAttribute('data-lost', '1');
      await expect(shown).toHaveAttribute('data-raced', '1');
      await expect(shown).toHaveAttribute('title', /overwritten: 1 concurrent write lost/);
      await expect(page.testId('board-summary')).toContainText('1 lost a race');
    }
    const digests = await Promise.all(pages.map((page) => page.digest()));
    expect(new Set(digests).size).toBe(1);

    // Painting over the winner knowingly is not a race: the loser count grows, the race count does not.
    await pick(ada, 'green');
    await cell(ada, 3, 4).click();
    for (const page of pages) {
      await expect(cell(page, 3, 4)).toHaveAttribute('data-color', 'green');
      await expect(cell(page, 3, 4)).toHaveAttribute('data-lost', '2');
      await expect(cell(page, 3, 4)).toHaveAttribute('data-raced', '1');
    }
    await cy.testId('board').locator('..').screenshot({ path: test.info().outputPath('board.png') });
    // Readable on a phone: the 16×16 grid fits a 390 px wide screen without scrolling sideways.
    await cy.page.setViewportSize({ width: 390, height: 844 });
    const box = await cy.testId('board').boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(box!.width / 16).toBeGreaterThanOrEqual(18);
    await cy.page.getByTestId('board').screenshot({ path: test.info().outputPath('board-phone.png') });
    for (const page of pages) expect(page.errors).toEqual([]);
  });

  test('client-server: a painting goes through the server and shows on the other page', async ({ room, server }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob', 'bob');
    await ada.switchMode('client-server');
    await expect(bob.testId('mode')).toHaveText('client-server');
    await pick(bob, 'purple');
    await cell(bob, 15, 15).click();
    await expect(cell(ada, 15, 15)).toHaveAttribute('data-color', 'purple');
    await expect(cell(ada, 15, 15)).toHaveAttribute('title', /purple by Bob/);
    await expect(bob.testId('pending-count')).toHaveText('0');
    expect((await server.room(room.name))?.accepted['client-server']?.pixel).toBe(1);
    await expectConverged([ada, bob]);
    // Every other cell is still empty.
    await expect(ada.page.locator('[data-testid="board-cell"]:not([data-color=""])')).toHaveCount(1);
  });

  test('lab mode: each card shows a glance of the board, the same on every peer', async ({ browser, server }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/?lab=3&room=labboard${Date.now() % 100000}`);
    const cards = page.getByTestId('lab-peer');
    await expect(cards).toHaveCount(3);
    for (let i = 0; i < 3; i++) await expect(cards.nth(i).getByTestId('peer-count')).toHaveText('2');
    await page.evaluate(() => {
      const lab = (window as unknown as { peerlabLab: { paint(x: number, y: number, color: string): boolean }[] }).peerlabLab;
      lab[0]!.paint(2, 3, 'orange');
      lab[2]!.paint(9, 9, 'green');
    });
    for (let i = 0; i < 3; i++) {
      const mini = cards.nth(i).getByTestId('board-mini-cell');
      await expect(mini).toHaveCount(2);
      await expect(mini.and(page.locator('[data-x="2"][data-y="3"]'))).toHaveAttribute('data-color', 'orange');
      await expect(mini.and(page.locator('[data-x="9"][data-y="9"]'))).toHaveAttribute('data-color', 'green');
    }
    await context.close();
  });
});
