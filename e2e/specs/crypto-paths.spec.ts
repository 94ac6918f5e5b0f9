/**
 * Signing paths in a real page. A page on 127.0.0.1 (a secure context) signs with WebCrypto's native
 * Ed25519 and says so; Chromium's WebCrypto, @noble and tweetnacl reproduce RFC 8032 and verify each
 * other. A page on a real insecure origin — a host name that is not loopback's own (Chromium resolves it
 * to 127.0.0.1 by a host rule, so no traffic leaves the machine), as a phone opening the plain-http LAN
 * URL — has no `crypto.subtle`: it runs @noble, says why, and converges with native pages.
 */
import { systemChromium, CHROMIUM_ARGS } from '../browser.ts';
import { expect, test } from '../fixtures.ts';
import { openCryptoHarness } from '../harness/cryptoHarness.ts';
import { expectAllMessages, expectConverged, PeerPage } from '../peer.ts';

/** Not loopback by name, so Chromium treats its plain-http pages as insecure; it resolves to 127.0.0.1. */
const INSECURE_HOST = 'peerlab-lan.test';
const executablePath = systemChromium();

test.use({ launchOptions: { ...(executablePath ? { executablePath } : {}), args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`] } });

test('Chromium WebCrypto, @noble and tweetnacl agree on the RFC 8032 vectors and on each other', async ({ page, server }) => {
  await openCryptoHarness(page, server.url);
  expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
  expect(await page.evaluate(() => window.peerlabCrypto!.chosen())).toEqual({ name: 'webcrypto', why: 'native Ed25519 in WebCrypto' });
  const byPath = await page.evaluate(() => window.peerlabCrypto!.vectors());
  expect(Object.keys(byPath)).toEqual(['tweetnacl', 'noble', 'webcrypto']);
  for (const [path, results] of Object.entries(byPath)) {
    expect(results.map((result) => result.name), path).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
    for (const result of results) {
      expect(result.signed, `${path} ${result.name}`).toBe(result.expected);
      expect(result.verified, `${path} ${result.name}`).toBe(true);
      expect(result.tamperedRefused, `${path} ${result.name}`).toBe(true);
    }
  }
  const cross = await page.evaluate(() => window.peerlabCrypto!.crossCheck());
  expect(Object.keys(cross)).toHaveLength(9);
  for (const [pair, verdict] of Object.entries(cross)) expect(verdict, pair).toEqual({ valid: true, refused: true });
});

test('a secure page signs natively; an insecure one runs @noble, says why, and converges with it', async ({ browser, room, server }) => {
  const native = await room.open('Native');
  await expect(native.testId('crypto-path')).toHaveText('webcrypto');
  await expect(native.testId('crypto-why')).toHaveText('(native Ed25519 in WebCrypto)');

  const insecureUrl = server.url.replace('127.0.0.1', INSECURE_HOST);
  const context = await browser.newContext();
  try {
    const phone = await PeerPage.open(context, insecureUrl, room.name, 'Phone');
    expect(await phone.page.evaluate(() => ({ secure: window.isSecureContext, subtle: typeof window.crypto.subtle }))).toEqual({ secure: false, subtle: 'undefined' });
    await expect(phone.testId('crypto-path')).toHaveText('noble');
    await expect(phone.testId('crypto-why')).toHaveText('(insecure context: no crypto.subtle)');

    // Each writes; each verifies the other's signatures on its own path, and both hold the same events.
    await native.write('signed by WebCrypto');
    await phone.write('signed by @noble');
    await native.write('and WebCrypto again');
    await expectAllMessages([native, phone], ['signed by WebCrypto', 'signed by @noble', 'and WebCrypto again']);
    await expectConverged([native, phone], 3);
    await expect(native.testId('pending-count')).toHaveText('0');
    await expect(phone.testId('pending-count')).toHaveText('0');
    // Not one signature refused across the two paths.
    for (const peer of [native, phone]) {
      const refused = await peer.page.evaluate(() => (window.peerlab as unknown as { debug: { defenses(): { rejections: Record<string, number> } } }).debug.defenses().rejections);
      expect(refused.bad_signature ?? 0, peer.name).toBe(0);
    }
  } finally {
    await context.close();
  }
});
