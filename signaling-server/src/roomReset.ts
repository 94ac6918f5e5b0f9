/**
 * The admin's "reset the room", on the room's owner. The request (already shape-checked at the socket
 * boundary) must come from a member of the room, name the room's current generation and carry the room
 * admin key's signature over `resetSigningBytes(room, generation)`; anything else is refused with a
 * reason. A valid reset lets the authority finish what it queued, stops it, deletes the log and bumps
 * the generation in one SQLite transaction, loads the empty next generation (the members stay listed)
 * and tells every socket of the room, so each drops its copy and rejoins as the new generation.
 */
import { createPublicKey, verify } from 'node:crypto';
import { resetSigningBytes, type ResetRequest } from '@peerlab/shared';
import type { PeerlabDatabase } from './database.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Rooms } from './rooms.ts';
import type { PeerlabIo } from './socketHandlers.ts';
import type { MemberRef } from './roomService.ts';

export interface RoomResetDeps {
  readonly io: PeerlabIo;
  readonly db: PeerlabDatabase;
  readonly rooms: Rooms;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** This process's fencing token: the reset commits only while it still holds the room. */
  readonly process: string;
}

export type ResetOutcome = { readonly ok: true; readonly generation: number } | { readonly ok: false; readonly reason: string; readonly detail: string };

/** DER prefix of an Ed25519 SubjectPublicKeyInfo: node:crypto takes raw keys only wrapped in it. */
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

function adminSigned(admin: string, message: Uint8Array, signature: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, Buffer.from(admin, 'hex')]), format: 'der', type: 'spki' });
    return verify(null, message, key, Buffer.from(signature, 'hex'));
  } catch {
    return false; // a malformed key cannot sign anything
  }
}

/** Resets the room `ref` is a member of, or says why not. Never throws on client input. */
export async function resetRoom(deps: RoomResetDeps, ref: MemberRef, request: ResetRequest): Promise<ResetOutcome> {
  const { db, rooms, io, logger } = deps;
  const room = rooms.isLoaded(ref.room) ? rooms.get(ref.room) : undefined;
  if (!room || room.socketIdOf(ref.peer) !== ref.socketId) return { ok: false, reason: 'not_joined', detail: 'reset a room you are in' };
  const { authority } = room;
  if (request.generation !== authority.generation) {
    return { ok: false, reason: 'stale_generation', detail: `the room is at generation ${authority.generation}, not ${request.generation}` };
  }
  if (!adminSigned(authority.admin, resetSigningBytes(ref.room, request.generation), request.sig)) {
    return { ok: false, reason: 'not_admin', detail: 'a reset must be signed by the room admin key' };
  }
  // Events verified or queued before the reset are committed (or refused) first, then the old authority
  // stops, so nothing of the old generation can be written after the log is emptied.
  await authority.flush();
  if (rooms.get(ref.room) !== room) return { ok: false, reason: 'stale_generation', detail: 'the room was reset or moved meanwhile' };
  const members = [...room.members];
  rooms.unload(ref.room);
  const result = db.resetRoom(ref.room, request.generation, deps.process, Date.now());
  const next = rooms.get(ref.room);
  if (next) for (const [peer, entry] of members) next.members.set(peer, entry);
  if (!result.ok) return { ok: false, reason: result.reason, detail: 'the room was reset or claimed by another process meanwhile' };
  deps.metrics.roomResets.inc();
  logger.info({ room: ref.room, generation: result.generation, deleted: result.deleted }, 'room reset');
  io.to(ref.room).emit('reset', { generation: result.generation });
  return { ok: true, generation: result.generation };
}
