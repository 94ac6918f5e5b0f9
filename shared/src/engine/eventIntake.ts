/**
 * What an incoming event goes through before it enters the store: its id (cheap for the common duplicate),
 * the checks that need no signature (room, who may sign control, stamps and certificates, admission), and
 * the wait for its signature check, which is asked for once, on first receipt (a `verify` output answered
 * by a `verified` input). Pure: the node emits the requests and admits the verified events.
 */
import { eventId, isControlKind, sameContent, signedBytesOf, type Mode, type SignedEvent } from './event.ts';
import { checkAdminControl } from './controlState.ts';
import { requiresAdmission } from './mode.ts';
import { reject, type Rejection } from './rejections.ts';
import type { EventStore } from './store.ts';
import type { VersionVector } from './messages.ts';
import type { VerifyRequest } from '../ports/ports.ts';

/**
 * The id of an incoming event. The common duplicate (the same event again) is known by its slot,
 * signature and content: no hash needed. A held signature over changed content is a tampered copy:
 * hashed, so it is verified and refused as what it is.
 */
export function incomingId(store: EventStore, event: SignedEvent): string {
  const held = store.canonicalAt(event.author, event.seq);
  return held !== undefined && held.event.sig === event.sig && sameContent(held.event, event) ? held.id : eventId(event);
}

/** Fields of a signed event: a raw object with any other is not the same event, whatever it shares. */
const EVENT_FIELDS = 8;

/**
 * The id of a raw (not yet validated) event when it is exactly one this node holds or is verifying:
 * the same slot, signature and content, and nothing more. Anything else — a new event, a tampered or
 * malformed copy — is left to the decoder and the signature check, which refuse it as what it is.
 */
export function heldId(raw: unknown, store: EventStore, pending: PendingEvents): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { author, seq, sig } = raw as { author?: unknown; seq?: unknown; sig?: unknown };
  if (typeof author !== 'string' || typeof seq !== 'number' || typeof sig !== 'string') return undefined;
  const known = store.canonicalAt(author, seq) ?? pending.at(author, seq);
  if (known === undefined || known.event.sig !== sig || Object.keys(raw).length !== EVENT_FIELDS) return undefined;
  return sameContent(known.event, raw as SignedEvent) ? known.id : undefined;
}

/** What the checks before the signature need to know of the room. */
export interface RoomContext {
  readonly room: string;
  readonly admin: string | undefined;
  readonly server: string | undefined;
  readonly mode: Mode;
  readonly isAdmitted: (key: string) => boolean;
}

/**
 * Checks that need no signature, so a forged or misplaced event costs no verification. `fromAuthority`:
 * it came over this peer's link to the room's server, which admitted it to the room's log: no admission
 * check (the certificate may still be under verification here), as the route check skips it too.
 */
export function checkBeforeSignature(event: SignedEvent, room: RoomContext, fromAuthority = false): Rejection | undefined {
  if (event.room !== room.room) return reject('wrong_room', `event for room ${event.room}`);
  const control = checkAdminControl(event, room.admin);
  if (control) return control;
  if ((event.kind === 'stamp' || event.kind === 'admit') && (room.server === undefined || event.author !== room.server)) {
    return reject('not_authority', `${event.kind} not signed by the room server`);
  }
  if (!fromAuthority && requiresAdmission(room.mode) && !isControlKind(event.kind) && !room.isAdmitted(event.author)) {
    return reject('not_admitted', `${event.kind} from ${event.author.slice(0, 8)}, who holds no membership certificate`);
  }
  return undefined;
}

/** Events awaiting their signature check, by id, with the link each came on (blamed if it is bad). */
export class PendingEvents {
  readonly #pending = new Map<string, { readonly event: SignedEvent; readonly link: string }>();
  /** `author:seq` -> id of the first pending event of that slot. */
  readonly #slots = new Map<string, string>();

  has(id: string): boolean {
    return this.#pending.has(id);
  }

  /** The first event pending for a slot, with its id. */
  at(author: string, seq: number): { readonly id: string; readonly event: SignedEvent } | undefined {
    const id = this.#slots.get(`${author}:${seq}`);
    const pending = id === undefined ? undefined : this.#pending.get(id);
    return pending === undefined ? undefined : { id: id!, event: pending.event };
  }

  /** Whether an event of `author` numbered `seq` awaits its check. */
  holds(author: string, seq: number): boolean {
    return this.#slots.has(`${author}:${seq}`);
  }

  /** Holds the event until its answer; returns the request to emit. */
  add(id: string, event: SignedEvent, link: string): VerifyRequest {
    this.#pending.set(id, { event, link });
    const slot = `${event.author}:${event.seq}`;
    if (!this.#slots.has(slot)) this.#slots.set(slot, id);
    return { id, publicKey: event.author, message: signedBytesOf(event), signature: event.sig };
  }

  /** Removes and returns the event a verify result is about; undefined for a report's id or a stale answer. */
  take(id: string): { readonly event: SignedEvent; readonly link: string } | undefined {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    const slot = `${pending.event.author}:${pending.event.seq}`;
    if (this.#slots.get(slot) === id) this.#slots.delete(slot);
    return pending;
  }
}

/**
 * Whether a remote's summary names an event this node neither holds nor has awaiting its check. Over an
 * ordered link, what the remote sent before its summary is one or the other by the time the summary is
 * read, so only this says the remote holds something it still has to send.
 */
export function lacksBeyondPending(theirs: VersionVector, store: EventStore, pending: PendingEvents, include: (author: string) => boolean): boolean {
  const mine = store.versionVector(include);
  for (const [author, seq] of Object.entries(theirs)) {
    if (!include(author)) continue;
    let upTo = mine[author] ?? 0;
    // Each step finds an event held or pending, so this ends within what this node has of the author.
    while (upTo < seq && (pending.holds(author, upTo + 1) || store.canonicalAt(author, upTo + 1) !== undefined)) upTo++;
    if (upTo < seq) return true;
  }
  return false;
}
