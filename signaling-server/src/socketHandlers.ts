/**
 * Socket.IO handlers. Every payload is untrusted: each handler validates with the shared decoders,
 * never throws, and answers bad input with a `refused` event (counted by reason in /metrics). What is
 * valid goes to the room directory, which reaches the room's owner (this process, or another one).
 */
import {
  MAX_MESSAGE_BYTES,
  TokenBucket as RefillingBucket,
  MAX_SIGNAL_BYTES,
  decodeAddressed,
  decodeJoin,
  decodeReset,
  decodeReport,
  type JoinResponse,
  type ServerRefusalReason,
} from '@peerlab/shared';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { TokenBucket } from './rateLimit.ts';
import type { RoomDirectory } from './roomDirectory.ts';
import type { TelemetryStore } from './telemetryStore.ts';
import { countSocketTraffic } from './socketTraffic.ts';
import type { MemberRef, PeerlabIo, PeerlabSocket } from './roomTypes.ts';

interface SocketState {
  readonly bucket: TokenBucket;
  joined?: MemberRef;
  /** A join waiting for the room's owner: who it is for, and its answer to come. */
  joining?: { readonly room: string; readonly peer: string; readonly response: Promise<JoinResponse | undefined> };
  /** When the last `rate_limited` refusal was sent: refusals of a flood are themselves throttled. */
  lastRateRefusal: number;
  /** Telemetry reports have their own, lower budget. */
  readonly reports: RefillingBucket;
}

/**
 * Telemetry reports one socket may send per second, sustained: peers report about once a second, so
 * twice that, while a misbehaving page cannot fill the room's history.
 */
export const REPORTS_PER_SECOND = 2;
/**
 * Reports one socket may send at once: a busy page's timer fires late, and its reports leave together
 * behind the writes queued on the socket; a few at once are honest, a stream of them is not.
 */
export const REPORT_BURST = 4;

export interface HandlerDeps {
  readonly io: PeerlabIo;
  readonly directory: RoomDirectory;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly telemetry: TelemetryStore;
}

export function registerSocketHandlers({ io, directory, metrics, logger, telemetry }: HandlerDeps): void {
  io.on('connection', (socket: PeerlabSocket) => {
    const state: SocketState = { bucket: new TokenBucket(), lastRateRefusal: 0, reports: new RefillingBucket(REPORTS_PER_SECOND, REPORT_BURST, Date.now()) };
    countSocketTraffic(socket, metrics);

    const refuse = (reason: ServerRefusalReason, detail: string): void => {
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
        const fail = (reason: ServerRefusalReason, detail: string): void => {
          metrics.rejected(reason);
          answer({ ok: false, reason, detail });
        };
        const decoded = decodeJoin(raw);
        if (!decoded.ok) return fail(decoded.reason, decoded.detail);
        const request = decoded.value;
        // A page of another major version still joins: introducing and relaying do not depend on the
        // engine's version. Its engine link is what refuses it (the server's node refuses its hello as
        // unsupported_version), as every peer's does, so both ends see why.
        const current = state.joined ?? state.joining;
        if (current && (current.room !== request.room || current.peer !== request.peer)) return fail('already_joined', `this connection already joined ${current.room}`);

        // The same join again (a busy page's ack timed out, so it asks again) is answered again, never
        // refused: while the first is pending, with its answer; once joined, by joining anew (idempotent).
        const pending = state.joining ?? { room: request.room, peer: request.peer, response: directory.join(request, socket.id) };
        state.joining = pending;
        pending.response.then(
          (response) => {
            if (state.joining === pending) state.joining = undefined;
            // No owner answered: leave the ack unanswered, so the client's join timeout asks again.
            if (response === undefined) return;
            const ref: MemberRef = { room: request.room, peer: request.peer, socketId: socket.id };
            if (!socket.connected) {
              if (response.ok) directory.leave(ref);
              return;
            }
            if (response.ok) {
              state.joined = ref;
              void socket.join(request.room);
            }
            answer(response);
            if (!response.ok) return;
            // After the ack, so the client has its server link up before the node's hello arrives.
            directory.linkUp(ref, request);
            logger.info({ room: request.room, peer: request.peer.slice(0, 8), name: request.name, created: response.created }, 'joined');
          },
          (error: unknown) => {
            if (state.joining === pending) state.joining = undefined;
            logger.error({ err: error, socket: socket.id }, 'join failed');
            fail('internal', 'join failed');
          },
        );
      }),
    );

    socket.on(
      'peer',
      guarded('peer', (data) => {
        if (!state.joined) return refuse('not_joined', 'join a room first');
        if (typeof data !== 'string') return refuse('malformed', `peer data must be text, got ${data === null ? 'null' : typeof data}`);
        if (data.length > MAX_MESSAGE_BYTES) return refuse('oversized', `message of ${data.length} bytes over ${MAX_MESSAGE_BYTES}`);
        directory.peer(state.joined, data);
      }),
    );

    socket.on(
      'signal',
      guarded('signal', (raw) => {
        if (!state.joined) return refuse('not_joined', 'join a room first');
        const decoded = decodeAddressed(raw, MAX_SIGNAL_BYTES);
        if (!decoded.ok) return refuse(decoded.reason, decoded.detail);
        directory.signal(state.joined, decoded.value.to, decoded.value.data);
      }),
    );

    socket.on(
      'relay',
      guarded('relay', (raw) => {
        if (!state.joined) return refuse('not_joined', 'join a room first');
        const decoded = decodeAddressed(raw, MAX_MESSAGE_BYTES);
        if (!decoded.ok) return refuse(decoded.reason, decoded.detail);
        directory.relay(state.joined, decoded.value.to, decoded.value.data, decoded.value.alone === true);
      }),
    );

    socket.on(
      'reset',
      guarded('reset', (raw) => {
        if (!state.joined) return refuse('not_joined', 'join a room first');
        const decoded = decodeReset(raw);
        if (!decoded.ok) return refuse(decoded.reason, decoded.detail);
        directory.reset(state.joined, decoded.value);
      }),
    );

    socket.on(
      'report',
      guarded('report', (raw) => {
        if (!state.joined) return refuse('not_joined', 'join a room first');
        const now = Date.now();
        if (!state.reports.take(1, now)) return refuse('rate_limited', `reports at most ${REPORTS_PER_SECOND} a second (${REPORT_BURST} at once)`);
        const decoded = decodeReport(raw);
        if (!decoded.ok) return refuse(decoded.reason, decoded.detail);
        // The socket's joined peer is the only peer it may report for: no report about someone else.
        if (decoded.value.peer !== state.joined.peer) return refuse('forged_report', 'a report names another peer than this connection joined as');
        telemetry.record(state.joined.room, decoded.value, now);
      }),
    );

    socket.on('disconnect', (reason) => {
      const joined = state.joined;
      if (!joined) return;
      state.joined = undefined;
      directory.leave(joined);
      logger.info({ room: joined.room, peer: joined.peer.slice(0, 8), reason }, 'left');
    });
  });
}
