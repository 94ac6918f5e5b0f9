import { describe, expect, it } from 'vitest';
import { adminControlEvent, checkAdminControl, ControlState, partitionedBetween } from '../src/engine/controlState.ts';
import type { SignedEvent } from '../src/engine/event.ts';
import type { StoredEvent } from '../src/engine/store.ts';

const ADMIN = 'a'.repeat(64);

/** A stored admin event with just what ControlState reads. */
function stored(kind: string, seq: number, body: unknown, id = `${kind}-${seq}`): StoredEvent {
  const event: SignedEvent = { v: 1, room: 'lab', author: ADMIN, seq, lamport: seq, kind, body, sig: '' };
  return { id, event, size: 0 };
}

function newest(events: readonly StoredEvent[]): (kind: string) => StoredEvent | undefined {
  return (kind) => events.filter((e) => e.event.kind === kind).at(-1);
}

describe('ControlState', () => {
  it('starts in the initial mode, serving, unpartitioned, with no faults or churn, and reports nothing without events', () => {
    const state = new ControlState();
    expect([state.mode, state.epoch, state.serviceRunning, state.partition, state.faults, state.churn]).toEqual(['p2p', 0, true, null, [], null]);
    expect(state.refresh(() => undefined)).toEqual([]);
  });

  it('reports each change once, in the order mode, service, partition, faults, churn', () => {
    const state = new ControlState();
    const rule = { a: '*', b: '*', drop: 10, delayMs: 0, jitterMs: 0, duplicate: 0, reorder: 0 };
    const events = [
      stored('churn', 1, { on: true, periodMs: 1000, downMs: 500, exempt: [], epoch: 1 }, 'churn-id'),
      stored('faults', 2, { rules: [rule], epoch: 2 }),
      stored('partition', 3, { groups: [['x'], ['y']], epoch: 3 }),
      stored('service', 4, { running: false, epoch: 4 }),
      stored('mode', 5, { mode: 'hybrid', epoch: 5 }),
    ];
    expect(state.refresh(newest(events)).map((change) => change.type)).toEqual(['mode', 'service', 'partition', 'faults', 'churn']);
    expect(state.churn).toEqual({ id: 'churn-id', periodMs: 1000, downMs: 500, exempt: [] });
    expect(state.refresh(newest(events))).toEqual([]);
  });

  it('never moves the mode back to a lower epoch', () => {
    const state = new ControlState();
    state.refresh(newest([stored('mode', 7, { mode: 'client-server', epoch: 7 })]));
    expect(state.refresh(newest([stored('mode', 3, { mode: 'hybrid', epoch: 3 })]))).toEqual([]);
    expect([state.mode, state.epoch]).toEqual(['client-server', 7]);
  });

  it('an event switching churn off stops the plan', () => {
    const state = new ControlState();
    state.refresh(newest([stored('churn', 1, { on: true, periodMs: 1, downMs: 1, exempt: [], epoch: 1 })]));
    expect(state.refresh(newest([stored('churn', 2, { on: false, periodMs: 1, downMs: 1, exempt: [], epoch: 2 })]))).toEqual([{ type: 'churn', plan: null }]);
  });
});

describe('admin control helpers', () => {
  it('an admin input becomes its control event, at the given epoch', () => {
    const admin = { publicKey: ADMIN, sign: () => new Uint8Array() };
    expect(adminControlEvent({ type: 'switchMode', mode: 'hybrid', admin }, 4)).toEqual({ kind: 'mode', body: { mode: 'hybrid', epoch: 4 } });
    expect(adminControlEvent({ type: 'setService', running: false, admin }, 2)).toEqual({ kind: 'service', body: { running: false, epoch: 2 } });
    expect(adminControlEvent({ type: 'setChurn', on: true, periodMs: 5, downMs: 3, exempt: ['k'], admin }, 1)).toEqual({ kind: 'churn', body: { on: true, periodMs: 5, downMs: 3, exempt: ['k'], epoch: 1 } });
  });

  it('control events must come from the admin with their epoch at their seq; other kinds pass', () => {
    const event = (author: string, epoch: number): SignedEvent => ({ v: 1, room: 'lab', author, seq: 3, lamport: 1, kind: 'mode', body: { mode: 'p2p', epoch }, sig: '' });
    expect(checkAdminControl(event(ADMIN, 3), ADMIN)).toBeUndefined();
    expect(checkAdminControl(event(ADMIN, 3), undefined)?.reason).toBe('not_admin');
    expect(checkAdminControl(event('b'.repeat(64), 3), ADMIN)?.reason).toBe('not_admin');
    expect(checkAdminControl(event(ADMIN, 2), ADMIN)?.reason).toBe('bad_epoch');
    expect(checkAdminControl({ ...event('b'.repeat(64), 0), kind: 'chat' }, ADMIN)).toBeUndefined();
  });

  it('a partition puts members named in no group into the first', () => {
    expect(partitionedBetween(null, 'x', 'y')).toBe(false);
    expect(partitionedBetween([['x'], ['y']], 'x', 'y')).toBe(true);
    expect(partitionedBetween([['x'], ['y']], 'x', 'unnamed')).toBe(false);
    expect(partitionedBetween([['x'], ['y']], 'y', 'unnamed')).toBe(true);
  });
});

describe('ControlState policy', () => {
  it('follows the mode\'s carriage, cut down while the service is stopped; the server orders only in a strict mode while serving', () => {
    const state = new ControlState();
    expect([state.carriage('direct'), state.serverOrders]).toEqual(['all', false]);
    state.refresh(newest([stored('mode', 1, { mode: 'client-server', epoch: 1 })]));
    expect([state.carriage('server'), state.carriage('direct'), state.serverOrders]).toEqual(['all', 'none', true]);
    state.refresh(newest([stored('mode', 1, { mode: 'client-server', epoch: 1 }), stored('service', 2, { running: false, epoch: 2 })]));
    expect(state.serverOrders).toBe(false);
  });
});
