import { describe, expect, it } from 'vitest';
import { churnVictim, type ChurnPlan } from '@peerlab/shared';
import { ChurnFollower } from '../src/lib/session/churnFollower.ts';
import type { WallClock } from '../src/lib/session/wallClock.ts';

class FakeClock implements WallClock {
  time = 0;
  #queue: { at: number; run: () => void; live: boolean }[] = [];
  now(): number {
    return this.time;
  }
  after(ms: number, run: () => void): () => void {
    const item = { at: this.time + ms, run, live: true };
    this.#queue.push(item);
    return () => void (item.live = false);
  }
  advanceTo(until: number): void {
    for (;;) {
      const due = this.#queue.filter((item) => item.live && item.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.time = due.at;
      due.run();
    }
    this.time = until;
  }
}

const KEYS = ['a', 'b', 'c', 'd'].map((c) => c.repeat(64));
const PLAN: ChurnPlan = { id: 'f'.repeat(32), periodMs: 3000, downMs: 1000, exempt: [KEYS[0]!] };

function follower(self: string) {
  const clock = new FakeClock();
  const log: string[] = [];
  let behind: number | undefined;
  const churn = new ChurnFollower(
    {
      self,
      candidates: () => KEYS,
      suspend: () => log.push(`leave@${clock.time}`),
      resume: () => log.push(`back@${clock.time}`),
      behind: () => behind,
      changed: () => undefined,
    },
    clock,
  );
  return { clock, churn, log, setBehind: (n: number | undefined) => void (behind = n) };
}

describe('the churn follower', () => {
  it('leaves exactly in the slots that pick it, for downMs, and counts its cycles', () => {
    const victim = churnVictim(PLAN, KEYS, 1)!;
    const { clock, churn, log } = follower(victim);
    clock.time = 2_500;
    churn.follow(PLAN);
    clock.advanceTo(30_000);
    const expected = Array.from({ length: 10 }, (_, k) => k)
      .filter((k) => k >= 1 && churnVictim(PLAN, KEYS, k) === victim)
      .flatMap((k) => [`leave@${k * 3000}`, `back@${k * 3000 + 1000}`]);
    expect(log).toEqual(expected);
    expect(churn.cycles).toBe(expected.length / 2);
  });

  it('the exempt key (the teacher) never leaves, but sees who is away', () => {
    const { clock, churn, log } = follower(KEYS[0]!);
    churn.follow(PLAN);
    clock.advanceTo(3_500);
    expect(churn.awayPeer()).toBe(churnVictim(PLAN, KEYS, 1));
    clock.advanceTo(4_500);
    expect(churn.awayPeer()).toBeUndefined();
    clock.advanceTo(60_000);
    expect(log).toEqual([]);
  });

  it('times the catch-up from the rejoin until no partner reports anything it lacks', () => {
    const victim = churnVictim(PLAN, KEYS, 1)!;
    const { clock, churn, setBehind } = follower(victim);
    clock.time = 2_999;
    churn.follow(PLAN);
    clock.advanceTo(4_000);
    expect(churn.catchingUp).toBe(true);
    setBehind(undefined);
    clock.advanceTo(4_100);
    churn.observe();
    setBehind(12);
    clock.advanceTo(4_200);
    churn.observe();
    expect(churn.catchupMs).toBeUndefined();
    setBehind(0);
    clock.advanceTo(4_250);
    churn.observe();
    expect(churn.catchupMs).toBe(250);
    expect(churn.catchingUp).toBe(false);
  });

  it('stopping the generator while away brings the peer back at once', () => {
    const victim = churnVictim(PLAN, KEYS, 1)!;
    const { clock, churn, log } = follower(victim);
    clock.time = 3_000;
    churn.follow(PLAN);
    clock.advanceTo(3_200);
    expect(churn.away).toBe(true);
    churn.follow(null);
    clock.advanceTo(3_201);
    expect(churn.away).toBe(false);
    expect(log).toEqual(['leave@3000', 'back@3200']);
    clock.advanceTo(60_000);
    expect(log).toHaveLength(2);
  });
});
