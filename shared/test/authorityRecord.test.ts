import { describe, expect, it } from 'vitest';
import { acksBySource, AuthorityRecord } from '../src/engine/authority.ts';
import type { SignedEvent } from '../src/engine/event.ts';
import { EventStore, type StoredEvent } from '../src/engine/store.ts';

const SERVER = 's'.repeat(64);

function stored(id: string, author: string, seq: number, lamport: number, kind: string, body: unknown): StoredEvent {
  const event: SignedEvent = { v: 1, room: 'lab', author, seq, lamport, kind, body, sig: '' };
  return { id, event, size: 0 };
}

const transfer = (id: string, author: string, seq: number, lamport: number, amount: number) => stored(id, author, seq, lamport, 'transfer', { from: 'alice', to: 'bob', amount });

describe('AuthorityRecord', () => {
  it('assigns consecutive positions once, and continues after restored ones', () => {
    const record = new AuthorityRecord();
    record.restoreAckPosition('old', 7);
    expect([record.assignAckPosition('a'), record.assignAckPosition('b'), record.assignAckPosition('a')]).toEqual([8, 9, 8]);
    record.learnAckPosition('c', 3);
    expect(record.ackPositionOf('c')).toBe(3);
    expect(record.ackPositionOf('unknown')).toBeUndefined();
  });

  it('judges each transfer once, in the order asked, refusing an overdraft', () => {
    const record = new AuthorityRecord();
    const first = transfer('t1', 'p', 1, 1, 80);
    const second = transfer('t2', 'q', 1, 2, 80);
    expect(record.judge(first)).toEqual({ transfer: 't1', ok: true });
    expect(record.judge(second)).toMatchObject({ transfer: 't2', ok: false });
    expect(record.judge(first)).toBeUndefined();
    expect(record.isStamped('t2')).toBe(true);
  });

  it("stamps the backlog in the store's merge order (Lamport time, then author, then seq); skips stamped transfers", () => {
    const record = new AuthorityRecord();
    const store = new EventStore();
    for (const { event, id } of [transfer('x', 'b', 1, 2, 1), transfer('y', 'a', 2, 2, 1), transfer('z', 'a', 1, 1, 1), stored('c', 'a', 3, 0, 'chat', {})]) store.add(event, id);
    const transfers = store.inOrder('transfer');
    expect(record.backlog(transfers).map((e) => e.id)).toEqual(['z', 'y', 'x']);
    record.note([stored('s1', SERVER, 1, 3, 'stamp', { transfer: 'y', ok: true })], SERVER);
    expect(record.backlog(transfers).map((e) => e.id)).toEqual(['z', 'x']);
    expect(record.unstampedOwn(transfers, 'a').map((e) => e.id)).toEqual(['z']);
  });

  it('notes only what the server signed', () => {
    const record = new AuthorityRecord();
    record.note([stored('f', 'forger', 1, 1, 'admit', { peer: 'p' })], SERVER);
    expect(record.isAdmitted('p')).toBe(false);
    record.note([stored('g', SERVER, 1, 1, 'admit', { peer: 'p' })], SERVER);
    expect(record.isAdmitted('p')).toBe(true);
  });
});

describe('acksBySource', () => {
  it('groups acks by the link each event came from, links in first-seen order, own writes left out', () => {
    const added = [transfer('a', 'p', 1, 1, 1), transfer('b', 'q', 1, 1, 1), transfer('c', 'p', 2, 2, 1), transfer('own', 's', 1, 1, 1)];
    const sources = new Map([['a', 'L2'], ['b', 'L1'], ['c', 'L2']]);
    expect([...acksBySource(added, [5, 6, 7, 8], sources)]).toEqual([
      ['L2', [{ author: 'p', seq: 1, order: 5 }, { author: 'p', seq: 2, order: 7 }]],
      ['L1', [{ author: 'q', seq: 1, order: 6 }]],
    ]);
  });
});
