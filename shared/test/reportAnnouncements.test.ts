import { describe, expect, it } from 'vitest';
import { MAX_ANNOUNCED_REPORTS } from '../src/engine/messages.ts';
import { ANNOUNCE_GAP_MS, ReportAnnouncements } from '../src/engine/reportAnnouncements.ts';

describe('report announcements, batched per link', () => {
  it('a quiet link announces at once; what comes within the gap waits and goes as one message, newest seq per origin', () => {
    const batches = new ReportAnnouncements();
    batches.add('l1', [['a', 1]]);
    expect(batches.take(0)).toEqual([['l1', [['a', 1]]]]);
    batches.add('l1', [['b', 1]]);
    batches.add('l1', [['a', 3], ['b', 2]]);
    batches.add('l1', [['a', 2]]);
    expect(batches.due).toBe(ANNOUNCE_GAP_MS);
    expect(batches.take(ANNOUNCE_GAP_MS - 1)).toEqual([]);
    expect(batches.take(ANNOUNCE_GAP_MS)).toEqual([['l1', [['b', 2], ['a', 3]]]]);
    expect(batches.due).toBeUndefined();
  });

  it('links keep their own gaps, and a link that went forgets what waited for it', () => {
    const batches = new ReportAnnouncements();
    batches.add('l1', [['a', 1]]);
    batches.take(0);
    batches.add('l1', [['a', 2]]);
    batches.add('l2', [['a', 2]]);
    expect(batches.take(10)).toEqual([['l2', [['a', 2]]]]);
    batches.linkDown('l1');
    expect(batches.due).toBeUndefined();
    expect(batches.take(ANNOUNCE_GAP_MS * 2)).toEqual([]);
  });

  it('never puts more in one message than a receiver accepts', () => {
    const batches = new ReportAnnouncements();
    const many = Array.from({ length: MAX_ANNOUNCED_REPORTS + 3 }, (_, i) => [`o${i}`, 1] as const);
    batches.add('l1', many);
    const taken = batches.take(0);
    expect(taken.map(([, reports]) => reports.length)).toEqual([MAX_ANNOUNCED_REPORTS, 3]);
  });
});
