import { describe, expect, it } from 'vitest';
import { Exclusions, LinkTable } from '../src/engine/linkTable.ts';

describe('LinkTable', () => {
  it('counts what peer partners reported beyond this node, ignoring the server link; undefined before any report', () => {
    const links = new LinkTable();
    links.set('s', { kind: 'server', reported: { a: 9 } });
    expect(links.eventsBehind({})).toBeUndefined();
    links.set('d', { kind: 'direct', reported: { a: 3, b: 2 } });
    links.set('r', { kind: 'relay', reported: { a: 5 } });
    expect(links.eventsBehind({ a: 1, b: 2 })).toBe(4);
  });

  it('hides refused links from the overlay, and knows when their grace runs out', () => {
    const links = new LinkTable();
    links.set('ok', { kind: 'direct', reported: {}, peer: 'p' });
    expect(links.forOverlay()).toBe(links);
    links.set('old', { kind: 'direct', reported: {}, peer: 'q', refused: true, dropAt: 50 });
    expect([...links.forOverlay().keys()]).toEqual(['ok']);
    expect(links.isRefused('old')).toBe(true);
    expect(links.nextDropAt()).toBe(50);
    expect(links.dueForDrop(49)).toEqual([]);
    expect(links.dueForDrop(50)).toEqual(['old']);
    expect([...links.neighbours()]).toEqual([['p', 'ok'], ['q', 'old']]);
  });

  it('refuse() marks a link; due drops come in the table order; a deleted or replaced link is forgotten', () => {
    const links = new LinkTable();
    for (const id of ['a', 'b', 'c']) links.set(id, { kind: 'direct', reported: {}, peer: id });
    links.refuse('c', 30);
    links.refuse('a', 20);
    links.refuse('b');
    expect(links.isRefused('b')).toBe(true);
    expect(links.get('a')).toMatchObject({ refused: true, dropAt: 20 });
    expect(links.nextDropAt()).toBe(20);
    expect(links.dueForDrop(30)).toEqual(['a', 'c']);
    links.delete('a');
    links.set('c', { kind: 'direct', reported: {}, peer: 'c' });
    expect(links.nextDropAt()).toBeUndefined();
    expect(links.dueForDrop(100)).toEqual([]);
    expect([...links.forOverlay().keys()]).toEqual(['c']);
    links.delete('b');
    expect(links.forOverlay()).toBe(links);
  });
});

describe('Exclusions', () => {
  it('keeps a key refused for its version until its time runs out, then forgets it', () => {
    const exclusions = new Exclusions();
    exclusions.refuseVersion('k', 100, '2.0 vs 1.1');
    expect(exclusions.isIncompatible('k', 99)).toBe(true);
    expect(exclusions.incompatible(99)).toEqual([{ peer: 'k', until: 100, detail: '2.0 vs 1.1' }]);
    expect(exclusions.isIncompatible('k', 100)).toBe(false);
    expect(exclusions.incompatible(0)).toEqual([]);
  });

  it('keeps a banned key until its ban runs out', () => {
    const exclusions = new Exclusions();
    exclusions.ban('k', 10);
    expect(exclusions.isBanned('k', 9)).toBe(true);
    expect(exclusions.bans(9)).toEqual([{ peer: 'k', until: 10 }]);
    expect(exclusions.isBanned('k', 10)).toBe(false);
  });
});
