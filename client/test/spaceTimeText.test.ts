import { describe, expect, it } from 'vitest';
import { SERVER_END, type Arrow, type TraceRecord, type VvExchange } from '@peerlab/shared';
import { describeArrow, diagramName, eventLabel, exchangeLabel, recentEventIds, WIRE_TYPES } from '../src/lib/trace/spaceTimeText.ts';

const [A, B, S, ADMIN] = ['a', 'b', 's', 'd'].map((c) => c.repeat(64)) as [string, string, string, string];
const names = new Map([
  [A, 'Ada'],
  [B, 'Bob'],
]);
const nameOf = (key: string): string => diagramName(key, names, { serverKey: S, adminKey: ADMIN });

function arrow(id: number, t: Arrow['t'], extra: Partial<Arrow> = {}): Arrow {
  return { id, t, from: A, to: B, kind: 'direct', bytes: 120, awaitsReceive: false, ...extra };
}

function held(seq: number, eventIds: string[]): TraceRecord {
  return { seq, at: seq, dir: 'held', peer: A, remote: '', kind: 'local', t: 'held', bytes: 0, eventIds };
}

describe('the space-time diagram’s words', () => {
  it('has an arrowhead for every wire type, reports included', () => {
    expect(WIRE_TYPES).toEqual(['hello', 'vv', 'events', 'have', 'graft', 'prune', 'ack', 'peers', 'route', 'ping', 'report', 'rhave', 'rwant']);
  });

  it('names the server and the admin by their role, peers by the page’s map, others by their key', () => {
    expect(nameOf(SERVER_END)).toBe('server');
    expect(nameOf(S)).toBe('server');
    expect(nameOf(ADMIN)).toBe('room admin');
    expect(nameOf(B)).toBe('Bob');
    expect(nameOf('e'.repeat(64))).toBe('eeeeeeee');
  });

  it('labels events, arrows and exchanges with those names', () => {
    expect(eventLabel('123456789', { kind: 'chat', author: A, text: 'hello there' }, nameOf)).toBe('Ada · “hello there” · 123456');
    expect(eventLabel('123456789', { kind: 'mode', author: ADMIN }, nameOf)).toBe('room admin · mode · 123456');
    expect(eventLabel('123456789', undefined, nameOf)).toBe('12345678');
    expect(describeArrow(arrow(1, 'events', { eventIds: ['x', 'y'] }), nameOf)).toBe('events (2) from Ada to Bob, 120 bytes');
    expect(describeArrow(arrow(1, 'vv', { reply: true }), nameOf)).toBe('vv, asks for a reply from Ada to Bob, 120 bytes');
    expect(describeArrow(arrow(1, 'report', { to: SERVER_END }), nameOf)).toBe('report from Ada to server, 120 bytes');
    const exchange: VvExchange = { opening: arrow(4, 'vv', { reply: true }), shippedByReceiver: [arrow(5, 'events', { eventIds: ['x'] })], shippedByOpener: [arrow(6, 'events', { eventIds: ['y', 'z'] })] };
    expect(exchangeLabel(exchange, nameOf)).toBe('Ada ↔ Bob (vv) · 3 events shipped');
  });

  it('offers the newest distinct events first, at most as many as asked', () => {
    const records = [held(1, ['e1']), held(2, ['e2', 'e3']), held(3, ['e2']), held(4, ['e4'])];
    expect(recentEventIds(records, 10)).toEqual(['e4', 'e2', 'e3', 'e1']);
    expect(recentEventIds(records, 2)).toEqual(['e4', 'e2']);
    expect(recentEventIds([], 5)).toEqual([]);
  });
});
