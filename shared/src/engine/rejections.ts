/**
 * Every way an input can be refused, as data. Handlers return these instead of throwing:
 * a bad message from a peer is an expected event, counted by reason and shown to the class.
 * Exceptions are reserved for programmer errors (bad configuration, impossible states).
 */
export const REJECTION_REASONS = [
  'oversized', // the raw message or one event exceeds its byte limit
  'malformed', // not parseable JSON
  'schema', // parseable, but not a message of this protocol
  'unsupported_version', // protocol version this build cannot read
  'wrong_room', // an event signed for another room
  'bad_signature', // signature does not verify against the author key (an event's author, a gossiped report's origin)
  'equivocation', // a second, different event for an (author, seq) already held
  'not_admin', // a control event not signed by the room's admin key
  'not_authority', // a stamp or admission not signed by the room's server key
  'not_admitted', // hybrid: data from a key the server never admitted to the room
  'bad_epoch', // a mode event whose epoch does not follow the admin's sequence
  'wrong_mode', // a data event on a link the room's current mode does not route data over
  'overdraft', // a transfer that would spend more than the account holds
  'rate_limited', // the sender exceeded its message budget (or found the reports awaiting verification full)
] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Whose fault a rejection is: a remote peer sent bad data, or this node misused the API. */
export type Fault = 'remote' | 'local';

export interface Rejection {
  readonly ok: false;
  readonly reason: RejectionReason;
  readonly detail: string;
  readonly fault: Fault;
}

export type Result<T> = { readonly ok: true; readonly value: T } | Rejection;

export function reject(reason: RejectionReason, detail: string, fault: Fault = 'remote'): Rejection {
  return { ok: false, reason, detail, fault };
}

export function accept<T>(value: T): Result<T> {
  return { ok: true, value };
}

export type RejectionCounts = Record<RejectionReason, number>;

export function emptyRejectionCounts(): RejectionCounts {
  const counts = {} as RejectionCounts;
  for (const reason of REJECTION_REASONS) counts[reason] = 0;
  return counts;
}

export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
