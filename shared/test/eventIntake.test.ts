import { describe, expect, it } from 'vitest';
import { checkBeforeSignature, incomingId, lacksBeyondPending, PendingEvents, type RoomContext } from '../src/engine/eventIntake.ts';
import { eventId, type SignedEvent } from '../src/engine/event.ts';
import { EventStore } from '../src/engine/store.ts';

const event = (over: Partial<SignedEvent> = {}): SignedEvent => ({ v: 1, room: 'lab', author: 'a'.repeat(64), seq: 1, lamport: 1, kind: 'chat', body: { text: 'hi', name: 'a' }, sig: 'ab', ...over });
const ROOM: RoomContext = { room: 'lab', admin: 'd'.repeat(64), server: 's'.repeat(64), mode: 'p2p', isAdmitted: () => false };

describe('event intake', () => {
  it('knows a held event again without hashing it, and hashes a tampered copy', () => {
    const store = new EventStore();
    const held = event();
    store.add(held, eventId(held));
    expect(incomingId(store, { ...held })).toBe(eventId(held));
    const tampered = event({ body: { text: 'changed', name: 'a' } });
    expect(incomingId(store, tampered)).toBe(eventId(tampered));
    expect(incomingId(store, tampered)).not.toBe(eventId(held));
  });

  it('refuses before any signature work: another room, stamps not by the server, data from the unadmitted in hybrid', () => {
    expect(checkBeforeSignature(event(), ROOM)).toBeUndefined();
    expect(checkBeforeSignature(event({ room: 'other' }), ROOM)?.reason).toBe('wrong_room');
    expect(checkBeforeSignature(event({ kind: 'stamp' }), ROOM)?.reason).toBe('not_authority');
    expect(checkBeforeSignature(event({ kind: 'mode', body: { mode: 'p2p', epoch: 1 } }), ROOM)?.reason).toBe('not_admin');
    expect(checkBeforeSignature(event(), { ...ROOM, mode: 'hybrid' })?.reason).toBe('not_admitted');
    expect(checkBeforeSignature(event(), { ...ROOM, mode: 'hybrid', isAdmitted: () => true })).toBeUndefined();
    // What the authority sends is in its log: no admission check there (the certificate may still be verifying).
    expect(checkBeforeSignature(event(), { ...ROOM, mode: 'hybrid' }, true)).toBeUndefined();
    expect(checkBeforeSignature(event({ room: 'other' }), ROOM, true)?.reason).toBe('wrong_room');
  });

  it('holds an event until its answer, once', () => {
    const pending = new PendingEvents();
    const request = pending.add('id', event(), 'link');
    expect(request).toMatchObject({ id: 'id', publicKey: 'a'.repeat(64), signature: 'ab' });
    expect(pending.has('id')).toBe(true);
    expect(pending.take('id')?.link).toBe('link');
    expect(pending.take('id')).toBeUndefined();
  });

  it('tells whether a summary names an event neither held nor awaiting its check', () => {
    const store = new EventStore();
    const pending = new PendingEvents();
    const author = 'a'.repeat(64);
    const all = () => true;
    for (const seq of [1, 2]) store.add(event({ seq }), eventId(event({ seq })));
    pending.add('p3', event({ seq: 3 }), 'x');
    store.add(event({ seq: 4 }), eventId(event({ seq: 4 }))); // held out of order
    pending.add('p5', event({ seq: 5 }), 'x');
    expect(lacksBeyondPending({ [author]: 5 }, store, pending, all)).toBe(false);
    expect(lacksBeyondPending({ [author]: 6 }, store, pending, all)).toBe(true);
    expect(lacksBeyondPending({ [author]: 6 }, store, pending, () => false)).toBe(false);
    expect(lacksBeyondPending({ ['b'.repeat(64)]: 1 }, store, pending, all)).toBe(true);
    pending.take('p3');
    expect(pending.holds(author, 3)).toBe(false);
    expect(lacksBeyondPending({ [author]: 3 }, store, pending, all)).toBe(true);
  });
});
