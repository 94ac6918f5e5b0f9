/**
 * Socket.IO handlers. Every payload is untrusted: each handler validates with the shared decoders,
 * never throws, and answers bad input with a `refused` event (counted by reason in /metrics). What is
 * valid goes to the room directory, which reaches the room's owner (this process, or another one).
 *
 * A join is the door: it must prove its key (joinProof.ts), and only then is the socket a member. Every
 * later handler acts as the member the socket proved (`state.joined`), and the room service serves a
 * member reference only while its socket is the one holding the key, so signals, relays, engine messages
 * and reports are taken from, and delivered to, the socket that proved the key and no other.
 */
import {
  MAX_MESSAGE_BYTES,
  TokenBucket as RefillingBucket,
  MAX_SIGNAL_BYTES,
  decodeAddressed,
  decodeAdmission,
  decodeJoin,
  decodeReset,
  decodeReport,
  type JoinRequest,
  type JoinResponse,
  type Result,
  type ServerRefusalReason,
  type Verifier,
} from '@peerlab/shared';
import { checkJoinAtEntry, type ProvenJoin } from './joinProof.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { TokenBucket } from './rateLimit.ts';
import type { RoomDirectory } from './roomDirectory.ts';
import type { TelemetryStore } from './telemetryStore.ts';
import { countSocketTraffic } from './socketTraffic.ts';
import type { MemberRef, PeerlabIo, PeerlabSocket } from './roomTypes.ts';

/** A join's answer to come from the room's owner, and the proven join it was for (none when the proof failed). */
interface Admission {
  readonly response: JoinResponse | undefined;
  readonly join?: ProvenJoin;
}

interface SocketState {
  readonly bucket: TokenBucket;
  joined?: MemberRef;
  /** A join waiting for the room's owner: who it is for, and its answer to come. */
  joining?: { readonly room: string; readonly peer: string; readonly admission: Promise<Admission> };
  /** When the last `rate_limited` refusal was sent: refusals of a flood are themselves throttled. */
  lastRateRefusal: number;
  /** Telemetry reports have their own, lower budget. */
  readonly reports: RefillingBucket;
  /** So have join proofs: each costs a signature check. */
  readonly proofs: RefillingBucket;
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

/**
 * Join proofs one socket may have checked per second, sustained: a page joins once per connection and
 * asks again only after 5 s without an answer (or once more by the server's clock, when its own is off),
 * while each check is a signature verification that a socket must not get by the thousand.
 */
export const JOIN_PROOFS_PER_SECOND = 1;
/** Join proofs checked at once: a retry or two on top of the first join. */
export const JOIN_PROOF_BURST = 4;

export interface HandlerDeps {
  readonly io: PeerlabIo;
  readonly directory: RoomDirectory;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly telemetry: TelemetryStore;
  /** Checks join proofs (node:crypto on the thread pool, as the rooms' events). */
  readonly verifier: Verifier;
}

export function registerSocketHandlers({ io, directory, metrics, logger, telemetry, verifier }: HandlerDeps): void {
  io.on('connection', (socket: PeerlabSocket) => {
    const opened = Date.now();
    const state: SocketState = {
      bucket: new TokenBucket(),
      lastRateRefusal: 0,
      reports: new RefillingBucket(REPORTS_PER_SECOND, REPORT_BURST, opened),
      proofs: new RefillingBucket(JOIN_PROOFS_PER_SECOND, JOIN_PROOF_BURST, opened),
    };
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
        /** The proof first, here where the socket is; only a proven join reaches the room's owner. */
        const admit = async (request: JoinRequest): Promise<Admission> => {
          const checked = await checkJoinAtEntry(request, socket.id, socket.handshake.address, Date.now(), verifier);
          if (checked.ok) return { response: await directory.join(checked.join), join: checked.join };
          metrics.rejected(checked.reason);
          logger.info({ socket: socket.id, room: request.room, peer: request.peer.slice(0, 8), detail: checked.detail }, 'join proof refused');
          return { response: { ok: false, reason: checked.reason, detail: checked.detail, ...(checked.serverTime === undefined ? {} : { serverTime: checked.serverTime }) } };
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
        if (!state.joining && !state.proofs.take(1, Date.now())) return fail('rate_limited', `join proofs at most ${JOIN_PROOFS_PER_SECOND} a second (${JOIN_PROOF_BURST} at once)`);
        const pending = state.joining ?? { room: request.room, peer: request.peer, admission: admit(request) };
        state.joining = pending;
        pending.admission.then(
          ({ response, join: proven }) => {
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
            if (!response.ok || proven === undefined) return;
            // After the ack, so the client has its server link up before the node's hello arrives.
            directory.linkUp(ref, proven);
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

    /** A member's message: refused before the join, decoded in one place, then handed on as its value. */
    const fromMember = <T>(name: 'signal' | 'relay' | 'reset' | 'admission', decode: (raw: unknown) => Result<T>, act: (joined: MemberRef, value: T) => void): void => {
      socket.on(
        name,
        guarded(name, (raw) => {
          if (!state.joined) return refuse('not_joined', 'join a room first');
          const decoded = decode(raw);
          if (!decoded.ok) return refuse(decoded.reason, decoded.detail);
          act(state.joined, decoded.value);
        }),
      );
    };
    fromMember('signal', (raw) => decodeAddressed(raw, MAX_SIGNAL_BYTES), (joined, { to, data }) => directory.signal(joined, to, data));
    fromMember('relay', (raw) => decodeAddressed(raw, MAX_MESSAGE_BYTES), (joined, { to, data, alone }) => directory.relay(joined, to, data, alone === true));
    fromMember('reset', decodeReset, (joined, request) => directory.reset(joined, request));
    fromMember('admission', decodeAdmission, (joined, request) => directory.setAdmission(joined, request));

    const takeReport = (raw: unknown): void => {
      if (!state.joined) return refuse('not_joined', 'join a room first');
      const now = Date.now();
      if (!state.reports.take(1, now)) return refuse('rate_limited', `reports at most ${REPORTS_PER_SECOND} a second (${REPORT_BURST} at once)`);
      const decoded = decodeReport(raw);
      if (!decoded.ok) return refuse(decoded.reason, decoded.detail);
      // The socket's joined peer is the only peer it may report for: no report about someone else.
      if (decoded.value.peer !== state.joined.peer) return refuse('forged_report', 'a report names another peer than this connection joined as');
      telemetry.record(state.joined.room, decoded.value, now);
    };
    socket.on(
      'report',
      guarded('report', (raw, ack) => {
        takeReport(raw);
        // Taken or refused, the page may send its next one: it keeps one report in flight (latestInFlight.ts).
        if (typeof ack === 'function') ack();
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
