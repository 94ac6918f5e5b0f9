/**
 * The classroom's space-time diagram and the lab's freeze/step, in real Chromium over real WebRTC: three
 * lab peers in one tab, a chat followed from its author to both other lifelines, one anti-entropy exchange
 * compared, and time frozen, stepped one delivery at a time and resumed.
 */
import { test, expect } from '../fixtures.ts';
import type { Locator, Page } from '@playwright/test';
import { lookAt } from '../pageChecks.ts';

declare global {
  interface Window {
    peerlabLab?: readonly {
      readonly publicKey: string;
      readonly trace: { records(): readonly { readonly seq: number; readonly dir: string; readonly t: string; readonly remote: string }[] };
    }[];
  }
}

async function counts(cards: Locator): Promise<number[]> {
  return Promise.all([0, 1, 2].map(async (i) => Number(await cards.nth(i).getByTestId('event-count').innerText())));
}

async function expectConverged(cards: Locator): Promise<void> {
  await expect
    .poll(async () => {
      const digests = await Promise.all([0, 1, 2].map((i) => cards.nth(i).getByTestId('state-digest').innerText()));
      const held = await counts(cards);
      return new Set(digests).size === 1 && new Set(held).size === 1;
    })
    .toBe(true);
}

async function write(cards: Locator, index: number, text: string): Promise<void> {
  await cards.nth(index).getByTestId('chat-input').fill(text);
  await cards.nth(index).getByTestId('chat-send').click();
  await expect(cards.nth(index).getByTestId('chat-input')).toHaveValue('');
}

/** Hellos each lab peer sent and received: a link dropped and made again adds two. */
async function hellos(page: Page): Promise<number[]> {
  return page.evaluate(() => window.peerlabLab!.map((session) => session.trace.records().filter((record) => record.t === 'hello').length));
}

/** Follows the event whose chat text is `text` in the diagram's picker; returns its id. */
async function follow(page: Page, text: string): Promise<string> {
  // The diagram draws (and fills its pickers) only while seen: look at it first, as a person would.
  await lookAt(page.getByTestId('spacetime'));
  const select = page.getByTestId('st-event-select');
  const option = select.locator('option', { hasText: text });
  await expect(option).toHaveCount(1);
  const id = (await option.getAttribute('value'))!;
  await select.selectOption(id);
  return id;
}

test('space-time diagram: an event followed to every lab peer, an anti-entropy exchange, and frozen time stepped', async ({ browser, server }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}/?lab=3&room=st${Date.now() % 100000}`);
  const cards = page.getByTestId('lab-peer');
  await expect(cards).toHaveCount(3);
  for (let i = 0; i < 3; i++) {
    await expect(cards.nth(i).getByTestId('mode')).toHaveText('p2p');
    await expect(cards.nth(i).getByTestId('peer-count')).toHaveText('2');
  }
  await expectConverged(cards);
  const keys = await page.evaluate(() => window.peerlabLab!.map((session) => session.publicKey));
  const diagram = page.getByTestId('spacetime');
  await lookAt(diagram);
  await expect(diagram.getByTestId('st-lifeline')).toHaveCount(4); // three peers and the server
  for (const key of keys) await expect(diagram.locator(`[data-testid="st-lifeline"][data-peer="${key}"]`)).toHaveCount(1);

  // One event, from its author to every other lifeline.
  await write(cards, 0, 'followed across the lab');
  await expectConverged(cards);
  const id = await follow(page, 'followed across the lab');
  const carriers = diagram.locator(`[data-testid="st-arrow"][data-type="events"][data-event-ids~="${id}"][data-received="true"]`);
  for (const to of [keys[1]!, keys[2]!]) await expect(carriers.and(page.locator(`[data-to="${to}"]`)).first()).toBeVisible();
  await expect(carriers.and(page.locator(`[data-from="${keys[0]}"]`)).first()).toBeVisible();
  // Each lifeline is marked where its peer first held the event: the author's write and both receivers.
  await expect(diagram.getByTestId('st-held')).toHaveCount(3);
  await expect(diagram.getByTestId('st-trail')).toContainText('held by 3 peers');

  // One anti-entropy exchange: the opening summary and the reply, side by side. It must come after the chat
  // (so Lab-1's row exists): arrows carry their trace order in data-seq.
  const chatSeq = Math.max(...(await carriers.evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute('data-seq'))))));
  await page.getByTestId('st-event-select').selectOption('');
  await lookAt(diagram);
  await expect(diagram).toHaveAttribute('data-anchor', ''); // the picture follows the newest traffic again
  // A summary answered between two lab peers (the server's link carries only control summaries in p2p).
  const replies = diagram.locator('[data-testid="st-arrow"][data-type="vv"][data-reply="true"][data-received="true"]:not([data-from="server"]):not([data-to="server"])');
  const newestReplyAfterChat = async (): Promise<number> =>
    replies.evaluateAll((nodes, after) => nodes.map((node, index) => (Number(node.getAttribute('data-seq')) > after ? index : -1)).filter((index) => index >= 0).pop() ?? -1, chatSeq);
  // The drawn window follows the newest traffic, so pause on one such reply, then open it with the keyboard.
  await expect(async () => {
    if ((await diagram.getAttribute('data-paused')) === 'true') await diagram.getByTestId('st-pause').click();
    expect(await newestReplyAfterChat()).toBeGreaterThanOrEqual(0);
    await diagram.getByTestId('st-pause').click();
    await expect(diagram).toHaveAttribute('data-paused', 'true');
    const index = await newestReplyAfterChat();
    expect(index).toBeGreaterThanOrEqual(0);
    await replies.nth(index).focus();
  }).toPass();
  await page.keyboard.press('Enter');
  const compare = page.getByTestId('st-vv-compare');
  await expect(compare).toBeVisible();
  await expect(compare.getByTestId('st-vv-left')).toContainText('(vv)');
  await expect(compare.getByTestId('st-vv-right')).toContainText('(reply)');
  // One row per author either side holds: Lab-1 wrote the chat; converged, so the vectors agree.
  await expect(compare.getByTestId('st-vv-row').filter({ hasText: 'Lab-1' })).toHaveCount(1);
  await expect(compare.locator('tr.differs')).toHaveCount(0);
  // Paused: the picture stands still while traffic goes on; Step reveals the next message end.
  const before = await diagram.getByTestId('st-arrow').count();
  await expect(diagram.getByTestId('st-step')).toBeEnabled();
  await diagram.getByTestId('st-step').click();
  await expect.poll(async () => diagram.getByTestId('st-arrow').count()).toBeGreaterThanOrEqual(before);
  await diagram.getByTestId('st-pause').click();
  await expect(diagram).toHaveAttribute('data-paused', 'false');
  await compare.getByRole('button', { name: 'Close' }).click();

  // A split healed: the exchanges that repair it compare different vectors and ship what each side missed.
  await page.getByTestId('partition-toggle').click();
  await expect(page.getByTestId('partition-notice')).toBeVisible();
  await expect.poll(async () => (await Promise.all([0, 1, 2].map(async (i) => Number(await cards.nth(i).getByTestId('peer-count').innerText())))).sort().join()).toBe('0,1,1');
  for (let i = 0; i < 3; i++) await write(cards, i, `split ${i}`);
  await expect.poll(async () => new Set(await Promise.all([0, 1, 2].map((i) => cards.nth(i).getByTestId('state-digest').innerText()))).size).toBe(2);
  await page.getByTestId('partition-toggle').click();
  await expect(page.getByTestId('partition-notice')).toHaveCount(0);
  await expectConverged(cards);
  for (let i = 0; i < 3; i++) await expect(cards.nth(i).getByTestId('peer-count')).toHaveText('2');
  await lookAt(diagram);
  const exchanges = page.getByTestId('st-exchange-select').locator('option', { hasText: 'shipped' });
  await expect(exchanges.first()).toBeAttached();
  await page.getByTestId('st-exchange-select').selectOption((await exchanges.first().getAttribute('value'))!);
  await expect(compare).toBeVisible();
  await expect(compare.locator('tr.differs').first()).toBeVisible();
  await expect(compare).toContainText('split');
  await expect(compare.getByTestId('st-vv-row').filter({ hasText: 'room admin' })).toHaveCount(1); // the partition's author
  await page.screenshot({ path: test.info().outputPath('lab-spacetime-exchange.png'), fullPage: true });
  await compare.getByRole('button', { name: 'Close' }).click();

  // Frozen time: a write on peer 1 reaches no one while deliveries queue up.
  const hellosBefore = await hellos(page);
  await page.getByTestId('lab-freeze').click();
  const frozenAt = await page.evaluate(() => Date.now());
  const frozen = await counts(cards);
  await write(cards, 0, 'written while frozen');
  await expect(cards.nth(0).getByTestId('event-count')).toHaveText(String(frozen[0]! + 1));
  // One message per eager push-tree link of Lab-1: two where it is the tree's middle, one where it is a leaf
  // (its other link is lazy and would only announce the event, on a timer that is frozen too).
  await expect.poll(async () => Number(await page.getByTestId('lab-queued').innerText())).toBeGreaterThanOrEqual(1);
  expect((await counts(cards)).slice(1)).toEqual(frozen.slice(1));
  const waiting = Number(await page.getByTestId('lab-queued').innerText());
  expect((await counts(cards)).slice(1)).toEqual(frozen.slice(1));

  // Step, one delivery at a time, until the event reaches another peer.
  let steps = 0;
  for (; steps < 100; steps++) {
    const now = await counts(cards);
    if (now[1]! > frozen[1]! || now[2]! > frozen[2]!) break;
    await expect(page.getByTestId('lab-step')).toBeEnabled(); // a signature check answers asynchronously
    await page.getByTestId('lab-step').click();
    await page.waitForFunction(() => true); // let the frame that shows the delivery render before reading
  }
  const reached = await counts(cards);
  expect(reached[1]! + reached[2]!).toBe(frozen[1]! + frozen[2]! + 1);
  expect(steps).toBeGreaterThanOrEqual(2); // the message, then its verification result
  const frozenId = await follow(page, 'written while frozen');
  await expect(diagram.locator(`[data-testid="st-arrow"][data-type="events"][data-event-ids~="${frozenId}"][data-received="true"]`).first()).toBeVisible();
  await expect(diagram.getByTestId('st-held')).toHaveCount(2);
  await page.screenshot({ path: test.info().outputPath('lab-spacetime-frozen.png'), fullPage: true });

  // Hold the freeze past the failure detector's 8 s suspicion: the engines' clock stopped with it.
  await page.waitForFunction((until) => Date.now() >= until, frozenAt + 9_000, { timeout: 30_000 });

  // Resume: everything queued is delivered in order, and the lab converges with its links intact.
  const resumedAfter = await page.evaluate(() => Math.max(...window.peerlabLab!.flatMap((session) => session.trace.records().map((record) => record.seq))));
  await page.getByTestId('lab-resume').click();
  await expect(page.getByTestId('lab-queued')).toHaveText('0');
  await expectConverged(cards);
  expect(await counts(cards)).toEqual([frozen[0]! + 1, frozen[0]! + 1, frozen[0]! + 1]);
  for (let i = 0; i < 3; i++) await expect(cards.nth(i).getByTestId('peer-count')).toHaveText('2');
  await lookAt(diagram);
  await expect(diagram.getByTestId('st-held')).toHaveCount(3);
  // Time runs again (every peer has sent a summary to a peer since), and no link was dropped and made again.
  await expect
    .poll(() => page.evaluate((after) => window.peerlabLab!.every((session) => session.trace.records().some((r) => r.seq > after && r.dir === 'send' && r.t === 'vv' && r.remote !== 'server')), resumedAfter))
    .toBe(true);
  expect(await hellos(page)).toEqual(hellosBefore);
  await page.screenshot({ path: test.info().outputPath('lab-spacetime.png'), fullPage: true });
  test.info().annotations.push({ type: 'steps', description: `${steps} steps to the first delivery; ${waiting} inputs queued before` });
  expect(errors).toEqual([]);
  await context.close();
});

test('peer view: the diagram is this peer’s local view of what it sent and received', async ({ room }) => {
  const ada = await room.open('Ada');
  const bob = await room.open('Bob');
  await expect(ada.testId('peer-count')).toHaveText('1');
  await ada.write('seen from Ada');
  await expect(bob.testId('chat-message')).toHaveCount(1);
  const diagram = ada.testId('spacetime');
  await expect(diagram).toHaveAttribute('data-local', 'true');
  await expect(diagram).toContainText('local view');
  // The peer view's diagram starts collapsed: a person opens it.
  await expect(diagram).toHaveAttribute('data-seen', 'false');
  await ada.testId('spacetime-toggle').click();
  await lookAt(diagram);
  const adaKey = await ada.page.evaluate(() => (window as unknown as { peerlab: { publicKey: string } }).peerlab.publicKey);
  const select = diagram.getByTestId('st-event-select');
  const id = (await select.locator('option', { hasText: 'seen from Ada' }).getAttribute('value'))!;
  await select.selectOption(id);
  await expect(diagram.locator(`[data-testid="st-arrow"][data-type="events"][data-from="${adaKey}"][data-event-ids~="${id}"]`).first()).toBeVisible();
  await ada.page.screenshot({ path: test.info().outputPath('peer-spacetime.png'), fullPage: true });
  // Bob's lifeline is there; hiding it hides every arrow to and from it.
  await diagram.getByRole('checkbox', { name: 'Bob', exact: true }).uncheck();
  await expect(diagram.getByTestId('st-lifeline')).toHaveCount(2);
  await expect(diagram.locator('[data-testid="st-arrow"][data-type="events"]')).toHaveCount(0);
});
