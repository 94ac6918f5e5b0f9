import type { Locator, Page } from '@playwright/test';

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
