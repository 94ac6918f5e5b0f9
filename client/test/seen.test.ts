import { describe, expect, it } from 'vitest';
import { isSeen, keepIfSame, sameList, sameRecord, sameRecords } from '../src/lib/drawing/seen.ts';

describe('the drawing rule', () => {
  it('sees a drawing only when the document is visible, its panels are open and it is in view', () => {
    expect(isSeen({ documentVisible: true, panelsOpen: true, intersecting: true })).toBe(true);
    expect(isSeen({ documentVisible: false, panelsOpen: true, intersecting: true })).toBe(false);
    expect(isSeen({ documentVisible: true, panelsOpen: false, intersecting: true })).toBe(false);
    expect(isSeen({ documentVisible: true, panelsOpen: true, intersecting: false })).toBe(false);
  });

  it('keeps the shown value when the next one equals it, and takes a different one', () => {
    const shown = [{ id: 'a', stale: false }];
    const equal = [{ id: 'a', stale: false }];
    const changed = [{ id: 'a', stale: true }];
    expect(keepIfSame({ value: shown }, equal, sameRecords)).toBe(shown);
    expect(keepIfSame({ value: shown }, changed, sameRecords)).toBe(changed);
    expect(keepIfSame(undefined, equal, sameRecords)).toBe(equal);
  });

  it('compares flat records field by field, optional fields included', () => {
    expect(sameRecord({ id: 'a', protocol: '1.1' }, { id: 'a', protocol: '1.1' })).toBe(true);
    expect(sameRecord({ id: 'a' }, { id: 'a', protocol: '1.1' })).toBe(false);
    expect(sameRecord({ id: 'a', n: Number.NaN }, { id: 'a', n: Number.NaN })).toBe(true);
    expect(sameRecords([{ a: 1 }, { a: 2 }], [{ a: 1 }])).toBe(false);
    expect(sameRecords([{ a: 1 }, { a: 2 }], [{ a: 2 }, { a: 1 }])).toBe(false);
  });

  it('compares lists item by item, in order', () => {
    expect(sameList(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameList(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(sameList(['a'], ['a', 'b'])).toBe(false);
  });
});
