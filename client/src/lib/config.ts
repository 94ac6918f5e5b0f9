/**
 * Page options read from the URL, in one place. Rooms follow the server's pattern; anything else falls
 * back to a default rather than failing.
 */
import { ROOM_PATTERN } from '@peerlab/shared';

export const DEFAULT_ROOM = 'demo';
/** Most peers the lab view runs in one tab: each holds a socket and a full WebRTC mesh. */
export const MAX_LAB_PEERS = 16;

export type Route =
  | { readonly view: 'peer'; readonly room: string; readonly name: string }
  | { readonly view: 'present'; readonly room: string }
  | { readonly view: 'lab'; readonly room: string; readonly count: number };

export function roomFrom(params: URLSearchParams): string {
  const room = params.get('room') ?? DEFAULT_ROOM;
  return ROOM_PATTERN.test(room) ? room : DEFAULT_ROOM;
}

export function randomName(): string {
  return `Peer-${1000 + (crypto.getRandomValues(new Uint16Array(1))[0]! % 9000)}`;
}

export function routeFrom(location: Location): Route {
  const params = new URLSearchParams(location.search);
  const room = roomFrom(params);
  if (location.pathname.replace(/\/+$/, '') === '/present') return { view: 'present', room };
  const lab = params.get('lab');
  if (lab !== null) {
    const count = Math.max(1, Math.min(MAX_LAB_PEERS, Math.floor(Number(lab)) || 1));
    return { view: 'lab', room, count };
  }
  const name = (params.get('name') ?? '').trim().slice(0, 64) || randomName();
  return { view: 'peer', room, name };
}

/**
 * ICE servers: none by default (LAN and localhost need none). `?ice=[{"urls":"stun:host:3478"}]`
 * adds STUN/TURN servers for networks that need them.
 */
export function iceServersFrom(location: Location): RTCIceServer[] {
  const text = new URLSearchParams(location.search).get('ice');
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? (value.filter((entry) => typeof entry === 'object' && entry !== null && 'urls' in entry) as RTCIceServer[]) : [];
  } catch {
    return [];
  }
}
