/**
 * The Socket.IO link to the signaling server: join (and re-join after every reconnect), the engine's
 * `server` link, WebRTC signaling and the relay. It only moves text; the session decides what it means.
 * Every join proves this peer's key for the connection it is sent on (joinProof.ts), so each connection
 * signs anew: a proof is good on one connection only.
 */
import { io, type Socket } from 'socket.io-client';
import {
  CURRENT_PROTOCOL,
  signJoinProof,
  decodeAdmissionState,
  type Admission,
  type AdmissionRequest,
  type AnySigner,
  type ProtocolVersion,
  type TelemetryReport,
  type ClientToServerEvents,
  type FromPeer,
  type JoinRequest,
  type JoinResponse,
  type Member,
  type ResetRequest,
  type ServerToClientEvents,
} from '@peerlab/shared';
import { LatestInFlight } from './latestInFlight.ts';

export type ServerStatus = 'connected' | 'connecting' | 'disconnected';

export type JoinAccepted = Extract<JoinResponse, { ok: true }>;

/** How long to wait for the join acknowledgement before asking again. */
const JOIN_TIMEOUT_MS = 5000;

export interface ServerLinkOptions {
  /** Server origin; the page's own by default (the server serves the client). */
  readonly url?: string;
  readonly room: string;
  readonly name: string;
  /** This peer's identity key: the member's public key, and what signs each join's proof. */
  readonly signer: AnySigner;
  readonly adminKey: string;
  /** The room's passcode: sets it when this join creates the room, else must match it. */
  readonly passcode?: string;
  /** Joins as an observer: the room lists it as one (a dashboard that writes nothing). */
  readonly observer?: boolean;
  /** The protocol version the page's engine speaks, listed with the member (this build's newest by default). */
  readonly protocol?: ProtocolVersion;
  /** The socket.io-client factory; the package's own `io` unless a host passes another (tests, Node bots). */
  readonly io?: typeof io;
  /** The wall clock join proofs are dated by: `Date.now` unless a test skews it. */
  readonly now?: () => number;
}

export interface ServerLinkHandlers {
  status(status: ServerStatus, detail?: string): void;
  joined(response: JoinAccepted): void;
  /** The join was refused (bad room name, version...): the link stays connected but unusable. */
  joinRefused(reason: string, detail: string): void;
  /** The engine link is gone (disconnect); socket.io reconnects and re-joins by itself. */
  down(): void;
  peer(data: string): void;
  members(members: readonly Member[]): void;
  signal(message: FromPeer): void;
  relay(message: FromPeer): void;
  refused(reason: string, detail: string): void;
  /** The admin reset the room: the server now runs it as `generation`. */
  reset(generation: number): void;
  /** The room's new identity budget and counts changed (the admin set it, or joins were refused). */
  admission(admission: Admission): void;
}

/**
 * After the server itself disconnects this socket (it does so to a flooding one), socket.io-client does not
 * reconnect by itself: wait this long, then try once more, so a page is not left "reconnecting" forever.
 */
export const SERVER_DISCONNECT_RETRY_MS = 5_000;

export class ServerLink {
  readonly #socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly #options: ServerLinkOptions;
  readonly #on: ServerLinkHandlers;
  #joined = false;
  #closed = false;
  /**
   * The server's clock minus this one's, once a join was refused for its time: proofs are then dated by
   * the server's clock, so a page whose clock is off still joins. 0 until then.
   */
  #clockOffset = 0;
  /** This connection already signed again by the server's clock: another time refusal is final. */
  #resignedForClock = false;
  /** Left on purpose (churn) until `resume`: no retry after a server disconnect either. */
  #suspended = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #reports = new LatestInFlight<TelemetryReport>(
    (report, done) => {
      if (this.joined) this.#socket.emit('report', report, done);
    },
    () => Date.now(),
  );

  constructor(options: ServerLinkOptions, handlers: ServerLinkHandlers) {
    this.#options = options;
    this.#on = handlers;
    // forceNew: the lab view opens one connection per simulated peer in the same tab.
    const socketOptions = { forceNew: true, transports: ['websocket', 'polling'] };
    const connect = options.io ?? io;
    this.#socket = options.url ? connect(options.url, socketOptions) : connect(socketOptions);
    this.#socket.on('connect', () => {
      this.#resignedForClock = false;
      this.#reports.reset();
      this.#join();
    });
    this.#socket.on('connect_error', (error) => this.#on.status('disconnected', `no answer (${error.message}), retrying`));
    this.#socket.on('disconnect', (reason) => {
      const wasJoined = this.#joined;
      this.#joined = false;
      if (reason === 'io server disconnect') this.#retryAfterServerDisconnect();
      else this.#on.status('disconnected', `connection lost (${reason}), reconnecting`);
      if (wasJoined) this.#on.down();
    });
    this.#socket.on('peer', (data) => {
      if (this.#joined) this.#on.peer(data);
    });
    this.#socket.on('members', (members) => this.#on.members(members));
    this.#socket.on('signal', (message) => this.#on.signal(message));
    this.#socket.on('relay', (message) => this.#on.relay(message));
    this.#socket.on('refused', ({ reason, detail }) => this.#on.refused(reason, detail));
    this.#socket.on('admission', (raw) => {
      const decoded = decodeAdmissionState(raw);
      if (decoded.ok) this.#on.admission(decoded.value);
    });
    this.#socket.on('reset', (notice) => {
      const generation: unknown = notice?.generation;
      if (typeof generation === 'number' && Number.isSafeInteger(generation) && generation >= 0) this.#on.reset(generation);
    });
    this.#on.status('connecting');
  }

  /**
   * Joined, and the socket still connected: socket.io-client buffers what is emitted while disconnected
   * and sends it first thing after it reconnects, before the join, where the server would refuse it as
   * `not_joined` (and what the engine sent meanwhile is re-offered on the new link anyway).
   */
  get joined(): boolean {
    return this.#joined && this.#socket.connected;
  }

  sendPeer(data: string): void {
    if (this.joined) this.#socket.emit('peer', data);
  }

  signal(to: string, data: string): void {
    if (this.joined) this.#socket.emit('signal', { to, data });
  }

  /** `alone`: this peer has no direct link to anyone (Addressed.alone). */
  relay(to: string, data: string, alone = false): void {
    if (this.joined) this.#socket.emit('relay', alone ? { to, data, alone: true } : { to, data });
  }

  /** Admin: how many new identities one address may bring into the room a minute (signed with the admin key). */
  setAdmission(request: AdmissionRequest): void {
    if (this.joined) this.#socket.emit('admission', request);
  }

  /** Admin: asks the server to reset the room (the request is signed with the room admin key). */
  reset(request: ResetRequest): void {
    if (this.joined) this.#socket.emit('reset', request);
  }

  /** This peer's telemetry report, for the server's central view: one in flight, the newest waiting behind it. */
  report(report: TelemetryReport): void {
    if (this.joined) this.#reports.offer(report);
  }

  /** Leaves the server on purpose (churn): disconnects without reconnecting until `resume`. */
  suspend(): void {
    this.#suspended = true;
    this.#cancelRetry();
    if (!this.#closed) this.#socket.disconnect();
  }

  /** Comes back after `suspend`: reconnects and joins again as the same peer. */
  resume(): void {
    this.#suspended = false;
    if (!this.#closed && !this.#socket.connected) this.#socket.connect();
  }

  close(): void {
    this.#closed = true;
    this.#cancelRetry();
    this.#joined = false;
    this.#socket.disconnect();
  }

  #retryAfterServerDisconnect(): void {
    if (this.#closed || this.#suspended) return;
    this.#on.status('disconnected', `disconnected by the server; trying again in ${SERVER_DISCONNECT_RETRY_MS / 1000} s`);
    this.#cancelRetry();
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (!this.#closed && !this.#suspended && !this.#socket.connected) this.#socket.connect();
    }, SERVER_DISCONNECT_RETRY_MS);
  }

  #cancelRetry(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  #join(): void {
    if (this.#closed) return;
    this.#on.status('connecting');
    const socketId = this.#socket.id;
    if (socketId === undefined) return; // not connected: `connect` joins
    const { room, name, signer, adminKey, passcode, observer } = this.#options;
    const { major, minor } = this.#options.protocol ?? CURRENT_PROTOCOL;
    signJoinProof(signer, { room, socket: socketId, at: this.#now() + this.#clockOffset }).then(
      (proof) => {
        // Reconnected meanwhile: that connection's own `connect` signs for it.
        if (this.#closed || !this.#socket.connected || this.#socket.id !== socketId) return;
        const request: JoinRequest = { room, name, peer: signer.publicKey, adminKey, version: major, ...(minor === 0 ? {} : { minor }), ...(passcode ? { passcode } : {}), ...(observer ? { observer } : {}), proof };
        this.#send(request);
      },
      (error: unknown) => {
        const detail = `could not sign the join (${error instanceof Error ? error.message : String(error)})`;
        this.#on.status('disconnected', detail);
        this.#on.joinRefused('bad_join_proof', detail);
      },
    );
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #send(request: JoinRequest): void {
    const socketId = this.#socket.id;
    this.#socket.timeout(JOIN_TIMEOUT_MS).emit('join', request, (error, response) => {
      if (this.#closed || !this.#socket.connected || this.#socket.id !== socketId) return;
      if (error) {
        this.#join(); // no answer in time: ask again on the same connection (a fresh proof)
        return;
      }
      if (!response.ok) {
        if (response.reason === 'bad_join_proof' && response.serverTime !== undefined && !this.#resignedForClock) {
          // Refused for its time alone: this page's clock is off. Sign once more by the server's.
          this.#resignedForClock = true;
          this.#clockOffset = response.serverTime - this.#now();
          this.#join();
          return;
        }
        this.#on.status('disconnected', `join refused: ${response.reason} (${response.detail})`);
        this.#on.joinRefused(response.reason, response.detail);
        return;
      }
      this.#joined = true;
      this.#on.status('connected');
      this.#on.joined(response);
    });
  }
}
