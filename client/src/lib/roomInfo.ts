/**
 * The server's public view of a room (`GET /api/rooms/:room`), read by the presenter dashboard. The reply
 * is checked field by field: a dashboard must show "unavailable", never crash, on an unexpected answer.
 */
import { isMode, type Member, type RoomInfo } from '@peerlab/shared';

export type { RoomInfo };

export type RoomFetch =
  | { readonly state: 'ok'; readonly info: RoomInfo }
  | { readonly state: 'absent' }
  | { readonly state: 'unreachable'; readonly detail: string };

function isMember(value: unknown): value is Member {
  if (typeof value !== 'object' || value === null) return false;
  const { peer, name, version } = value as Record<string, unknown>;
  return typeof peer === 'string' && typeof name === 'string' && typeof version === 'number';
}

function decodeRoomInfo(value: unknown): RoomInfo | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.room !== 'string' || !isMode(v.mode) || typeof v.epoch !== 'number' || typeof v.eventCount !== 'number') return undefined;
  const members = Array.isArray(v.members) ? v.members.filter(isMember) : [];
  const empty: RoomInfo['accepted'] = { 'client-server': {}, p2p: {}, hybrid: {} };
  const accepted = typeof v.accepted === 'object' && v.accepted !== null ? { ...empty, ...(v.accepted as Partial<RoomInfo['accepted']>) } : empty;
  return {
    room: v.room,
    mode: v.mode,
    epoch: v.epoch,
    generation: typeof v.generation === 'number' ? v.generation : 0,
    admin: typeof v.admin === 'string' ? v.admin : '',
    server: typeof v.server === 'string' ? v.server : '',
    members,
    eventCount: v.eventCount,
    digest: typeof v.digest === 'string' ? v.digest : '',
    lastOrder: typeof v.lastOrder === 'number' ? v.lastOrder : 0,
    accepted,
    owner: typeof v.owner === 'string' ? v.owner : '',
  };
}

export async function fetchRoom(room: string, signal?: AbortSignal): Promise<RoomFetch> {
  try {
    const response = await fetch(`/api/rooms/${encodeURIComponent(room)}`, { cache: 'no-store', signal });
    if (response.status === 404) return { state: 'absent' };
    if (!response.ok) return { state: 'unreachable', detail: `HTTP ${response.status}` };
    const info = decodeRoomInfo(await response.json());
    return info ? { state: 'ok', info } : { state: 'unreachable', detail: 'unexpected reply' };
  } catch (error: unknown) {
    return { state: 'unreachable', detail: error instanceof Error ? error.message : String(error) };
  }
}
