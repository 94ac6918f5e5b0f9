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
});
