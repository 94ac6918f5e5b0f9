/**
 * The simulator view (`/sim`), the scale lesson: the classic epidemics and the real engine run in a Web
 * Worker, their curves are drawn and kept for comparison, the form is validated by the CLI's own parser,
 * and a link with `&run=1` runs on load. Numbers are asserted loosely (bands around the textbook and the
 * Node run of the same seed), never timings.
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../fixtures.ts';
import { blockingAxeViolations, collectErrors, tabUntilFocused } from '../pageChecks.ts';
import { parseOptions, simulate } from '../../shared/src/sim/index.ts';

async function openSim(page: Page, url: string, query = ''): Promise<void> {
  await page.goto(`${url}/sim${query}`);
  await expect(page.getByTestId('sim-form')).toBeVisible();
}

/** What `npm run sim` computes for the same options in Node. */
function nodeReport(argv: string[]): Record<string, unknown> {
  const parsed = parseOptions(argv);
  if (!parsed.ok) throw new Error(parsed.error);
  return simulate(parsed.value);
}

test.describe('simulator view', () => {
  test('push anti-entropy at n = 1000 draws a curve and reaches everyone near log2 n + ln n rounds', async ({ page, server }) => {
    const errors = collectErrors(page);
    await openSim(page, server.url);
    await page.locator('#sim-protocol').selectOption('push');
    await page.locator('#sim-nodes').fill('1000');
    await page.getByTestId('sim-run').click();

    const result = page.getByTestId('sim-result').first();
    await expect(result).toHaveAttribute('data-protocol', 'push');
    await expect(page.getByTestId('sim-series')).toHaveCount(1);
    expect(Number(await page.getByTestId('sim-series').getAttribute('data-points'))).toBeGreaterThan(5);

    const reference = Number(await result.getAttribute('data-reference-rounds'));
    const rounds = Number(await result.getAttribute('data-rounds-to-100'));
    expect(reference).toBeCloseTo(Math.log2(1000) + Math.log(1000), 6);
    // Pittel: log2 n + ln n + O(1); one run of 1000 sites lands within a few rounds of it.
    expect(rounds).toBeGreaterThanOrEqual(reference - 4);
    expect(rounds).toBeLessThanOrEqual(reference + 6);
    await expect(page.getByTestId('sim-reference')).toHaveCount(1);
    await expect(result.getByTestId('sim-reference-table')).toContainText('log₂ n + ln n');
    // The same seed in Node gives the same numbers.
    const node = nodeReport(['--protocol', 'push', '--nodes', '1000']);
    expect(rounds).toBe(node.roundsTo100);
    expect(Number(await result.getAttribute('data-messages-per-node'))).toBe(node.messagesPerNode);

    await expect(page.getByTestId('sim-chart-summary')).toContainText('push · n = 1,000 · seed 1: 50 % by round');
    expect(new URL(page.url()).search).toBe('?protocol=push&nodes=1000&runs=1&seed=1');
    expect(errors).toEqual([]);
  });

  test('the engine at n = 2,000 shows its progress, then delivers to everyone', async ({ page, server }) => {
    const errors = collectErrors(page);
    await openSim(page, server.url, '?protocol=peerlab&nodes=2000');
    await expect(page.getByTestId('sim-signatures')).toContainText('Signatures are a stand-in');
    await page.getByTestId('sim-run').click();
    const progress = page.getByTestId('sim-progress');
    await expect(progress).toBeVisible();
    await expect(page.getByTestId('sim-cancel')).toBeEnabled();

    const result = page.getByTestId('sim-result').first();
    await expect(result).toHaveAttribute('data-delivery-ratio', '1', { timeout: 60_000 });
    await expect(progress).toHaveAttribute('data-state', 'done');
    // The bar was driven by the worker's messages, not a timer.
    expect(Number(await progress.getAttribute('data-messages'))).toBeGreaterThan(0);
    await expect(result).toHaveAttribute('data-residue', '0');
    await expect(result).toContainText('time to 100 %');
    await expect(page.getByTestId('sim-chart')).toHaveAttribute('data-axis', 'virtual seconds from the first write');
    await expect(page.getByTestId('sim-series')).toHaveCount(1);
    await expect(page.getByTestId('sim-cancel')).toBeDisabled();
    expect(errors).toEqual([]);
  });

  test('two runs overlay two curves on one chart, each with its numbers', async ({ page, server }) => {
    const errors = collectErrors(page);
    await openSim(page, server.url, '?protocol=push&nodes=1000');
    await page.getByTestId('sim-run').click();
    await expect(page.getByTestId('sim-result')).toHaveCount(1);
    await page.locator('#sim-protocol').selectOption('pull');
    await page.getByTestId('sim-run').click();
    await expect(page.getByTestId('sim-result')).toHaveCount(2);
    await expect(page.getByTestId('sim-series')).toHaveCount(2);
    const labels = await page.getByTestId('sim-series').evaluateAll((lines) => lines.map((line) => line.getAttribute('data-label')));
    expect(labels).toEqual(['push · n = 1,000 · seed 1', 'pull · n = 1,000 · seed 1']);
    const colours = await page.getByTestId('sim-series').evaluateAll((lines) => lines.map((line) => line.getAttribute('stroke')));
    expect(new Set(colours).size).toBe(2);
    await expect(page.getByTestId('sim-result').first()).toHaveAttribute('data-protocol', 'pull');

    await page.getByTestId('sim-clear').click();
    await expect(page.getByTestId('sim-series')).toHaveCount(0);
    expect(errors).toEqual([]);
  });

  test('Cancel stops a long run (n = 100,000) and the page is usable again', async ({ page, server }) => {
    const errors = collectErrors(page);
    await openSim(page, server.url, '?protocol=peerlab&nodes=100000');
    await page.getByTestId('sim-run').click();
    const progress = page.getByTestId('sim-progress');
    await expect(progress).toHaveAttribute('data-state', 'running');
    // The worker is alive and talking: its first message names the run.
    await expect(progress).toContainText('run 1 of 1');
    await expect(page.getByTestId('sim-run')).toBeDisabled();
    await page.getByTestId('sim-cancel').click();
    await expect(progress).toHaveAttribute('data-state', 'cancelled');
    await expect(page.getByTestId('sim-status')).toContainText('Cancelled after');
    await expect(page.getByTestId('sim-result')).toHaveCount(0);

    // Usable again at once: a small run finishes while the 100,000-node one would still be warming up.
    await page.locator('#sim-protocol').selectOption('push');
    await page.locator('#sim-nodes').fill('1000');
    await page.getByTestId('sim-run').click();
    await expect(page.getByTestId('sim-result')).toHaveCount(1);
    await expect(page.getByTestId('sim-result').first()).toHaveAttribute('data-protocol', 'push');
    await expect(progress).toHaveAttribute('data-state', 'done');
    expect(errors).toEqual([]);
  });

  test('a bad option shows the parser sentence, the same as the CLI', async ({ page, server }) => {
    const errors = collectErrors(page);
    await openSim(page, server.url, '?protocol=push');
    await page.locator('#sim-nodes').fill('0');
    const sentence = parseOptions(['--protocol', 'push', '--nodes', '0']);
    expect(sentence.ok).toBe(false);
    await expect(page.getByTestId('sim-error')).toHaveText(sentence.ok ? '' : sentence.error);
    await expect(page.getByTestId('sim-error')).toHaveText('--nodes must be an integer from 2 to 10000000 (got "0")');
    await expect(page.locator('#sim-nodes')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('sim-run')).toBeDisabled();
    await page.locator('#sim-nodes').fill('1000');
    await expect(page.getByTestId('sim-error')).toHaveCount(0);
    await expect(page.getByTestId('sim-run')).toBeEnabled();

    // A link with an option the CLI does not know says so in the parser's words, and does not run.
    await openSim(page, server.url, '?protocol=push&nodez=5&run=1');
    await expect(page.getByTestId('sim-error')).toHaveText('unknown option --nodez');
    await expect(page.getByTestId('sim-progress')).toHaveCount(0);
    expect(errors).toEqual([]);
  });

  test('a deep link with run=1 runs on load, and the page offers the link of its setup', async ({ page, server }) => {
    const errors = collectErrors(page);
    await openSim(page, server.url, '?protocol=pull&nodes=5000&seed=3&run=1');
    await expect(page.locator('#sim-protocol')).toHaveValue('pull');
    await expect(page.locator('#sim-nodes')).toHaveValue('5000');
    const result = page.getByTestId('sim-result').first();
    await expect(result).toHaveAttribute('data-protocol', 'pull');
    await expect(result).toHaveAttribute('data-nodes', '5000');
    const node = nodeReport(['--protocol', 'pull', '--nodes', '5000', '--seed', '3']);
    expect(Number(await result.getAttribute('data-rounds-to-100'))).toBe(node.roundsTo100);
    await expect(page.getByTestId('sim-link')).toHaveAttribute('href', `${server.url}/sim?protocol=pull&nodes=5000&runs=1&seed=3&run=1`);
    expect(errors).toEqual([]);
  });

  test('passes axe with every section showing, works from the keyboard and fits a phone', async ({ page, server }) => {
    const errors = collectErrors(page);
    // Rumor mongering: the paper's row (Table 1, k = 2), push t_ave marked as not reproduced.
    await openSim(page, server.url, '?protocol=rumor&k=2&runs=20&run=1');
    const paper = page.getByTestId('sim-paper');
    await expect(paper).toContainText('Demers et al. 1987, Table 1, k = 2');
    await expect(paper.locator('tr[data-reproduced="false"]')).toContainText('t_ave');
    await expect(paper.locator('tr[data-reproduced="false"]')).toContainText('not reproduced');

    // Keyboard only: Tab to the engine's options, type a size, Enter runs it.
    await page.locator('#sim-protocol').focus();
    await page.locator('#sim-protocol').selectOption('peerlab');
    expect(await tabUntilFocused(page, page.locator('#sim-nodes'), 40), 'the nodes field is reachable with Tab').toBe(true);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('600');
    await page.locator('#sim-runs').fill('1');
    await page.locator('#sim-graph').selectOption('fixed');
    await page.locator('#sim-adversaries').fill('0.2');
    await page.locator('#sim-compare-adversaries').check();
    await page.locator('#sim-nodes').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('sim-result')).toHaveCount(2, { timeout: 60_000 });
    await expect(page.getByTestId('sim-variants')).toContainText('no adversaries');
    // The engine's axis differs from rumor's rounds: its three curves are drawn, the rumor run is named as hidden.
    await expect(page.getByTestId('sim-series')).toHaveCount(3);
    await expect(page.getByTestId('sim-chart')).toContainText('1 earlier run counted in rounds not drawn here');

    expect(await blockingAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: test.info().outputPath('simulator.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: test.info().outputPath('simulator-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
