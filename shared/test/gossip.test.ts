import { describe, expect, it } from 'vitest';
import { AntiEntropyClock, antiEntropyPartner, pushTargets, summaryAuthors } from '../src/engine/gossip.ts';
import { LinkTable } from '../src/engine/linkTable.ts';
import type { StoredEvent } from '../src/engine/store.ts';
import { seededRng } from '../src/ports/rng.ts';

const stored: StoredEvent = { id: 'e', event: { v: 1, room: 'lab', author: 'a', seq: 2, lamport: 1, kind: 'chat', body: {}, sig: '' }, size: 0 };

describe('pushTargets', () => {
  it('sends to the authority link always, to a random fanout of peers, never back nor where the event is known', () => {
    const links = new LinkTable();
    links.set('src', { kind: 'direct', reported: {} });
    links.set('has', { kind: 'direct', reported: { a: 2 } });
    for (const id of ['p1', 'p2', 'p3']) links.set(id, { kind: 'direct', reported: { a: 1 } });
    links.set('srv', { kind: 'server', reported: {} });
    const targets = pushTargets(stored, 'src', links, () => true, seededRng(1), 2);
    expect(targets[0]).toBe('srv');
    expect(targets).toHaveLength(3);
    expect(targets.slice(1).every((id) => ['p1', 'p2', 'p3'].includes(id))).toBe(true);
    expect(pushTargets(stored, 'src', links, (kind) => kind !== 'direct', seededRng(1), 2)).toEqual(['srv']);
  });
});

describe('anti-entropy', () => {
  it('a summary covers every author, the control authors, or no one, by what the link carries', () => {
    expect(summaryAuthors('all', 'adm', 'srv')('x')).toBe(true);
    expect(['adm', 'srv', 'x'].map(summaryAuthors('strict', 'adm', 'srv'))).toEqual([true, true, false]);
    expect(summaryAuthors('none', 'adm', 'srv')('adm')).toBe(false);
  });

  it('picks a partner among links that are not refused and carry something', () => {
    const links = new LinkTable();
    links.set('refused', { kind: 'direct', reported: {}, refused: true });
    links.set('mute', { kind: 'relay', reported: {} });
    links.set('ok', { kind: 'direct', reported: {} });
    expect(antiEntropyPartner(seededRng(3), links, (kind) => (kind === 'relay' ? 'none' : 'all'))).toBe('ok');
    expect(antiEntropyPartner(seededRng(3), new LinkTable(), () => 'all')).toBeUndefined();
  });

  it('a round is due one interval after the clock starts, then every interval', () => {
    const clock = new AntiEntropyClock(1000);
    expect(clock.next).toBeUndefined();
    expect([clock.due(5), clock.next, clock.due(1004), clock.due(1005), clock.next]).toEqual([false, 1005, false, true, 2005]);
  });

  it('backs off while nothing is new, up to its longest interval, and comes back at once on news', () => {
    const clock = new AntiEntropyClock(1000, 8000);
    const rounds: number[] = [];
    for (let now = 0; now <= 40_000; now += 100) if (clock.due(now)) rounds.push(now);
    expect(rounds).toEqual([1000, 3000, 7000, 15_000, 23_000, 31_000, 39_000]);
    clock.quicken(40_000);
    expect(clock.next).toBe(41_000);
    expect(clock.due(41_000)).toBe(true);
    expect(clock.next).toBe(43_000);
    // News long before the next round is due pulls it in; news just before it changes nothing.
    clock.quicken(42_500);
    expect(clock.next).toBe(43_000);
  });
});
