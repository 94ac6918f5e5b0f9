/**
 * The Socket.IO boundary between browser peers and the signaling server: one typed event map for both
 * ends (`Server<ClientToServerEvents, ServerToClientEvents>` / `Socket<ServerToClientEvents, ...>`), and
 * one decoder for what a client sends. Engine messages ride inside as opaque text, decoded by the engine.
 */
import { z } from 'zod';
import { canonicalJson, utf8 } from '../engine/encoding.ts';
import { MAX_MESSAGE_BYTES } from '../engine/messages.ts';
import { MODES, type Mode } from '../engine/event.ts';
import { accept, reject, type Result } from '../engine/rejections.ts';
import type { HeldReport, TelemetryReport } from '../engine/telemetry.ts';
import type { JoinProof } from './joinProof.ts';
import type { ServerRefusal, ServerRefusalReason } from './refusals.ts';

export interface Member {
  /** The peer's public key, hex. */
  readonly peer: string;
  readonly name: string;
  /** The major of the protocol version the peer's engine speaks (version.ts). */
  readonly version: number;
  /** Its minor; absent for 1.0 (and for pages from before negotiation). */
  readonly minor?: number;
  /** A dashboard (the presenter): it watches and gossips but writes nothing; churn never picks it. */
  readonly observer?: boolean;
}

export interface JoinRequest {
  readonly room: string;
  readonly name: string;
  readonly peer: string;
  /** The admin key this browser would hold if it creates the room; ignored for an existing room. */
  readonly adminKey: string;
  /**
   * The major of the engine's protocol version, and its minor (absent: 0). Listed with the member; the join
   * itself does not depend on it (signaling, relay and presence are the same for every version): the
   * engine links refuse another major's hello.
   */
  readonly version: number;
  readonly minor?: number;
  /** Sets the room's passcode when this join creates it; must match it otherwise (if the room has one). */
  readonly passcode?: string;
  /** Joins as an observer (see Member.observer). */
  readonly observer?: boolean;
  /** That the joiner holds `peer`'s secret key, on this connection, now (joinProof.ts). Required. */
  readonly proof: JoinProof;
}

export type JoinResponse =
  | {
      readonly ok: true;
      readonly admin: string;
      /** The server node's key: the identity behind the `server` link. */
      readonly server: string;
      readonly mode: Mode;
      readonly epoch: number;
      /** How many times the admin reset the room: the engine's room id names it (see roomGeneration.ts). */
      readonly generation: number;
      readonly members: readonly Member[];
      /** True when this join created the room. */
      readonly created: boolean;
      /** How many new identities one address may bring into the room now (the `admission` event follows changes). */
      readonly admission: Admission;
    }
  | {
      readonly ok: false;
      readonly reason: ServerRefusalReason;
      readonly detail: string;
      /**
       * A `bad_join_proof` for the proof's time: the server's clock (ms since the epoch) when it judged, so a
       * page whose clock is off can sign again by the server's (the signature still has to be the key's).
       */
      readonly serverTime?: number;
    };

export interface Addressed {
  /** Recipient peer key. */
  readonly to: string;
  readonly data: string;
  /**
   * Relay only: the sender has no direct link to anyone, so it reaches the room through the relay alone
   * and the recipient keeps their relayed pair while it says so (absent: the sender is on the mesh).
   */
  readonly alone?: true;
}

export interface FromPeer {
  /** Sender peer key. */
  readonly from: string;
  readonly data: string;
  /** Relay only: as `Addressed.alone`, passed on by the server. */
  readonly alone?: true;
}

/**
 * The server's door for new identities (client-server and hybrid: it admits every member): at most
 * `perMinute` keys new to the room from one network address a minute, the room admin's setting; `refused`
 * joins beyond it and `admitted` new keys so far, since the room was loaded.
 */
export interface Admission {
  readonly perMinute: number;
  readonly admitted: number;
  readonly refused: number;
}

/**
 * The admin's new identity budget (the `admission` socket event): 0 closes the room to new keys. Signed
 * by the room admin key (a page's socket proves its own peer key, not the admin's), and dated: the server
 * applies only a request newer than the last it applied, so a replayed one changes nothing.
 */
export interface AdmissionRequest {
  readonly perMinute: number;
  /** When the admin asked (ms since the epoch, the page's clock). */
  readonly at: number;
  /** The room admin key's ed25519 signature of `admissionSigningBytes(room, perMinute, at)`, hex. */
  readonly sig: string;
}

/** What the admin signs to set a room's new identity budget. */
export function admissionSigningBytes(room: string, perMinute: number, at: number): Uint8Array {
  return utf8(canonicalJson({ t: 'admission', room, perMinute, at }));
}

/** The budget of a room whose admin set none: no honest use reaches it (a lab of 16 in a tab, a class behind one NAT). */
export const DEFAULT_IDENTITIES_PER_MINUTE = 60;

/** The highest budget the admin may set: far above a class behind one NAT, still a bound. */
export const MAX_IDENTITIES_PER_MINUTE = 10_000;

export interface ClientToServerEvents {
  join: (request: JoinRequest, ack: (response: JoinResponse) => void) => void;
  /** An engine message for the server's node. */
  peer: (data: string) => void;
  /** WebRTC signaling (offer/answer/candidate as JSON text) for another member. */
  signal: (message: Addressed) => void;
  /** An engine message for another member, carried by the server when no direct link exists. */
  relay: (message: Addressed) => void;
  /** Admin: empty the room and start its next generation (signed with the room admin key). */
  reset: (request: ResetRequest) => void;
  /**
   * This peer's telemetry report, for the server's central view (decoded with `decodeReport`). The server
   * acknowledges each one, taken or refused: a page keeps one in flight, so a backed-up socket does not
   * deliver a burst of stale reports.
   */
  report: (report: TelemetryReport, ack?: () => void) => void;
  /** Admin (the socket that proved the room's admin key): set how many new identities one address may bring a minute. */
  admission: (request: AdmissionRequest) => void;
}

export interface ServerToClientEvents {
  peer: (data: string) => void;
  members: (members: readonly Member[]) => void;
  signal: (message: FromPeer) => void;
  relay: (message: FromPeer) => void;
  /** The server refused something this client sent; it keeps the connection. */
  refused: (refusal: ServerRefusal) => void;
  /** The admin reset the room: drop what is held for it and rejoin as `generation`. */
  reset: (notice: RoomReset) => void;
  /** The room's admission budget and counts: after the admin sets it, and at most once a second while joins are refused. */
  admission: (admission: Admission) => void;
}

export interface ResetRequest {
  /** The generation the admin ends: a signature is good for one reset only. */
  readonly generation: number;
  /** The room admin key's ed25519 signature of `resetSigningBytes(room, generation)`, hex. */
  readonly sig: string;
}

export interface RoomReset {
  readonly generation: number;
}

export const ROOM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const hexKey = z.string().regex(/^[0-9a-f]{64}$/);

const joinSchema = z
  .object({
    room: z.string().regex(ROOM_PATTERN),
    name: z.string().max(64),
    peer: hexKey,
    adminKey: hexKey,
    version: z.number().int().min(1).max(999),
    minor: z.number().int().min(0).max(999).optional(),
    passcode: z.string().min(1).max(64).optional(),
    observer: z.boolean().optional(),
    // Checked on its own below, so that a missing or malformed proof is refused as one.
    proof: z.unknown().optional(),
  })
  .strict();

const proofSchema = z.object({ at: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), sig: z.string().regex(/^[0-9a-f]{128}$/) }).strict();

/** A decoded join, or why not: `schema` for its fields, `bad_join_proof` when its proof is missing or malformed. */
export type JoinDecoded =
  | { readonly ok: true; readonly value: JoinRequest }
  | { readonly ok: false; readonly reason: Extract<ServerRefusalReason, 'schema' | 'bad_join_proof'>; readonly detail: string };

const addressedSchema = z.object({ to: hexKey, data: z.string().max(MAX_MESSAGE_BYTES), alone: z.literal(true).optional() }).strict();

/** The shape of a join, its proof's included; whether the proof holds is the server's check (it needs the connection id and a clock). */
export function decodeJoin(raw: unknown): JoinDecoded {
  const parsed = joinSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'schema', detail: `join: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  const proof = proofSchema.safeParse(parsed.data.proof);
  if (!proof.success) {
    const detail = parsed.data.proof === undefined ? 'a join must prove its key: proof { at, sig } missing' : `join proof: ${proof.error.issues[0]?.message ?? 'invalid'}`;
    return { ok: false, reason: 'bad_join_proof', detail };
  }
  return { ok: true, value: { ...parsed.data, proof: proof.data } };
}

export function decodeAddressed(raw: unknown, maxBytes: number): Result<Addressed> {
  if (typeof raw === 'object' && raw !== null && typeof (raw as { data?: unknown }).data === 'string' && (raw as { data: string }).data.length > maxBytes) {
    return reject('oversized', `payload over ${maxBytes} bytes`);
  }
  const parsed = addressedSchema.safeParse(raw);
  return parsed.success ? accept(parsed.data) : reject('schema', `addressed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
}

const resetSchema = z.object({ generation: z.number().int().min(0).max(2 ** 31), sig: z.string().regex(/^[0-9a-f]{128}$/) }).strict();

export function decodeReset(raw: unknown): Result<ResetRequest> {
  const parsed = resetSchema.safeParse(raw);
  return parsed.success ? accept(parsed.data) : reject('schema', `reset: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
}

const admissionSchema = z
  .object({ perMinute: z.number().int().min(0).max(MAX_IDENTITIES_PER_MINUTE), at: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), sig: z.string().regex(/^[0-9a-f]{128}$/) })
  .strict();

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** The server's `admission` state (the event, a join's answer, the room's info), as a client reads it. */
export const admissionStateSchema = z.object({ perMinute: count, admitted: count, refused: count });

export function decodeAdmissionState(raw: unknown): Result<Admission> {
  const parsed = admissionStateSchema.safeParse(raw);
  return parsed.success ? accept(parsed.data) : reject('schema', `admission state: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
}

export function decodeAdmission(raw: unknown): Result<AdmissionRequest> {
  const parsed = admissionSchema.safeParse(raw);
  return parsed.success ? accept(parsed.data) : reject('schema', `admission: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
}

export function isMode(value: unknown): value is Mode {
  return typeof value === 'string' && (MODES as readonly string[]).includes(value);
}

/** The server's public view of a room, `GET /api/rooms/:room` (the presenter and the tests read it). */
export interface RoomInfo {
  readonly room: string;
  readonly mode: Mode;
  readonly epoch: number;
  /** How many times the admin reset the room. */
  readonly generation: number;
  readonly admin: string;
  readonly server: string;
  readonly members: readonly Member[];
  readonly eventCount: number;
  readonly digest: string;
  readonly lastOrder: number;
  /** Events the server accepted, per mode they were accepted in, per kind. */
  readonly accepted: Readonly<Record<Mode, Readonly<Record<string, number>>>>;
  /** The process whose authority holds the room (its id in /healthz). */
  readonly owner: string;
  readonly admission: Admission;
}

/** The server's central telemetry of a room, `GET /api/rooms/:room/telemetry?since=MS` (the presenter polls it). */
export interface RoomTelemetry {
  readonly room: string;
  /** The server's clock when it answered: `receivedAt` times are on the same clock. */
  readonly now: number;
  /** The newest report of each peer that reported. */
  readonly latest: readonly HeldReport[];
  /** Reports received after `since` (oldest first), from a short history. */
  readonly history: readonly HeldReport[];
}
