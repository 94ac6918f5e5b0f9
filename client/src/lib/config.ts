/**
 * Page options read from the URL, in one place. Rooms follow the server's pattern; anything else falls
 * back to a default rather than failing.
 */
import { CURRENT_PROTOCOL, formatVersion, parseVersion, ROOM_PATTERN, type OverlayConfig, type ProtocolVersion } from '@peerlab/shared';

export const DEFAULT_ROOM = 'demo';
/** Most peers the lab view runs in one tab: each holds a socket and its share of the WebRTC mesh. */
export const MAX_LAB_PEERS = 16;
/** Largest degree `?overlay=` may ask for: each direct link is a WebRTC connection the browser keeps alive. */
export const MAX_OVERLAY_DEGREE = 32;

export type Route =
  | { readonly view: 'peer'; readonly room: string; readonly name: string }
  | { readonly view: 'present'; readonly room: string }
  | { readonly view: 'lab'; readonly room: string; readonly count: number }
  /** The simulator; its options are the query itself (the CLI's names). */
  | { readonly view: 'sim'; readonly query: URLSearchParams };

export function roomFrom(params: URLSearchParams): string {
  const room = params.get('room') ?? DEFAULT_ROOM;
  return ROOM_PATTERN.test(room) ? room : DEFAULT_ROOM;
}

export function randomName(): string {
  return `Peer-${1000 + (crypto.getRandomValues(new Uint16Array(1))[0]! % 9000)}`;
}

const ROOM_WORDS = {
  first: ['amber', 'blue', 'brave', 'calm', 'clever', 'green', 'happy', 'lucky', 'quick', 'red', 'silver', 'sunny'],
  second: ['otter', 'falcon', 'badger', 'heron', 'lynx', 'panda', 'koala', 'tiger', 'whale', 'fox', 'owl', 'wolf'],
};

/** A short room code a class can read off a projector and type on a phone, e.g. `calm-otter-42`. */
export function readableRoomCode(): string {
  const [a, b, n] = crypto.getRandomValues(new Uint16Array(3));
  return `${ROOM_WORDS.first[a! % ROOM_WORDS.first.length]}-${ROOM_WORDS.second[b! % ROOM_WORDS.second.length]}-${10 + (n! % 90)}`;
}

/** `?passcode=`: sets the passcode of a room this browser creates, or answers the one it has. */
export function passcodeFrom(location: Location): string | undefined {
  const passcode = new URLSearchParams(location.search).get('passcode')?.trim();
  return passcode ? passcode.slice(0, 64) : undefined;
}

/** `&attacker=1`: the page opens with its "Attack this room" panel expanded. */
export function attackerFrom(location: Location): boolean {
  return new URLSearchParams(location.search).get('attacker') === '1';
}

export function routeFrom(location: Location): Route {
  const params = new URLSearchParams(location.search);
  const room = roomFrom(params);
  if (location.pathname.replace(/\/+$/, '') === '/sim') return { view: 'sim', query: params };
  if (location.pathname.replace(/\/+$/, '') === '/present') {
    // A presenter without a room starts a new one under a readable code.
    return { view: 'present', room: params.get('room') === null ? readableRoomCode() : room };
  }
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

export type OverlaySetting =
  | { readonly ok: true; readonly degree?: OverlayConfig }
  | { readonly ok: false; readonly notice: string };

/**
 * `?overlay=target,low,high`: the mesh's degree watermarks, e.g. `2,2,3` to show a sparse mesh in a small
 * room. Needs whole numbers with 1 <= low <= target <= high <= MAX_OVERLAY_DEGREE; anything else is
 * ignored (the engine's defaults apply) and explained in a notice.
 */
export function overlayFrom(location: Location): OverlaySetting {
  const text = new URLSearchParams(location.search).get('overlay');
  if (text === null) return { ok: true };
  const parts = text.split(',').map((part) => part.trim());
  const numbers = parts.map(Number);
  const [target, low, high] = numbers as [number, number, number];
  const valid =
    parts.length === 3 &&
    parts.every((part) => /^[0-9]+$/.test(part)) &&
    low >= 1 &&
    low <= target &&
    target <= high &&
    high <= MAX_OVERLAY_DEGREE;
  if (!valid) {
    return {
      ok: false,
      notice: `Ignored ?overlay=${text}: expected target,low,high as whole numbers with 1 ≤ low ≤ target ≤ high ≤ ${MAX_OVERLAY_DEGREE}; using the defaults.`,
    };
  }
  return { ok: true, degree: { target, low, high } };
}

export type ProtocolSetting =
  | { readonly ok: true; readonly protocol?: ProtocolVersion }
  | { readonly ok: false; readonly notice: string };

/**
 * `&protocol=MAJOR.MINOR` on the peer view, for the version-skew lesson: this page's engine speaks an older
 * minor (`1.0`: no pixel events, no versioned reports) or another major (`2.0`: every other node refuses
 * its links). Without it the page speaks this build's newest version; anything unreadable is ignored and
 * explained in a notice.
 */
export function protocolFrom(location: Location): ProtocolSetting {
  const text = new URLSearchParams(location.search).get('protocol');
  if (text === null) return { ok: true };
  const protocol = parseVersion(text);
  if (!protocol) return { ok: false, notice: `Ignored &protocol=${text}: expected a version such as 1.0 or 2.0; this page speaks ${formatVersion(CURRENT_PROTOCOL)}.` };
  return { ok: true, protocol };
}
