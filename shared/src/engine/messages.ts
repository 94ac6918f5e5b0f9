/**
 * The wire protocol: one union of messages and the one decoder that turns untrusted text from a link
 * (WebRTC data channel, Socket.IO, in-memory) into a typed message or a typed rejection. Nothing else
 * parses wire data. Signatures are checked later (asynchronously, once per event or new report) by the node.
 *
 * The decoder reads as the version the node speaks (version.ts): events of its major only, bodies of the
 * kinds it understands (other kinds are kept and forwarded as they are), message forms of its features
 * only. A hello's major is read before its shape, and a hello's unknown fields are ignored, so any later
 * version's hello is either read or refused as `unsupported_version`, never as `schema`.
 */
import { z } from 'zod';
import { MAX_EVENT_BYTES, MODES, type SignedEvent } from './event.ts';
import { accept, reject, type Rejection, type Result } from './rejections.ts';
import { canonicalJson } from './encoding.ts';
import type { RouteMessage } from './signalRouter.ts';
import { BOARD_SIZE, PIXEL_COLORS } from './pixel.ts';
import { MAX_ENGINE_ROOM_CHARS } from './roomGeneration.ts';
import { isVersionedReport, telemetryReportSchema, type TelemetryReport } from './telemetry.ts';
import { CURRENT_PROTOCOL, formatVersion, hasFeature, incompatible, understands, type ProtocolVersion } from './version.ts';

/** Largest message a link may carry: Chromium's data channel limit is 256 KiB. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** For each author, the highest sequence number held without a gap before it. */
export type VersionVector = Record<string, number>;

export interface Ack {
  readonly author: string;
  readonly seq: number;
  /** The authority's position of this event in the room's one total order. */
  readonly order: number;
}

export type WireMessage =
  /**
   * The first message on every link. `v`: the major; `minor` and `features` (since 1.1; version.ts): absent,
   * the sender is 1.0 with no features.
   */
  | { readonly t: 'hello'; readonly v: number; readonly minor?: number; readonly features?: readonly string[]; readonly room: string; readonly peer: string; readonly vv: VersionVector }
  | { readonly t: 'vv'; readonly vv: VersionVector; readonly reply: boolean }
  | { readonly t: 'events'; readonly events: readonly SignedEvent[] }
  | { readonly t: 'ack'; readonly acks: readonly Ack[] }
  /** Heartbeat on an otherwise quiet direct link. */
  | { readonly t: 'ping' }
  /** Peer exchange: some members the sender knows, so the overlay can grow without the server. */
  | { readonly t: 'peers'; readonly peers: readonly string[] }
  /**
   * A telemetry report, flooded peer to peer (dedup by origin and seq) where the mode carries data.
   * `sig`: the origin's signature of reportSigningBytes(room, report), lowercase hex.
   */
  | { readonly t: 'report'; readonly report: TelemetryReport; readonly sig: string }
  | RouteMessage;

/** Largest WebRTC signal (SDP or ICE candidate, as JSON text) carried by the server or the mesh. */
export const MAX_SIGNAL_BYTES = 64 * 1024;
/** Most members named in one peer-exchange message. */
export const MAX_EXCHANGED_PEERS = 64;

const hexKey = z.string().regex(/^[0-9a-f]{64}$/);
const hexSig = z.string().regex(/^[0-9a-f]{128}$/);
const seqNumber = z.number().int().min(1).max(2 ** 31);
const accountName = z.string().regex(/^[a-z0-9_-]{1,24}$/);
/** Caps how many authors one summary may name, so a summary cannot be used to exhaust memory. */
const MAX_AUTHORS = 100_000;
const versionVector = z.record(hexKey, z.number().int().min(0).max(2 ** 31)).refine(
  (vv) => Object.keys(vv).length <= MAX_AUTHORS,
  'too many authors',
);

/** Most fault rules one event may carry: one per pair of a classroom's worth of links is plenty. */
export const MAX_FAULT_RULES = 64;
const percent = z.number().int().min(0).max(100);
const faultRule = z
  .object({ a: z.union([hexKey, z.literal('*')]), b: z.union([hexKey, z.literal('*')]), drop: percent, delayMs: z.number().int().min(0).max(10_000), jitterMs: z.number().int().min(0).max(10_000), duplicate: percent, reorder: percent })
  .strict();

const eventShape = z
  .object({
    v: z.number().int().min(1),
    room: z.string().min(1).max(MAX_ENGINE_ROOM_CHARS),
    author: hexKey,
    seq: seqNumber,
    lamport: z.number().int().min(0).max(2 ** 48),
    kind: z.string().regex(/^[a-z][a-z0-9_.-]{0,31}$/),
    body: z.unknown(),
    sig: hexSig,
  })
  .strict();

/** Most features one hello may name. */
export const MAX_HELLO_FEATURES = 32;

/**
 * Bodies of the kinds this build understands; a node speaking an older minor checks only the kinds of its
 * version (version.ts). Unknown kinds are kept and forwarded as they are.
 */
const bodySchemas: Record<string, z.ZodType> = {
  chat: z.object({ text: z.string().min(1).max(2000), name: z.string().max(64) }).strict(),
  mode: z.object({ mode: z.enum(MODES as [string, ...string[]]), epoch: seqNumber }).strict(),
  service: z.object({ running: z.boolean(), epoch: seqNumber }).strict(),
  admit: z.object({ peer: hexKey }).strict(),
  partition: z.object({ groups: z.array(z.array(hexKey).max(1000)).min(2).max(8).nullable(), epoch: seqNumber }).strict(),
  faults: z.object({ rules: z.array(faultRule).max(MAX_FAULT_RULES), epoch: seqNumber }).strict(),
  churn: z
    .object({ on: z.boolean(), periodMs: z.number().int().min(1000).max(600_000), downMs: z.number().int().min(100).max(600_000), exempt: z.array(hexKey).max(16), epoch: seqNumber })
    .strict()
    .refine((body) => body.downMs < body.periodMs, 'downMs must be shorter than periodMs'),
  transfer: z.object({ from: accountName, to: accountName, amount: z.number().int().min(1).max(1_000_000), memo: z.string().max(100).optional() }).strict(),
  pixel: z.object({ x: z.number().int().min(0).max(BOARD_SIZE - 1), y: z.number().int().min(0).max(BOARD_SIZE - 1), color: z.enum(PIXEL_COLORS), over: z.string().regex(/^[0-9a-f]{32}$/).optional() }).strict(),
  stamp: z.object({ transfer: z.string().regex(/^[0-9a-f]{32}$/), ok: z.boolean(), reason: z.string().max(120).optional() }).strict(),
};

const messageShape = z.discriminatedUnion('t', [
  // Not strict: a later minor may add hello fields, and the hello is the one message every version must read.
  z.object({
    t: z.literal('hello'),
    v: z.number().int().min(1),
    minor: z.number().int().min(0).max(999).optional(),
    features: z.array(z.string().regex(/^[a-z][a-z0-9.-]{0,31}$/)).max(MAX_HELLO_FEATURES).optional(),
    room: z.string().min(1).max(MAX_ENGINE_ROOM_CHARS),
    peer: hexKey,
    vv: versionVector,
  }),
  z.object({ t: z.literal('vv'), vv: versionVector, reply: z.boolean() }).strict(),
  z.object({ t: z.literal('events'), events: z.array(z.unknown()).max(10_000) }).strict(),
  z.object({ t: z.literal('ping') }).strict(),
  z.object({ t: z.literal('peers'), peers: z.array(hexKey).max(MAX_EXCHANGED_PEERS) }).strict(),
  z.object({ t: z.literal('route'), id: z.string().min(1).max(40), from: hexKey, to: hexKey, ttl: z.number().int().min(0).max(16), data: z.string().max(MAX_SIGNAL_BYTES) }).strict(),
  z.object({ t: z.literal('report'), report: telemetryReportSchema, sig: hexSig }).strict(),
  z.object({ t: z.literal('ack'), acks: z.array(z.object({ author: hexKey, seq: seqNumber, order: z.number().int().min(0) }).strict()).max(10_000) }).strict(),
]);

/** A decoded message. For `events`, the events that failed validation are reported beside the valid ones. */
export interface Decoded {
  readonly message: WireMessage;
  readonly rejectedEvents: readonly Rejection[];
}

function describe(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid';
}

/** An event as a node speaking `local` reads it (this build's newest version by default). */
export function decodeEvent(raw: unknown, local: ProtocolVersion = CURRENT_PROTOCOL): Result<SignedEvent> {
  const shape = eventShape.safeParse(raw);
  if (!shape.success) return reject('schema', `event ${describe(shape.error)}`);
  const event = shape.data as SignedEvent;
  if (event.v !== local.major) return reject('unsupported_version', `event of protocol ${event.v}, this node ${formatVersion(local)}`);
  const bodySchema = understands(local, event.kind) ? bodySchemas[event.kind] : undefined;
  if (bodySchema) {
    const body = bodySchema.safeParse(event.body);
    if (!body.success) return reject('schema', `${event.kind} body ${describe(body.error)}`);
  }
  if (canonicalJson(event).length > MAX_EVENT_BYTES) return reject('oversized', `event over ${MAX_EVENT_BYTES} bytes`);
  return accept(event);
}

/** The major (and minor) a hello claims, read before its shape: undefined for anything else. */
function helloVersion(parsed: unknown): { major: number; minor?: number } | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { t, v, minor } = parsed as { t?: unknown; v?: unknown; minor?: unknown };
  if (t !== 'hello' || typeof v !== 'number' || !Number.isInteger(v) || v < 1) return undefined;
  return typeof minor === 'number' && Number.isInteger(minor) && minor >= 0 ? { major: v, minor } : { major: v };
}

/** A message as a node speaking `local` reads it (this build's newest version by default). */
export function decodeMessage(raw: unknown, maxBytes = MAX_MESSAGE_BYTES, local: ProtocolVersion = CURRENT_PROTOCOL): Result<Decoded> {
  if (typeof raw !== 'string') return reject('malformed', `expected text, got ${typeof raw}`);
  if (raw.length > maxBytes) return reject('oversized', `message of ${raw.length} bytes over ${maxBytes}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return reject('malformed', 'not JSON');
  }
  // Another major's hello may not even have this major's shape: its version decides first.
  const hello = helloVersion(parsed);
  if (hello && hello.major !== local.major) return incompatible(local, hello);
  const shape = messageShape.safeParse(parsed);
  if (!shape.success) return reject('schema', describe(shape.error));
  const message = shape.data;
  if (message.t === 'report' && !hasFeature(local, 'versioned-report') && isVersionedReport(message.report as TelemetryReport)) {
    return reject('schema', `report fields of a newer version, unknown to ${formatVersion(local)}`);
  }
  if (message.t !== 'events') return accept({ message: message as WireMessage, rejectedEvents: [] });
  const events: SignedEvent[] = [];
  const rejectedEvents: Rejection[] = [];
  for (const raw of message.events) {
    const decoded = decodeEvent(raw, local);
    if (decoded.ok) events.push(decoded.value);
    else rejectedEvents.push(decoded);
  }
  return accept({ message: { t: 'events', events }, rejectedEvents });
}

export function encodeMessage(message: WireMessage): string {
  return message.t === 'events' ? encodeEvents(message.events) : JSON.stringify(message);
}

/** Each event's JSON, written once however many links and batches carry it (events are immutable). */
const eventJson = new WeakMap<SignedEvent, string>();

/** An `events` message, exactly as `JSON.stringify` writes it, from each event's JSON written once. */
export function encodeEvents(events: readonly SignedEvent[]): string {
  let text = '{"t":"events","events":[';
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    let json = eventJson.get(event);
    if (json === undefined) {
      json = JSON.stringify(event);
      eventJson.set(event, json);
    }
    text += i === 0 ? json : `,${json}`;
  }
  return `${text}]}`;
}
