import { describe, expect, it } from 'vitest';
import { LastSeqSaver, SAVE_GAP_MS } from '../src/lib/session/lastSeqSaver.ts';

/** A saver on a hand-driven clock: what it saved, and `advance` to run the timers that come due. */
function saver() {
  let now = 0;
  let timers: { at: number; run: () => void }[] = [];
  const saved: number[] = [];
  const subject = new LastSeqSaver((seq) => saved.push(seq), {
    now: () => now,
    after: (ms, run) => {
      const timer = { at: now + ms, run };
      timers.push(timer);
      return () => void (timers = timers.filter((t) => t !== timer));
    },
  });
  const advance = (ms: number): void => {
    now += ms;
    const due = timers.filter((t) => t.at <= now);
    timers = timers.filter((t) => t.at > now);
    for (const timer of due) timer.run();
  };
  return { subject, saved, advance, pendingTimers: () => timers.length };
}

describe('LastSeqSaver', () => {
  it('saves a write after a quiet spell at once', () => {
    const { subject, saved, advance } = saver();
    subject.note(1);
    expect(saved).toEqual([1]);
    advance(SAVE_GAP_MS);
    subject.note(2);
    expect(saved).toEqual([1, 2]);
  });

  it('saves a burst once per gap, the newest number at its end', () => {
    const { subject, saved, advance, pendingTimers } = saver();
    subject.note(1);
    for (let seq = 2; seq <= 20; seq++) subject.note(seq);
    expect(saved).toEqual([1]);
    expect(pendingTimers()).toBe(1);
    advance(SAVE_GAP_MS - 1);
    expect(saved).toEqual([1]);
    advance(1);
    expect(saved).toEqual([1, 20]);
    expect(pendingTimers()).toBe(0);
  });

  it('saves what waits at once on flush (the page hidden or left), and nothing twice', () => {
    const { subject, saved, advance, pendingTimers } = saver();
    subject.note(1);
    subject.note(2);
    subject.flush();
    expect(saved).toEqual([1, 2]);
    expect(pendingTimers()).toBe(0);
    subject.flush();
    advance(SAVE_GAP_MS);
    expect(saved).toEqual([1, 2]);
  });
});
