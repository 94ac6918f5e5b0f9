/**
 * A room's generation: the admin's "reset the room" starts a new one under the same room code. The
 * engine's room id names the generation, and every event is signed with its room id, so an event of an
 * older generation is refused as `wrong_room` by every peer and by the server — nothing from before a
 * reset can come back, not even from a peer that was offline during it.
 */
import { canonicalJson, utf8 } from './encoding.ts';

/** Longest engine room id: a 64-character room code, the separator and the generation's digits. */
export const MAX_ENGINE_ROOM_CHARS = 80;

/** Separator between room code and generation; outside the room code alphabet, so ids never collide. */
export const GENERATION_SEPARATOR = '~';

/** The engine's room id for a room code in a generation; generation 0 keeps the bare code. */
export function engineRoomId(room: string, generation: number): string {
  return generation === 0 ? room : `${room}${GENERATION_SEPARATOR}${generation}`;
}

/**
 * What the admin signs to reset a room: the room code and the generation it ends. Naming the generation
 * makes the signature good for one reset only: replayed later, it names a generation that is already over.
 */
export function resetSigningBytes(room: string, generation: number): Uint8Array {
  return utf8(canonicalJson({ t: 'reset', room, generation }));
}
