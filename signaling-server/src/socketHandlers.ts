/**
 * Socket.IO handlers. Every payload is untrusted: each handler validates with the shared decoders,
 * never throws, and answers bad input with a `refused` event (counted by reason in /metrics).
 */
import type { Server, Socket } from 'socket.io';
import {
  MAX_MESSAGE_BYTES,
  MAX_SIGNAL_BYTES,
  PROTOCOL_VERSION,
  decodeAddressed,
  decodeJoin,
  type ClientToServerEvents,
  type JoinResponse,
  type ServerToClientEvents,
} from '@peerlab/shared';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { TokenBucket } from './rateLimit.ts';
import type { Room, Rooms } from './rooms.ts';

export type PeerlabIo = Server<ClientToServerEvents, ServerToClientEvents>;
type PeerlabSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

interface SocketState {
  readonly bucket: TokenBucket;
  joined?: { readonly room: Room; readonly peer: string };
  /** When the last `rate_limited` refusal was sent: refusals of a flood are themselves throttled. */
  lastRateRefusal: number;
}

export interface HandlerDeps {
  readonly io: PeerlabIo;
  readonly rooms: Rooms;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export function registerSocketHandlers({ io, rooms, metrics, logger }: HandlerDeps): void {
  io.on('connection', (socket: PeerlabSocket) => {
    const state: SocketState = { bucket: new TokenBucket(), lastRateRefusal: 0 };

    const refuse = (reason: string, detail: string): void => {
      metrics.rejected(reason);
      logger.debug({ socket: socket.id, reason, detail }, 'refused');
      socket.emit('refused', { reason, detail });
    };

    /** Rate limit, then run the handler; any exception becomes a refusal, never a crash. */
    const guarded =
      (name: string, handler: (...args: unknown[]) => void) =>
      (...args: unknown[]): void => {
        try {
          if (!state.bucket.take()) {
            metrics.rejected('rate_limited');
            const now = Date.now();
            if (now - state.lastRateRefusal >= 1000) {
              state.lastRateRefusal = now;
              socket.emit('refused', { reason: 'rate_limited', detail: `over the message budget (${name})` });
            }
            if (state.bucket.flooding && socket.connected) {
              logger.warn({ socket: socket.id }, 'flooding socket disconnected');
              socket.disconnect(true);
            }
            const ack = args[args.length - 1];
            if (name === 'join' && typeof ack === 'function') ack({ ok: false, reason: 'rate_limited', detail: 'over the message budget' });
            return;
          }
          handler(...args);
        } catch (error) {
          logger.error({ err: error, socket: socket.id, event: name }, 'handler failed');
          refuse('internal', `${name} failed`);
        }
      };

    socket.on(
      'join',
      guarded('join', (raw, ack) => {
        const answer = (response: JoinResponse): void => {
          if (typeof ack === 'function') ack(response);
          else if (!response.ok) socket.emit('refused', { reason: response.reason, detail: response.detail });
        };
        const fail = (reason: string, detail: string): void => {
          metrics.rejected(reason);
          answer({ ok: false, reason, detail });
        };
        const decoded = decodeJoin(raw);
        if (!decoded.ok) return fail(decoded.reason, decoded.detail);
        const request = decoded.value;
        if (request.version !== PROTOCOL_VERSION) {
          return fail('unsupported_version', `server speaks version ${PROTOCOL_VERSION}, peer ${request.version}`);
        }
        if (state.joined) return fail('already_joined', `this connection already joined ${state.joined.room.name}`);

        const { room, created } = rooms.getOrCreate(request.room, request.adminKey);
        const replaced = rooms.addMember(room, { peer: request.peer, name: request.name, version: request.version }, socket.id);
        state.joined = { room, peer: request.peer };
        if (replaced !== undefined) {
          const old = io.sockets.sockets.get(replaced);
          metrics.rejected('replaced');
          old?.emit('refused', { reason: 'replaced', detail: 'the same peer key joined from another connection' });
          old?.disconnect(true);
        }
        void socket.join(room.name);
        const node = room.authority.node;
        answer({ ok: true, admin: room.authority.admin, server: rooms.serverKey, mode: node.mode, epoch: node.epoch, members: room.memberList(), created });
        // After the ack, so the client has its server link up before the node's hello arrives.
        room.authority.input({ type: 'linkUp', link: request.peer, kind: 'client' });
        io.to(room.name).emit('members', room.memberList());
        logger.info({ room: room.name, peer: request.peer.slice(0, 8), name: request.name, created }, 'joined');
      }),
    );

    socket.on(
      'peer',
      guarded('peer', (data) => {
        if (!state.joined) return refuse('not_joined', 'join a room first');
        if (typeof data !== 'string') return refuse('malformed', `peer data must be text, got ${data === null ? 'null' : typeof data}`);
        if (data.length > MAX_MESSAGE_BYTES) return refuse('oversized', `message of ${data.length} bytes over ${MAX_MESSAGE_BYTES}`);
        state.joined.room.authority.input({ type: 'message', link: state.joined.peer, data });
      }),
    );

    socket.on(
      'signal',
      guarded('signal', (raw) => {
        if (!state.joined) return refuse('not_joined', 'join a room first');
        const decoded = decodeAddressed(raw, MAX_SIGNAL_BYTES);
        if (!decoded.ok) return refuse(decoded.reason, decoded.detail);
        const target = state.joined.room.socketIdOf(decoded.value.to);
        if (target === undefined) return refuse('unknown_peer', `no member ${decoded.value.to.slice(0, 8)} in ${state.joined.room.name}`);
        io.to(target).emit('signal', { from: state.joined.peer, data: decoded.value.data });
      }),
    );

    socket.on(
      'relay',
      guarded('relay', (raw) => {
        if (!state.joined) return refuse('not_joined', 'join a room first');
        const decoded = decodeAddressed(raw, MAX_MESSAGE_BYTES);
        if (!decoded.ok) return refuse(decoded.reason, decoded.detail);
        const { room, peer } = state.joined;
        if (room.authority.node.mode !== 'hybrid') return refuse('relay_disabled', `relay is for hybrid mode; the room is ${room.authority.node.mode}`);
        const target = room.socketIdOf(decoded.value.to);
        if (target === undefined) return refuse('unknown_peer', `no member ${decoded.value.to.slice(0, 8)} in ${room.name}`);
        metrics.relayMessages.inc();
        metrics.relayBytes.inc(decoded.value.data.length);
        io.to(target).emit('relay', { from: peer, data: decoded.value.data });
      }),
    );

    socket.on('disconnect', (reason) => {
      const joined = state.joined;
      if (!joined) return;
      state.joined = undefined;
      if (!rooms.removeMember(joined.room, joined.peer, socket.id)) return; // replaced by a newer socket
      joined.room.authority.input({ type: 'linkDown', link: joined.peer });
      io.to(joined.room.name).emit('members', joined.room.memberList());
      logger.info({ room: joined.room.name, peer: joined.peer.slice(0, 8), reason }, 'left');
    });
  });
}
