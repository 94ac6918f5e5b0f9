import { describe, expect, it } from 'vitest';
import { FreezeGate, handleSync } from '../../src/index.ts';
import { makeNode, nodeVerify } from '../helpers.ts';

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

describe('a frozen lab and the failure detector', () => {
  /** Two peers on one direct link, hellos exchanged at `now`; returns a tick function giving each node's drops. */
  function linkedPair(now: number): (at: number) => string[] {
    const a = makeNode('alice');
    const b = makeNode('bob');
    const toB = handleSync(a, { type: 'linkUp', link: 'peer:b', kind: 'direct', peer: b.id }, now, nodeVerify);
    const toA = handleSync(b, { type: 'linkUp', link: 'peer:a', kind: 'direct', peer: a.id }, now, nodeVerify);
    for (const output of toB) if (output.type === 'send') handleSync(b, { type: 'message', link: 'peer:a', data: output.data }, now, nodeVerify);
    for (const output of toA) if (output.type === 'send') handleSync(a, { type: 'message', link: 'peer:b', data: output.data }, now, nodeVerify);
    return (at) =>
      [a, b].flatMap((node) => handleSync(node, { type: 'tick' }, at, nodeVerify)).flatMap((output) => (output.type === 'drop' ? [output.reason] : []));
  }

  it('a minute frozen: on the gate clock no link looks silent on resume; on the wall clock every one would', () => {
    let wall = 1_000;
    const gate = new FreezeGate(() => wall);
    const tickGate = linkedPair(gate.now());
    const tickWall = linkedPair(wall);
    wall = 1_500;
    gate.freeze();
    wall = 61_500;
    expect(tickGate(gate.now())).toEqual([]);
    gate.resume();
    expect(tickGate(gate.now())).toEqual([]);
    expect(tickWall(wall)).toEqual(['suspected', 'suspected']);
  });
});
