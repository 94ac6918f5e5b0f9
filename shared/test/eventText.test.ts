/** Each incoming event is serialised once: the seam (eventText) must give exactly what the old paths did. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, decodeEvent, decodeMessage, eventId, eventText, shortHash, signedBytesOf, signingBytes, utf8, type SignedEvent } from '../src/index.ts';
import { Outbox } from '../src/engine/outbox.ts';
import type { StoredEvent } from '../src/engine/store.ts';
import { histories } from './histories.ts';

const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

/** Bodies with nested objects, keys out of order and keys that look like the event's own (`sig`, `v`). */
const bodies = fc.oneof(
  fc.jsonValue(),
  fc.record({ z: fc.string(), sig: hex(128), v: fc.integer(), a: fc.array(fc.string()) }),
);
const events = fc.record({
  v: fc.integer({ min: 1, max: 3 }),
  room: fc.string({ minLength: 1, maxLength: 12 }),
  author: hex(64),
  seq: fc.integer({ min: 1, max: 2 ** 31 }),
  lamport: fc.integer({ min: 0, max: 2 ** 48 }),
  kind: fc.constantFrom('chat', 'note', 'pixel'),
  body: bodies,
  sig: hex(128),
}) as fc.Arbitrary<SignedEvent>;

describe('the canonical text of an event, built once', () => {
  it('is the canonical JSON, so ids and sizes are what they were', () => {
    fc.assert(
      fc.property(events, (event) => {
        expect(eventText(event)).toBe(canonicalJson(event));
        expect(eventId(event)).toBe(shortHash(utf8(canonicalJson(event))));
      }),
      { seed: 21, numRuns: 500 },
    );
  });

  it('is kept with the event without showing in it: not copied, serialised or compared, and a changed copy has its own', () => {
    const event: SignedEvent = { v: 1, room: 'r', author: 'a'.repeat(64), seq: 1, lamport: 1, kind: 'chat', body: { text: 'hi', name: 'x' }, sig: 'b'.repeat(128) };
    const before = JSON.stringify(event);
    const text = eventText(event);
    expect(eventText(event)).toBe(text);
    expect(Object.keys(event)).toHaveLength(8);
    expect(JSON.stringify(event)).toBe(before);
    expect(structuredClone(event)).toEqual(event);
    const tampered = { ...event, body: { text: 'tampered', name: 'x' } };
    expect(eventText(tampered)).toBe(canonicalJson(tampered));
    expect(eventText(tampered)).not.toBe(text);
    expect(eventText(Object.freeze({ ...event }))).toBe(text); // a frozen event is serialised each time, alike
  });

  it('gives the signed bytes (without the signature), byte for byte those of signingBytes', () => {
    fc.assert(
      fc.property(events, (event) => {
        expect(signedBytesOf(event)).toEqual(signingBytes(event));
      }),
      { seed: 22, numRuns: 500 },
    );
    // Not an event's eight fields: the generic paths, still equal.
    const extra = { v: 1, room: 'lab', author: 'a'.repeat(64), seq: 1, lamport: 1, kind: 'chat', body: { text: 'x' }, sig: 'b'.repeat(128), more: 1 } as SignedEvent;
    expect(eventText(extra)).toBe(canonicalJson(extra));
    expect(signedBytesOf(extra)).toEqual(signingBytes(extra));
  });

  it('is kept from the decoder to the batches: a batch is the events’ texts, and decodes to the same events', () => {
    fc.assert(
      fc.property(histories, (history) => {
        const outbox = new Outbox(256 * 1024, () => false);
        const stored: StoredEvent[] = history.map((event) => ({ id: eventId(event), event, size: eventText(event).length }));
        outbox.events('peer:x', stored);
        const sends = outbox.flush(() => {});
        if (history.length === 0) return;
        const data = sends.map((send) => (send.type === 'send' ? send.data : ''));
        expect(data.join('')).toContain(eventText(history[0]!));
        for (const text of data) {
          const parsed = JSON.parse(text) as { t: string; events: SignedEvent[] };
          expect(text).toBe(JSON.stringify({ t: 'events', events: parsed.events.map((event) => JSON.parse(canonicalJson(event))) }));
        }
        const shipped = data.flatMap((text) => (JSON.parse(text) as { events: SignedEvent[] }).events);
        expect(shipped.map((event) => eventId(event))).toEqual([...new Set(stored.map((one) => one.id))]);
      }),
      { seed: 23, numRuns: 100 },
    );
  });

  it('a decoded event carries its text: its id and size need no second serialisation', () => {
    const event = { v: 1, room: 'lab', author: 'a'.repeat(64), seq: 1, lamport: 1, kind: 'chat', body: { text: 'hi', name: 'a' }, sig: 'b'.repeat(128) };
    const decoded = decodeMessage(JSON.stringify({ t: 'events', events: [event] }));
    if (!decoded.ok || decoded.value.message.t !== 'events') throw new Error('did not decode');
    const [one] = decoded.value.message.events;
    expect(eventText(one!)).toBe(canonicalJson(event));
    const direct = decodeEvent(event);
    expect(direct.ok && eventId(direct.value)).toBe(eventId(event));
  });
});
