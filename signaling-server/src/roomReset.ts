/**
 * The admin's "reset the room", on the room's owner. The request (already shape-checked at the socket
 * boundary) must come from a member of the room, name the room's current generation and carry the room
 * admin key's signature over `resetSigningBytes(room, generation)`; anything else is refused with a
 * reason. A valid reset lets the authority finish what it queued, stops it, deletes the log and bumps
 * the generation in one SQLite transaction, loads the empty next generation (the members stay listed)
 * and tells every socket of the room, so each drops its copy and rejoins as the new generation.
 */
import { resetSigningBytes, type ResetRequest, type ServerRefusalReason } from '@peerlab/shared';
import type { PeerlabDatabase } from './database.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Rooms } from './rooms.ts';
import type { MemberRef, PeerlabIo } from './roomTypes.ts';

/** What a reset touches: the room registry and its database, the sockets to tell, and this process's fencing token. */
export interface RoomResetDeps {
  readonly io: PeerlabIo;
  readonly db: PeerlabDatabase;
  readonly rooms: Rooms;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** This process's id. */
  readonly process: string;
}

export type ResetOutcome = { readonly ok: true; readonly generation: number } | { readonly ok: false; readonly reason: ServerRefusalReason; readonly detail: string };

/** Resets the room `ref` is a member of, or says why not. Never throws on client input. */
export async function resetRoom(deps: RoomResetDeps, ref: MemberRef, request: ResetRequest): Promise<ResetOutcome> {
  const { db, rooms, io, logger } = deps;
  const room = rooms.isLoaded(ref.room) ? rooms.get(ref.room) : undefined;
  if (!room || room.socketIdOf(ref.peer) !== ref.socketId) return { ok: false, reason: 'not_joined', detail: 'reset a room you are in' };
  const { authority } = room;
  if (request.generation !== authority.generation) {
    return { ok: false, reason: 'stale_generation', detail: `the room is at generation ${authority.generation}, not ${request.generation}` };
  }
  const [signed] = await rooms.verifier.verifyBatch([{ id: 'reset', publicKey: authority.admin, message: resetSigningBytes(ref.room, request.generation), signature: request.sig }]);
  if (!signed) {
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
