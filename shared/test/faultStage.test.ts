import { describe, expect, it } from 'vitest';
import { describeRule, FaultStage, REORDER_DEPTH, REORDER_MAX_HOLD_MS, ruleFor, seededRng, type FaultRule, type FaultTimer } from '../src/index.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

function rule(overrides: Partial<FaultRule>): FaultRule {
  return { a: '*', b: '*', drop: 0, delayMs: 0, jitterMs: 0, duplicate: 0, reorder: 0, ...overrides };
}

/** A fake clock: callbacks run only when the test advances time. */
class FakeTimer implements FaultTimer {
  now = 0;
  #queue: { at: number; run: () => void; live: boolean }[] = [];
  after(ms: number, run: () => void): () => void {
    const item = { at: this.now + ms, run, live: true };
    this.#queue.push(item);
    return () => void (item.live = false);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.#queue.filter((item) => item.live && item.at <= until).sort((x, y) => x.at - y.at)[0];
      if (!due) break;
      due.live = false;
      this.now = due.at;
      due.run();
    }
    this.now = until;
  }
  get pending(): number {
    return this.#queue.filter((item) => item.live).length;
  }
}

function stage(rules: readonly FaultRule[], seed = 7) {
  const timer = new FakeTimer();
  const faults = new FaultStage(A, seededRng(seed), timer);
  faults.setRules(rules);
  const delivered: string[] = [];
  const send = (peer: string, n: number) => {
    for (let i = 0; i < n; i++) faults.send(peer, `m${i}`, (data) => delivered.push(data));
  };
  return { timer, faults, delivered, send };
}

describe('fault rules', () => {
  it('match a pair either way round, and the most specific rule wins', () => {
    const all = rule({ drop: 10 });
    const pair = rule({ a: B, b: A, drop: 100 });
    const one = rule({ a: A, b: '*', drop: 50 });
    expect(ruleFor([all, one, pair], A, B)).toBe(pair);
    expect(ruleFor([all, one, pair], A, C)).toBe(one);
    expect(ruleFor([all, pair], A, C)).toBe(all);
    expect(ruleFor([pair], A, C)).toBeUndefined();
    expect(ruleFor([pair], B, A)).toBe(pair);
    expect(describeRule(rule({ drop: 30, duplicate: 10, delayMs: 200, jitterMs: 50 }))).toBe('drop 30% · delay 200+50ms · dup 10%');
  });
});

describe('the fault stage', () => {
  it('passes everything through without a rule, and on links no rule covers', () => {
    const { faults, delivered, send } = stage([rule({ a: A, b: B, drop: 100 })]);
    send(C, 20);
    expect(delivered).toHaveLength(20);
    expect(faults.counts().get(C)).toMatchObject({ sent: 20, dropped: 0 });
  });

  it('drop 100 % loses every message on that link and counts it', () => {
    const { faults, delivered, send } = stage([rule({ a: A, b: B, drop: 100 })]);
    send(B, 50);
    expect(delivered).toEqual([]);
    expect(faults.counts().get(B)).toMatchObject({ sent: 50, dropped: 50 });
  });

  it('drop 30 % loses about 30 % (seeded), and the counts add up', () => {
    const { faults, delivered, send } = stage([rule({ drop: 30 })], 11);
    send(B, 1000);
    const counts = faults.counts().get(B)!;
    expect(counts.dropped).toBeGreaterThan(250);
    expect(counts.dropped).toBeLessThan(350);
    expect(delivered).toHaveLength(1000 - counts.dropped);
  });

  it('duplicate 100 % sends each message twice', () => {
    const { faults, delivered, send } = stage([rule({ duplicate: 100 })]);
    send(B, 10);
    expect(delivered).toHaveLength(20);
    expect(faults.counts().get(B)!.duplicated).toBe(10);
  });

  it('delay holds each message for delay + jitter on the clock, then delivers it', () => {
    const { timer, faults, delivered, send } = stage([rule({ delayMs: 100, jitterMs: 50 })]);
    send(B, 10);
    expect(delivered).toEqual([]);
    timer.advance(99);
    expect(delivered).toEqual([]);
    timer.advance(51);
    expect(delivered).toHaveLength(10);
    expect(faults.counts().get(B)!.delayed).toBe(10);
  });

  it('reorder holds a message back behind the next ones; a quiet link releases it after a bound', () => {
    const { timer, faults, delivered, send } = stage([rule({ reorder: 100 })]);
    send(B, 1 + REORDER_DEPTH);
    expect(delivered).toEqual(['m1', 'm2', 'm0']);
    expect(faults.counts().get(B)!.reordered).toBe(1);
    faults.send(B, 'last', (data) => delivered.push(data));
    expect(delivered).toHaveLength(3);
    timer.advance(REORDER_MAX_HOLD_MS);
    expect(delivered.at(-1)).toBe('last');
    expect(timer.pending).toBe(0);
  });

  it('clearing the rules releases held messages and stops counting faults', () => {
    const { faults, delivered, send } = stage([rule({ reorder: 100 })]);
    send(B, 1);
    expect(delivered).toEqual([]);
    faults.setRules([]);
    expect(delivered).toEqual(['m0']);
    const before = faults.totals();
    send(B, 20);
    const after = faults.totals();
    expect(after.sent - before.sent).toBe(20);
    expect([after.dropped, after.delayed, after.duplicated, after.reordered]).toEqual([before.dropped, before.delayed, before.duplicated, before.reordered]);
  });

  it('is deterministic for a seed', () => {
    const run = () => {
      const { delivered, send } = stage([rule({ drop: 20, duplicate: 20, reorder: 20 })], 99);
      send(B, 200);
      return delivered.join(',');
    };
    expect(run()).toBe(run());
  });
});
