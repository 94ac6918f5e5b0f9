import { describe, expect, it } from 'vitest';
import { FailureDetector } from '../src/engine/failureDetector.ts';

describe('FailureDetector', () => {
  it('pings quiet links and suspects silent ones, not live ones', () => {
    const detector = new FailureDetector({ heartbeatMs: 100, suspectAfterMs: 400 });
    detector.watch('a', 0);
    detector.watch('b', 0);
    expect(detector.due(50)).toEqual([]);
    expect(detector.due(100)).toEqual(['a', 'b']);
    detector.sent('a', 100);
    detector.sent('b', 100);
    detector.heard('a', 350);
    expect(detector.suspects(399)).toEqual([]);
    expect(detector.suspects(400)).toEqual(['b']);
    expect(detector.nextDeadline()).toBe(200);
    detector.forget('b');
    expect(detector.suspects(500)).toEqual([]);
  });

  it('refuses a configuration that would cut live links', () => {
    expect(() => new FailureDetector({ heartbeatMs: 100, suspectAfterMs: 100 })).toThrow();
  });

  it('agrees with its own deadline at fractional times (no wake-up that does nothing)', () => {
    const detector = new FailureDetector({ heartbeatMs: 0.3, suspectAfterMs: 0.7 });
    detector.watch('a', 0.1);
    const deadline = detector.nextDeadline()!;
    expect(detector.due(deadline)).toEqual(['a']);
    detector.sent('a', deadline);
    detector.heard('a', 0.1);
    expect(detector.suspects(0.1 + 0.7)).toEqual(['a']);
  });
});
