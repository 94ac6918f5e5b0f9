/**
 * What the server's sockets carry, by Socket.IO event and, for engine messages (`peer`), by the engine
 * message's type: the economics lesson of client-server is the server's egress. Counted per socket of
 * this process as it emits (broadcasts and emits addressed from another process included), in payload
 * bytes before Socket.IO's framing; the labels are closed sets, so a client cannot grow the metrics.
 */
import type { Socket } from 'socket.io';

/** The Socket.IO events either end may send, and `other` for anything else a client tries. */
export const SOCKET_EVENTS = ['join', 'peer', 'signal', 'relay', 'reset', 'report', 'members', 'refused', 'other'] as const;
export type SocketEvent = (typeof SOCKET_EVENTS)[number];

/** Engine message types (messages.ts), `none` for events that carry no engine message. */
export const ENGINE_MESSAGES = ['hello', 'vv', 'events', 'ack', 'ping', 'peers', 'report', 'route', 'other', 'none'] as const;
export type EngineMessageLabel = (typeof ENGINE_MESSAGES)[number];

const KNOWN_EVENTS: ReadonlySet<string> = new Set(SOCKET_EVENTS);
const KNOWN_MESSAGES: ReadonlySet<string> = new Set(ENGINE_MESSAGES);

export interface TrafficCounters {
  sent(event: SocketEvent, message: EngineMessageLabel, bytes: number): void;
  received(event: SocketEvent, message: EngineMessageLabel, bytes: number): void;
}

/**
 * The engine message type of an encoded engine message, read off its first field without parsing
 * (`encodeMessage` writes `{"t":"…"` first); anything else is `other`.
 */
export function engineMessageType(data: string): EngineMessageLabel {
  if (!data.startsWith('{"t":"')) return 'other';
  const end = data.indexOf('"', 6);
  const type = end > 6 && end < 16 ? data.slice(6, end) : '';
  return KNOWN_MESSAGES.has(type) && type !== 'none' ? (type as EngineMessageLabel) : 'other';
}

/** Payload bytes of one emit's arguments: text as is, anything else as the JSON Socket.IO would write. */
export function payloadBytes(args: readonly unknown[]): number {
  let bytes = 0;
  for (const arg of args) {
    if (typeof arg === 'string') bytes += arg.length;
    else if (typeof arg === 'function' || arg === undefined) continue;
    else {
      try {
        bytes += JSON.stringify(arg)?.length ?? 0;
      } catch {
        // A value JSON cannot write (a cycle): Socket.IO would not send it either.
      }
    }
  }
  return bytes;
}

function label(event: string, args: readonly unknown[]): { event: SocketEvent; message: EngineMessageLabel } {
  const known: SocketEvent = KNOWN_EVENTS.has(event) ? (event as SocketEvent) : 'other';
  const data = args[0];
  if (known === 'peer') return { event: known, message: typeof data === 'string' ? engineMessageType(data) : 'other' };
  if (known === 'relay' && typeof data === 'object' && data !== null && typeof (data as { data?: unknown }).data === 'string') {
    return { event: known, message: engineMessageType((data as { data: string }).data) };
  }
  return { event: known, message: 'none' };
}

/** Counts everything `socket` sends and receives from now on. */
export function countSocketTraffic(socket: Socket, counters: TrafficCounters): void {
  socket.onAnyOutgoing((event: string, ...args: unknown[]) => {
    const { event: known, message } = label(event, args);
    counters.sent(known, message, payloadBytes(args));
  });
  socket.onAny((event: string, ...args: unknown[]) => {
    const { event: known, message } = label(event, args);
    counters.received(known, message, payloadBytes(args));
  });
}
