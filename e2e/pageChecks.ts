/**
 * Checks any spec runs on a page: console errors, axe's blocking violations, reaching a control by keyboard,
 * and looking at a drawing.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page } from '@playwright/test';

/** Collects the page's console errors and uncaught exceptions from now on; the caller asserts the list is empty. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

/** axe-core's WCAG A/AA violations of serious or critical impact, one readable line each (empty when none). */
export async function blockingAxeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).slice(0, 4).join(', ')}`);
}

/**
 * Presses Tab from the top of the page until `target` has the focus, as a keyboard-only user would reach it.
 * Returns whether it got there within `maxPresses` (the caller asserts it, with its own message).
 */
export async function tabUntilFocused(page: Page, target: Locator, maxPresses: number): Promise<boolean> {
  await page.locator('body').focus();
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((element) => element === document.activeElement)) return true;
  }
  return false;
}

/**
 * Brings a drawing (the room graph, a chart, the space-time diagram) into view, as a person looks at it:
 * drawings work only while seen (client/src/lib/drawing/Sight.svelte.ts), so a spec reads one after
 * looking at it. Resolves once the drawing says it is seen (and so shows the latest data).
 */
export async function lookAt(drawing: Locator): Promise<void> {
  await drawing.scrollIntoViewIfNeeded();
  await expect(drawing).toHaveAttribute('data-seen', 'true');
}
