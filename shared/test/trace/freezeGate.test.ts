import { describe, expect, it } from 'vitest';
import { FreezeGate } from '../../src/index.ts';

describe('freeze gate', () => {
  it('holds inputs while frozen, steps them in arrival order, drains on resume', () => {
    let wall = 1_000;
    const gate = new FreezeGate(() => wall);
    const applied: string[] = [];
    const offer = (name: string) => (gate.hold(() => applied.push(name)) ? 'held' : (applied.push(name), 'applied'));
    expect(offer('before')).toBe('applied');
    gate.freeze();
    expect(offer('one')).toBe('held');
    expect(offer('two')).toBe('held');
    expect(offer('three')).toBe('held');
    expect(gate.queued).toBe(3);
    expect(gate.step()).toBe(true);
    expect(applied).toEqual(['before', 'one']);
    gate.resume();
    expect(applied).toEqual(['before', 'one', 'two', 'three']);
    expect(gate.queued).toBe(0);
    expect(gate.step()).toBe(false);
    expect(offer('after')).toBe('applied');
  });

  it('stops its clock while frozen and resumes where it stopped, so no deadline passes during a freeze', () => {
    let wall = 10_000;
    const gate = new FreezeGate(() => wall);
    expect(gate.now()).toBe(10_000);
    wall = 10_500;
    gate.freeze();
    wall = 70_500; // a minute frozen
    expect(gate.now()).toBe(10_500);
    gate.resume();
    expect(gate.now()).toBe(10_500);
    wall = 71_000;
    expect(gate.now()).toBe(11_000);
  });

  it('applies an input that queues another while stepping, instead of queueing it again', () => {
    const gate = new FreezeGate(() => 0);
    const applied: string[] = [];
    gate.freeze();
    gate.hold(() => {
      applied.push('outer');
      if (!gate.hold(() => applied.push('inner'))) applied.push('inner-now');
    });
    gate.step();
    expect(applied).toEqual(['outer', 'inner-now']);
  });
});
