/**
 * Every reason the server gives for refusing what a socket sent (the `refused` event, a join's answer) and
 * counts in `/metrics` (`peerlab_rejections_total{reason}`): the engine's rejections (its room node decodes
 * and judges engine messages, the socket decoders reuse its wording) and the socket layer's own.
 * A closed list, so a client cannot grow the metrics and every reason is documented once.
 */
import { REJECTION_REASONS } from '../engine/rejections.ts';

/** Refusals only the socket layer and the room service give. */
export const SOCKET_REFUSAL_REASONS = [
  'not_joined', // a room message from a socket that has not joined (or no longer is the member it joined as)
  'already_joined', // a second join on one connection
  'bad_passcode', // the room has a passcode and the join's is missing or wrong
  'bad_join_proof', // a join's proof is missing, not the named key's signature for this room and connection, or not fresh
  'identity_budget', // a join of a key new to the room, beyond the new identities one address may bring in a minute (the admin's budget)
  'replaced', // the same peer key joined from another connection: this one is closed
  'forged_report', // a telemetry report in the name of another peer than the socket joined as
  'unknown_peer', // a signal or relay for a key that is not a member of the room
  'relay_disabled', // a relay outside hybrid mode
  'service_stopped', // the admin stopped the server's service of the room
  'partitioned', // a signal or relay across the admin's partition
  'stale_generation', // a reset of a generation the room is no longer at
  'stale_request', // an admin request no newer than the last one applied (a replay)
  'fenced', // another process claimed the room meanwhile (with REDIS_URL)
  'persist_failed', // the database refused a group commit: its acknowledgements are withheld
  'internal', // a handler failed: a server bug, logged; the connection stays up
] as const;

export const SERVER_REFUSAL_REASONS = [...REJECTION_REASONS, ...SOCKET_REFUSAL_REASONS] as const;

export type ServerRefusalReason = (typeof SERVER_REFUSAL_REASONS)[number];

/** A refusal as the server words it to the socket. */
export interface ServerRefusal {
  readonly reason: ServerRefusalReason;
  readonly detail: string;
}
