/**
 * The attacker panel's crafted messages: what a misbehaving peer can put on a link below the normal write
 * API, each one a lesson in which check stops it. Pure: keys and held events come in, events and wire
 * text go out; the caller sends them over its real links. Every crafted event passes the one decoder
 * (it is well-formed), so what refuses it is the engine's own check, and that check's reason is counted:
 * - forge: an event naming another member as author, signed with this key -> `bad_signature`;
 * - tamper: a held event with its body changed under the original signature -> `bad_signature`;
 * - replay: an exact copy of a held event -> deduplicated (nothing to refuse: it changes nothing); an old
 *   admin control event moved to the top of the admin's log -> `bad_epoch` (its signed epoch pins it);
 *   an event this key signed for another room -> `wrong_room`;
 * - equivocate: two different events signed with this key for the same sequence number -> `equivocation`,
 *   and every peer keeps both as proof;
 * - flood: many small messages -> `rate_limited` on the receiving link, then the link dropped.
 */
import { encodeMessage, type WireMessage } from '../engine/messages.ts';
import { eventClass, PROTOCOL_VERSION, signingBytes, type SignedEvent, type UnsignedEvent } from '../engine/event.ts';
import { toHex } from '../engine/encoding.ts';
import type { Signer } from '../ports/ports.ts';

/** Marks a crafted chat text, so a test (or a student) can tell it is never displayed. */
export const FORGED_MARK = 'FORGED';
export const TAMPERED_MARK = 'TAMPERED';

export function signEvent(unsigned: UnsignedEvent, signer: Signer): SignedEvent {
  return { ...unsigned, sig: toHex(signer.sign(signingBytes(unsigned))) };
}

/** The wire text of an `events` message carrying `events`. */
export function eventsMessage(events: readonly SignedEvent[]): string {
  return encodeMessage({ t: 'events', events });
}

/** What the attacker knows of the room, to make its events look like the next ones. */
export interface Position {
  readonly room: string;
  /** Next Lamport time (one over the largest held). */
  readonly lamport: number;
}

/** An event in `victim`'s name (its key as author, its next seq), signed with the attacker's own key. */
export function forge(at: Position, victim: string, victimNextSeq: number, text: string, signer: Signer): SignedEvent {
  const unsigned: UnsignedEvent = { v: PROTOCOL_VERSION, room: at.room, author: victim, seq: victimNextSeq, lamport: at.lamport, kind: 'chat', body: { text: `${FORGED_MARK}: ${text}`.slice(0, 2000), name: 'forged' } };
  return signEvent(unsigned, signer);
}

/** The event with its body changed and its signature kept; undefined for kinds this cannot alter plausibly. */
export function tamper(event: SignedEvent): SignedEvent | undefined {
  const body = event.body as Record<string, unknown>;
  switch (event.kind) {
    case 'chat':
      return { ...event, body: { ...body, text: `${TAMPERED_MARK}: ${String(body['text'])}`.slice(0, 2000) } };
    case 'transfer':
      return { ...event, body: { ...body, amount: Number(body['amount']) + 1 } };
    default:
      return undefined;
  }
}

/** A held event to tamper with: the newest chat or transfer by someone else (or by anyone, failing that). */
export function pickTamperTarget(events: Iterable<SignedEvent>, self: string): SignedEvent | undefined {
  let best: SignedEvent | undefined;
  for (const event of events) {
    if (tamper(event) === undefined) continue;
    const better = best === undefined || (best.author === self && event.author !== self) || ((best.author === self) === (event.author === self) && event.lamport > best.lamport);
    if (better) best = event;
  }
  return best;
}

/** The admin's oldest control event (an early mode switch): the obvious thing to replay. */
export function pickReplayTarget(events: Iterable<SignedEvent>, admin: string | undefined): SignedEvent | undefined {
  let best: SignedEvent | undefined;
  for (const event of events) {
    if (event.author !== admin || eventClass(event.kind) !== 'control' || (event.body as { epoch?: unknown }).epoch === undefined) continue;
    if (best === undefined || event.seq < best.seq) best = event;
  }
  return best;
}

/**
 * An old admin control event presented as the admin's newest (its seq moved past `adminHighestSeq`), as
 * if to switch the room back: its signed epoch no longer matches its place in the log.
 */
export function asNewest(event: SignedEvent, adminHighestSeq: number): SignedEvent {
  return { ...event, seq: adminHighestSeq + 1 };
}

/** A chat event this key signs for another room: valid there, replayed here. */
export function signedForRoom(otherRoom: string, at: Position, seq: number, text: string, signer: Signer): SignedEvent {
  return signEvent({ v: PROTOCOL_VERSION, room: otherRoom, author: signer.publicKey, seq, lamport: at.lamport, kind: 'chat', body: { text, name: 'replayed' } }, signer);
}

/** Two different chat events this key signs for the same sequence number. */
export function equivocation(at: Position, seq: number, texts: readonly [string, string], signer: Signer, name: string): [SignedEvent, SignedEvent] {
  const make = (text: string) => signEvent({ v: PROTOCOL_VERSION, room: at.room, author: signer.publicKey, seq, lamport: at.lamport, kind: 'chat', body: { text, name } }, signer);
  return [make(texts[0]), make(texts[1])];
}

/** The smallest message a link carries: a flood of these costs the receiver the most per byte. */
export const FLOOD_MESSAGE: string = encodeMessage({ t: 'ping' } satisfies WireMessage);

/** Splits link ids into two halves, alternately, for sending each half one side of an equivocation. */
export function halves<T>(items: readonly T[]): [T[], T[]] {
  return [items.filter((_, i) => i % 2 === 0), items.filter((_, i) => i % 2 === 1)];
}
