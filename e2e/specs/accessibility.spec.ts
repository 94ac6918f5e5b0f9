/**
 * Usable by a person: every main view passes axe-core's WCAG A/AA rules with no serious or critical
 * violation, works from the keyboard alone, and logs no console error. Screenshots of each view are kept
 * as artifacts (test.info().outputPath, under e2e/artifacts).
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../fixtures.ts';
import { blockingAxeViolations, collectErrors, tabUntilFocused } from '../pageChecks.ts';

async function expectAccessible(page: Page, view: string): Promise<void> {
  expect(await blockingAxeViolations(page), `${view}: axe violations`).toEqual([]);
  await page.screenshot({ path: test.info().outputPath(`${view}.png`), fullPage: true });
}

test.describe('accessibility', () => {
  test('the peer view passes axe and is driven by the keyboard alone', async ({ room }) => {
    const ada = await room.open('Ada');
    const bob = await room.open('Bob');
    await expect(ada.testId('peer-count')).toHaveText('1');

    // Keyboard only: tab to the chat box, type, press Enter; the other peer gets the message.
    const page = ada.page;
    expect(await tabUntilFocused(page, ada.testId('chat-input'), 60), 'the chat input is reachable with Tab').toBe(true);
    await page.keyboard.type('typed without a mouse');
    await page.keyboard.press('Enter');
    await expect(bob.testId('chat-message').filter({ hasText: 'typed without a mouse' })).toHaveCount(1);

    // The mode select is a real control the keyboard can change.
    await ada.testId('mode-select').focus();
    await ada.testId('mode-select').selectOption('client-server');
    await expect(bob.testId('mode')).toHaveText('client-server');

    // Enough messages that the conversation scrolls: a scrolling region must be reachable by keyboard.
    for (let i = 0; i < 12; i++) await bob.write(`line ${i}`);
    await expect(ada.testId('chat-message')).toHaveCount(13);
    await expectAccessible(page, 'peer-view');

    // The attacker panel, opened from the keyboard, with an attack's results and this peer's defenses shown.
    await ada.testId('attack-toggle').focus();
    await page.keyboard.press('Enter');
    await ada.testId('attack-forge').click();
    await expect(ada.page.locator('[data-testid="attack-result"][data-attack="forge"]')).toHaveAttribute('data-running', 'false');
    await expectAccessible(page, 'attack-panel');

    // A phone: nothing wider than the screen, so no sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: test.info().outputPath('peer-view-phone.png'), fullPage: true });
    expect(ada.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  test('the presenter and lab views pass axe with no console errors', async ({ room, browser, server }) => {
    await room.open('Ada');
    const context = await browser.newContext();
    const presenter = await context.newPage();
    const presenterErrors = collectErrors(presenter);
    await presenter.goto(`${server.url}/present?room=${room.name}`);
    await expect(presenter.getByTestId('server-mode')).toHaveText('p2p');
    await expectAccessible(presenter, 'presenter');

    const lab = await context.newPage();
    const labErrors = collectErrors(lab);
    await lab.goto(`${server.url}/?lab=3&room=a11y${Date.now() % 100000}`);
    await expect(lab.getByTestId('lab-peer')).toHaveCount(3);
    await expect(lab.getByTestId('lab-peer').nth(2).getByTestId('peer-count')).toHaveText('2');
    await expectAccessible(lab, 'lab');

    expect(presenterErrors).toEqual([]);
    expect(labErrors).toEqual([]);
    await context.close();
  });

  test('a person is told plainly when WebRTC is unavailable and when the server is unreachable', async ({ room, server }) => {
    const ada = await room.open('Ada');
    const blocked = await room.open('Blocked', 'no-webrtc-browser', { webrtc: false });
    await expect(blocked.page.getByText('WebRTC (RTCPeerConnection) is unavailable in this browser')).toBeVisible();
    await expect(ada.page.getByText('WebRTC (RTCPeerConnection) is unavailable')).toHaveCount(0);

    await server.stop('SIGKILL');
    for (const peer of [ada, blocked]) {
      const banner = peer.page.getByRole('status').filter({ hasText: 'Server unreachable' });
      await expect(banner).toBeVisible();
      // p2p: it says what still works.
      await expect(banner).toContainText('Direct peer links keep working');
    }
    await server.start();
    for (const peer of [ada, blocked]) await expect(peer.page.getByRole('status').filter({ hasText: 'Server unreachable' })).toHaveCount(0, { timeout: 20_000 });
  });
});
