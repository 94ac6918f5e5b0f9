/**
 * The trust & security lesson, in real browsers: one page opens the "Attack this room" panel and runs each
 * attack over its real links. The victims' own counters rise for the right reasons, the honest pages keep
 * one state and never show a forged or tampered message, and the flooder is dropped and kept out while
 * banned. In client-server the server's socket budget refuses the flood.
 */
import type { Page } from '@playwright/test';
import { test, expect } from '../fixtures.ts';
import { expectConverged, type PeerPage } from '../peer.ts';
import type { Defenses } from '../../client/src/lib/session/defenses.ts';
import { BANNED_REASON } from '../../client/src/lib/session/peerDriver.ts';
import { DEFAULT_FLOOD_CONFIG } from '@peerlab/shared';

function defenses(peer: PeerPage): Promise<Defenses> {
  return peer.page.evaluate(() => (window.peerlab as unknown as { debug: { defenses(): Defenses } }).debug.defenses());
}

async function publicKey(peer: PeerPage): Promise<string> {
  return peer.page.evaluate(() => (window.peerlab as unknown as { publicKey: string }).publicKey);
}

/** Waits until every victim's counter for `reason` has risen by at least `by` over `before`. */
async function expectRejected(victims: readonly PeerPage[], before: readonly Defenses[], reason: string, by = 1): Promise<void> {
  const count = (d: Defenses): number => (d.rejections as Record<string, number>)[reason] ?? 0;
  await expect
    .poll(async () => {
      const rises = (await Promise.all(victims.map(defenses))).map((d, i) => count(d) - count(before[i]!));
      return rises.every((rise) => rise >= by) ? 'all' : `rises ${rises.join(' ')}`;
    }, { message: `every victim counts ${reason}` })
    .toBe('all');
}

/** The attacker's result row for its newest attack of `kind` (the panel lists the newest first). */
function result(page: Page, kind: string) {
  return page.locator(`[data-testid="attack-result"][data-attack="${kind}"]`).first();
}

async function run(attacker: PeerPage, kind: string): Promise<void> {
  await attacker.testId(`attack-${kind}`).click();
  await expect(result(attacker.page, kind)).toHaveAttribute('data-running', 'false', { timeout: 30_000 });
}

/** No page shows a message carrying the crafted marks. */
async function expectNoCraftedMessage(peers: readonly PeerPage[]): Promise<void> {
  for (const peer of peers) {
    const texts = (await peer.messages()).join('\n');
    expect(texts, `${peer.name} shows a crafted message`).not.toMatch(/FORGED|TAMPERED/);
  }
}

test.describe('attacks', () => {
  test('p2p: forge, tamper, replay, equivocate and flood are each refused for their reason; the flooder is dropped and banned', async ({ room }) => {
    test.setTimeout(180_000);
    const ada = await room.open('Ada'); // creates the room: the admin
    const bob = await room.open('Bob', 'bob');
    const carol = await room.open('Carol', 'carol');
    const mallory = await room.open('Mallory', 'mallory', { query: { attacker: '1' } });
    const victims = [ada, bob, carol];
    const everyone = [...victims, mallory];
    for (const peer of everyone) await expect(peer.testId('peer-count')).toHaveText('3', { timeout: 30_000 });

    // An old mode switch to replay: the room goes hybrid and back.
    await ada.switchMode('hybrid');
    for (const peer of everyone) await expect(peer.testId('mode')).toHaveText('hybrid');
    await ada.switchMode('p2p');
    for (const peer of everyone) await expect(peer.testId('mode')).toHaveText('p2p');
    for (const peer of everyone) await expect(peer.testId('peer-count')).toHaveText('3', { timeout: 30_000 });
    await ada.write('the real message from Ada');
    await bob.write('the real message from Bob');
    // Honest bursts first: two pages writing 334 messages as fast as they can trip no one's budget.
    for (const writer of [ada, bob]) await writer.page.evaluate(() => {
      for (let i = 1; i <= 334; i++) window.peerlab?.sendChat(`burst ${i}`);
    });
    await expectConverged(everyone, 670, 30_000);
    for (const d of await Promise.all(everyone.map(defenses))) expect([d.rejections.rate_limited ?? 0, d.floodDrops]).toEqual([0, 0]);
    await expect(mallory.testId('attack-panel')).toHaveAttribute('open', '');

    // forge: an event in Ada's (or another member's) name, signed with Mallory's key.
    let before = await Promise.all(victims.map(defenses));
    await run(mallory, 'forge');
    await expectRejected(victims, before, 'bad_signature');
    // The attacker sees it too, from the victims' reports as gossip brings them.
    await expect(result(mallory.page, 'forge').locator('[data-testid="attack-refused"][data-reason="bad_signature"]')).toHaveText('bad_signature +3');

    // tamper: a held chat message with its text changed, its signature kept.
    before = await Promise.all(victims.map(defenses));
    await run(mallory, 'tamper');
    await expectRejected(victims, before, 'bad_signature');

    // replay: the exact copy is a duplicate (no counter), the promoted old switch bad_epoch, the other room's event wrong_room.
    before = await Promise.all(victims.map(defenses));
    await run(mallory, 'replay');
    await expectRejected(victims, before, 'bad_epoch');
    await expectRejected(victims, before, 'wrong_room');
    const afterReplay = await Promise.all(victims.map(defenses));
    afterReplay.forEach((d, i) => expect(d.duplicates).toBeGreaterThan(before[i]!.duplicates));
    for (const peer of everyone) await expect(peer.testId('mode')).toHaveText('p2p');

    // equivocate: two versions of Mallory's next message, one to each half; every peer keeps the proof.
    await run(mallory, 'equivocate');
    const malloryKey = await publicKey(mallory);
    await expect
      .poll(async () => (await Promise.all(victims.map(defenses))).map((d) => d.equivocations.filter((proof) => proof.author === malloryKey).length), { message: 'every victim holds the proof' })
      .toEqual([1, 1, 1]);
    await expectConverged(victims, 671);
    await expectNoCraftedMessage(everyone);

    // flood: thousands of messages on every link; each victim throttles, then drops and bans Mallory.
    before = await Promise.all(victims.map(defenses));
    await mallory.testId('attack-flood').click();
    const flood = result(mallory.page, 'flood');
    await expect(flood).toHaveAttribute('data-running', 'false', { timeout: 60_000 });
    await expect
      .poll(async () => (await Promise.all(victims.map(defenses))).map((d) => [d.floodDrops, d.bans.some((ban) => ban.peer === malloryKey)]), { message: 'every victim dropped and banned the flooder' })
      .toEqual(victims.map(() => [1, true]));
    const afterFlood = await Promise.all(victims.map(defenses));
    afterFlood.forEach((d, i) => expect((d.rejections.rate_limited ?? 0) - (before[i]!.rejections.rate_limited ?? 0)).toBeGreaterThanOrEqual(DEFAULT_FLOOD_CONFIG.dropAfterRefusals));
    await expect(flood.getByTestId('attack-flood-link')).toHaveCount(3);
    for (const link of await flood.getByTestId('attack-flood-link').all()) await expect(link).toHaveAttribute('data-closed-ms', /^\d+$/);
    await expect(mallory.testId('peer-count')).toHaveText('0');
    // Its reconnect is declined while banned, and the victims show why it has no link.
    await expect
      .poll(async () => Math.min(...(await Promise.all((await flood.getByTestId('attack-flood-link').all()).map(async (link) => Number(await link.getAttribute('data-declined')))))), { message: 'a reconnect was declined by every victim' })
      .toBeGreaterThanOrEqual(1);
    for (const victim of victims) await expect(victim.page.locator(`[data-testid="member"][data-reason="${BANNED_REASON}"]`)).toHaveCount(1);
    const rate = await flood.getByTestId('attack-flood-rate').innerText();
    const closedAfter = await Promise.all((await flood.getByTestId('attack-flood-link').all()).map((link) => link.getAttribute('data-closed-ms')));
    console.log(`flood: ${rate} messages/s from the attacker; links closed after ${closedAfter.join(', ')} ms; victims refused ${afterFlood.map((d, i) => (d.rejections.rate_limited ?? 0) - (before[i]!.rejections.rate_limited ?? 0)).join(', ')}`);

    // The honest pages carry on: still meshed among themselves, one state, nothing crafted shown.
    for (const victim of victims) await expect(victim.testId('peer-count')).toHaveText('2');
    await carol.write('after the attacks');
    await expect(ada.testId('chat-message').filter({ hasText: 'after the attacks' })).toHaveCount(1);
    await expectConverged(victims, 672);
    await expectNoCraftedMessage(everyone);
    for (const victim of victims) expect(victim.errors).toEqual([]);
  });

  test('client-server: the server refuses a forged event, and its socket budget refuses the flood', async ({ room, server }) => {
    test.setTimeout(120_000);
    const ada = await room.open('Ada');
    const mallory = await room.open('Mallory', 'mallory', { query: { attacker: '1' } });
    await ada.switchMode('client-server');
    await expect(mallory.testId('mode')).toHaveText('client-server');
    await ada.write('before the attack');
    await expectConverged([ada, mallory], 1);

    await run(mallory, 'forge');
    await expect(result(mallory.page, 'forge').locator('[data-testid="attack-server-refused"][data-reason="bad_signature"]')).toHaveText('bad_signature +1');

    const refusedBefore = await rateLimitedTotal(server.url);
    await run(mallory, 'flood');
    await expect(result(mallory.page, 'flood').locator('[data-testid="attack-server-refused"][data-reason="rate_limited"]')).toBeVisible();
    expect(await rateLimitedTotal(server.url)).toBeGreaterThan(refusedBefore + 1_000);
    console.log(`client-server flood: server refused ${(await rateLimitedTotal(server.url)) - refusedBefore} messages; attacker's server link ${await mallory.testId('server-status').innerText()}`);

    // The server disconnected the flooder's socket; it comes back on its own after a pause, and is served again.
    await expect(mallory.testId('server-status')).toHaveText('connected', { timeout: 30_000 });
    await mallory.write('back after the pause');
    await expect(ada.testId('chat-message').filter({ hasText: 'back after the pause' })).toHaveCount(1);

    // The honest page is served as before.
    await ada.write('after the attack');
    await expect(ada.testId('chat-message').filter({ hasText: 'after the attack' })).toHaveCount(1);
    await expect(ada.testId('pending-count')).toHaveText('0');
    await expectNoCraftedMessage([ada]);
    expect(ada.errors).toEqual([]);
  });
});

/** The server's count of messages refused for being over a budget (`/metrics`). */
async function rateLimitedTotal(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('peerlab_rejections_total{reason="rate_limited"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
