import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FreezeGate, type Input } from '@peerlab/shared';
import { EngineClock, isGated } from '../src/lib/session/engineClock.ts';

const MESSAGE: Input = { type: 'message', link: 'server', data: '{}' };
const WRITE: Input = { type: 'write', kind: 'chat', body: { text: 'hi', name: 'Ada' } };

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(10_000);
});
afterEach(() => {
  vi.useRealTimers();
});

function clockWith(gate: FreezeGate | undefined, deadline: () => number | undefined) {
  const ticks: number[] = [];
  const clock = new EngineClock({ gate, wall: () => Date.now(), deadline, tick: () => ticks.push(Date.now()) });
  return { clock, ticks };
}

describe('the engine clock', () => {
  it('holds only inputs from the outside world', () => {
    expect(isGated(MESSAGE)).toBe(true);
    expect(isGated({ type: 'verified', results: [] })).toBe(true);
    expect(isGated(WRITE)).toBe(false);
    expect(isGated({ type: 'tick' })).toBe(false);
  });

  it('without a gate: wall time, nothing held, a tick at the deadline', () => {
    const { clock, ticks } = clockWith(undefined, () => 10_500);
    expect(clock.now()).toBe(10_000);
    expect(clock.hold(MESSAGE, () => undefined)).toBe(false);
    clock.arm();
    vi.advanceTimersByTime(499);
    expect(ticks).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ticks).toEqual([10_500]);
  });

  it('keeps a timer that fires no later than the deadline: re-armed only when the deadline comes sooner', () => {
    let deadline: number | undefined = 10_500;
    const { clock, ticks } = clockWith(undefined, () => deadline);
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    clock.arm();
    deadline = 10_800; // later: the armed timer stays and ticks early; the driver re-arms after that tick
    clock.arm();
    deadline = undefined; // nothing due: the early tick finds nothing, which is cheaper than clearing now
    clock.arm();
    expect(cleared).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(1);
    deadline = 10_300; // sooner: re-armed
    clock.arm();
    expect(cleared).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(300);
    expect(ticks).toEqual([10_300]);
    vi.advanceTimersByTime(1_000);
    expect(ticks).toEqual([10_300]); // the first timer was cleared, not left to tick too
  });

  it('frozen: held inputs, no deadline reached; on resume the inputs apply and the timer is re-armed', () => {
    const gate = new FreezeGate(() => Date.now());
    const { clock, ticks } = clockWith(gate, () => 10_200);
    gate.freeze();
    const replayed: string[] = [];
    expect(clock.hold(MESSAGE, () => replayed.push('message'))).toBe(true);
    expect(clock.hold(WRITE, () => replayed.push('write'))).toBe(false); // the user's own action applies at once
    clock.arm();
    vi.advanceTimersByTime(5_000);
    expect(ticks).toEqual([]);
    expect(clock.now()).toBe(10_000); // the gate's time stopped
    gate.resume();
    expect(replayed).toEqual(['message']);
    vi.advanceTimersByTime(200); // the engine saw no time pass: its deadline is 200 ms away again
    expect(ticks).toHaveLength(1);
  });

  it('a timer armed before a freeze does not tick while frozen', () => {
    const gate = new FreezeGate(() => Date.now());
    const { clock, ticks } = clockWith(gate, () => 10_100);
    clock.arm();
    gate.freeze();
    vi.advanceTimersByTime(1_000);
    expect(ticks).toEqual([]);
  });

  it('stopped: no timer, no re-arm on resume', () => {
    const gate = new FreezeGate(() => Date.now());
    const { clock, ticks } = clockWith(gate, () => 10_100);
    clock.arm();
    clock.stop();
    gate.freeze();
    gate.resume();
    clock.arm();
    vi.advanceTimersByTime(1_000);
    expect(ticks).toEqual([]);
  });
});
