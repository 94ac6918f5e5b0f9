/**
 * What an incoming event goes through before it enters the store: its id (cheap for the common duplicate),
 * the checks that need no signature (room, who may sign control, stamps and certificates, admission), and
 * the wait for its signature check, which is asked for once, on first receipt (a `verify` output answered
 * by a `verified` input). Pure: the node emits the requests and admits the verified events.
 */
import { eventId, isControlKind, sameContent, signingBytes, type Mode, type SignedEvent } from './event.ts';
import { checkAdminControl } from './controlState.ts';
import { requiresAdmission } from './mode.ts';
import { reject, type Rejection } from './rejections.ts';
import type { EventStore } from './store.ts';
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

  has(id: string): boolean {
    return this.#pending.has(id);
  }

  /** Holds the event until its answer; returns the request to emit. */
  add(id: string, event: SignedEvent, link: string): VerifyRequest {
    this.#pending.set(id, { event, link });
    return { id, publicKey: event.author, message: signingBytes(event), signature: event.sig };
  }

  /** Removes and returns the event a verify result is about; undefined for a report's id or a stale answer. */
  take(id: string): { readonly event: SignedEvent; readonly link: string } | undefined {
    const pending = this.#pending.get(id);
    if (pending) this.#pending.delete(id);
    return pending;
  }
}
