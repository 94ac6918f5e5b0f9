/**
 * Arbitrary room histories for the store's and the views' property tests: chat, pixels (with `over`
 * links), transfers, the server's stamps (and a forged one), a kind no version knows, and equivocations
 * (a second event for a held slot, sometimes of another kind). Signatures are stand-ins: the store and
 * the views read events that were verified before they entered.
 */
import fc from 'fast-check';
import { eventId, PIXEL_COLORS, type SignedEvent, type StoredEvent } from '../src/index.ts';
import { keyPairFor } from './helpers.ts';

export const AUTHORS = ['ada', 'bob', 'cy'].map((label) => keyPairFor(label).publicKey);
export const SERVER = keyPairFor('server').publicKey;
const ACCOUNTS = ['fund', 'alice', 'bob'];

type Spec =
  | { readonly kind: 'chat'; readonly author: number; readonly lamport: number; readonly text: string }
  | { readonly kind: 'pixel'; readonly author: number; readonly lamport: number; readonly x: number; readonly color: number; readonly over: number | undefined }
  | { readonly kind: 'transfer'; readonly author: number; readonly lamport: number; readonly from: number; readonly to: number; readonly amount: number }
  | { readonly kind: 'stamp'; readonly forged: boolean; readonly lamport: number; readonly transfer: number; readonly ok: boolean }
  | { readonly kind: 'note'; readonly author: number; readonly lamport: number };

const author = fc.integer({ min: 0, max: AUTHORS.length - 1 });
const lamport = fc.integer({ min: 1, max: 8 });
const spec: fc.Arbitrary<Spec> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('chat' as const), author, lamport, text: fc.constantFrom('hi', 'yo', 'ok') }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('pixel' as const), author, lamport, x: fc.integer({ min: 0, max: 2 }), color: fc.nat({ max: 7 }), over: fc.option(fc.nat({ max: 40 }), { nil: undefined }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('transfer' as const), author, lamport, from: fc.nat({ max: 2 }), to: fc.nat({ max: 2 }), amount: fc.integer({ min: 1, max: 70 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('stamp' as const), forged: fc.nat({ max: 5 }).map((n) => n === 0), lamport, transfer: fc.nat({ max: 40 }), ok: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('note' as const), author, lamport }), weight: 1 },
);

function make(author: string, seq: number, lamport: number, kind: string, body: unknown): SignedEvent {
  return { v: 1, room: 'lab', author, seq, lamport, kind, body, sig: '0'.repeat(128) };
}

/** Builds the events of `specs`, then equivocating twins for the slots `twins` picks. */
function build(specs: readonly Spec[], twins: readonly number[]): SignedEvent[] {
  const seqs = new Map<string, number>();
  const next = (key: string) => {
    const seq = (seqs.get(key) ?? 0) + 1;
    seqs.set(key, seq);
    return seq;
  };
  const events: SignedEvent[] = [];
  const pixels: string[] = [];
  const transfers: string[] = [];
  for (const s of specs) {
    if (s.kind === 'stamp') {
      const key = s.forged ? AUTHORS[0]! : SERVER;
      const transfer = transfers.length > 0 && s.transfer % 5 !== 0 ? transfers[s.transfer % transfers.length]! : 'f'.repeat(32);
      events.push(make(key, next(key), s.lamport, 'stamp', { transfer, ok: s.ok, ...(s.ok ? {} : { reason: 'overdraft' }) }));
      continue;
    }
    const key = AUTHORS[s.author]!;
    const seq = next(key);
    if (s.kind === 'chat') events.push(make(key, seq, s.lamport, 'chat', { text: s.text, name: 'n' }));
    else if (s.kind === 'note') events.push(make(key, seq, s.lamport, 'note', { any: seq }));
    else if (s.kind === 'pixel') {
      const over = s.over !== undefined && pixels.length > 0 ? pixels[s.over % pixels.length] : undefined;
      const event = make(key, seq, s.lamport, 'pixel', { x: s.x, y: 0, color: PIXEL_COLORS[s.color]!, ...(over ? { over } : {}) });
      pixels.push(eventId(event));
      events.push(event);
    } else {
      const event = make(key, seq, s.lamport, 'transfer', { from: ACCOUNTS[s.from]!, to: ACCOUNTS[s.to]!, amount: s.amount });
      transfers.push(eventId(event));
      events.push(event);
    }
  }
  const originals = [...events];
  for (const pick of twins) {
    if (originals.length === 0) break;
    const original = originals[pick % originals.length]!;
    // Same slot, different content: another body, and now and then another kind altogether.
    const twin =
      pick % 3 === 0
        ? make(original.author, original.seq, original.lamport + 1, 'chat', { text: 'twin', name: 't' })
        : pick % 3 === 1
          ? make(original.author, original.seq, original.lamport, 'pixel', { x: pick % 3, y: 0, color: PIXEL_COLORS[pick % 8]! })
          : { ...original, body: { ...(original.body as object), twin: pick } };
    events.push(twin);
  }
  return events;
}

/** A history: its events, each at most once, in the order they were made. */
export const histories: fc.Arbitrary<SignedEvent[]> = fc
  .tuple(fc.array(spec, { maxLength: 45 }), fc.array(fc.nat(), { maxLength: 4 }))
  .map(([specs, twins]) => build(specs, twins));

/** A history and an order in which its events (some twice) arrive. */
export const arrivals: fc.Arbitrary<{ events: SignedEvent[]; arrived: SignedEvent[] }> = histories.chain((events) =>
  fc
    .tuple(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), fc.array(fc.nat(), { maxLength: 3 }))
    .map(([arrived, again]) => ({ events, arrived: events.length === 0 ? arrived : [...arrived, ...again.map((i) => arrived[i % arrived.length]!)] })),
);

export function stored(event: SignedEvent): StoredEvent {
  return { id: eventId(event), event, size: 0 };
}

/** The canonical event of each slot from scratch: of all events held for it, the lowest id. */
export function canonical(events: readonly SignedEvent[]): StoredEvent[] {
  const bySlot = new Map<string, StoredEvent>();
  for (const event of events) {
    const one = stored(event);
    const slot = `${event.author}#${event.seq}`;
    const held = bySlot.get(slot);
    if (!held || one.id < held.id) bySlot.set(slot, one);
  }
  return [...bySlot.values()];
}
