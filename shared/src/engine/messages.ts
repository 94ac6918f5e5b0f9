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
import { eventText, MAX_EVENT_BYTES, MODES, type SignedEvent } from './event.ts';
import { accept, reject, type Rejection, type Result } from './rejections.ts';
import type { RouteMessage } from './signalRouter.ts';
import { BOARD_SIZE, PIXEL_COLORS } from './pixel.ts';
import { MAX_ENGINE_ROOM_CHARS } from './roomGeneration.ts';
import { isVersionedReport, MAX_REPORT_ORIGINS, telemetryReportSchema, type TelemetryReport } from './telemetry.ts';
import { CURRENT_PROTOCOL, formatVersion, hasFeature, incompatible, understands, type Feature, type ProtocolVersion } from './version.ts';

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
  /** `pull` (feature `hello-pull`): the answer to a hello, asking for all it lacks, even events still spreading. */
  | { readonly t: 'vv'; readonly vv: VersionVector; readonly reply: boolean; readonly pull?: true }
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
  | { readonly t: 'report'; readonly report: TelemetryReport; readonly sig: string; readonly age?: number }
  /**
   * Since 1.2 (feature `report-announce`): the sender holds these reports (origin, seq); a neighbour that
   * lacks one asks for it. `age` on a `report` (1.2 only): ms the sender had held it, so the receiver's
   * receipt time stays close to the origin's report time.
   */
  | { readonly t: 'rhave'; readonly reports: readonly (readonly [string, number])[] }
  /** Since 1.2: send me your newest report of each of these origins. */
  | { readonly t: 'rwant'; readonly origins: readonly string[] }
  /** Push tree (feature `push-tree`, 1.2; pushTree.ts): stop pushing event bodies to the sender, announce instead. */
  | { readonly t: 'prune' }
  /** Push tree: ids of the events that entered the sender's store lately (over a lazy link). */
  | { readonly t: 'have'; readonly ids: readonly string[] }
  /** Push tree: push bodies to the sender again, starting with these events it heard of and lacks. */
  | { readonly t: 'graft'; readonly ids: readonly string[] }
  | RouteMessage;

/** Largest WebRTC signal (SDP or ICE candidate, as JSON text) carried by the server or the mesh. */
export const MAX_SIGNAL_BYTES = 64 * 1024;
/** Most members named in one peer-exchange message. */
export const MAX_EXCHANGED_PEERS = 64;
/** Most reports one `rhave` or `rwant` names: a report book holds no more origins (telemetry.ts). */
export const MAX_ANNOUNCED_REPORTS = MAX_REPORT_ORIGINS;
/** Largest `age` a report may claim to have been held (a forwarder holds one for milliseconds). */
export const MAX_REPORT_AGE_MS = 60_000;

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

/** An event id (eventId: 32 lowercase hex). */
const eventIdText = z.string().regex(/^[0-9a-f]{32}$/);
/** Most ids one `have` or `graft` may name: a few seconds of a busy room's events. */
export const MAX_ANNOUNCED_IDS = 10_000;

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
  z.object({ t: z.literal('vv'), vv: versionVector, reply: z.boolean(), pull: z.literal(true).optional() }).strict(),
  z.object({ t: z.literal('events'), events: z.array(z.unknown()).max(10_000) }).strict(),
  z.object({ t: z.literal('ping') }).strict(),
  z.object({ t: z.literal('peers'), peers: z.array(hexKey).max(MAX_EXCHANGED_PEERS) }).strict(),
  z.object({ t: z.literal('route'), id: z.string().min(1).max(40), from: hexKey, to: hexKey, ttl: z.number().int().min(0).max(16), data: z.string().max(MAX_SIGNAL_BYTES) }).strict(),
  z.object({ t: z.literal('report'), report: telemetryReportSchema, sig: hexSig, age: z.number().int().min(0).max(MAX_REPORT_AGE_MS).optional() }).strict(),
  z.object({ t: z.literal('rhave'), reports: z.array(z.tuple([hexKey, z.number().int().min(1).max(Number.MAX_SAFE_INTEGER)])).min(1).max(MAX_ANNOUNCED_REPORTS) }).strict(),
  z.object({ t: z.literal('rwant'), origins: z.array(hexKey).min(1).max(MAX_ANNOUNCED_REPORTS) }).strict(),
  z.object({ t: z.literal('ack'), acks: z.array(z.object({ author: hexKey, seq: seqNumber, order: z.number().int().min(0) }).strict()).max(10_000) }).strict(),
  z.object({ t: z.literal('prune') }).strict(),
  z.object({ t: z.literal('have'), ids: z.array(eventIdText).max(MAX_ANNOUNCED_IDS) }).strict(),
  z.object({ t: z.literal('graft'), ids: z.array(eventIdText).max(MAX_ANNOUNCED_IDS) }).strict(),
]);

/** Message forms behind a feature: a node without it refuses them, as it never named the feature. */
const FEATURE_OF: Partial<Record<WireMessage['t'], Feature>> = { rhave: 'report-announce', rwant: 'report-announce', prune: 'push-tree', have: 'push-tree', graft: 'push-tree' };

/**
 * A decoded message. For `events`, the events that failed validation are reported beside the valid ones,
 * and the ids of those the receiver already holds (see `HeldEvent`) instead of them: those were not validated.
 */
export interface Decoded {
  readonly message: WireMessage;
  readonly rejectedEvents: readonly Rejection[];
  readonly heldIds: readonly string[];
}

/**
 * The receiver's own check of a raw event, before any validation: the id of the very event it already
 * holds (or is verifying), else undefined. The common duplicate then costs a lookup, not a validation.
 */
export type HeldEvent = (raw: unknown) => string | undefined;

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
  // The canonical text is kept with the event: its id, size and batches reuse it (eventText).
  if (eventText(event).length > MAX_EVENT_BYTES) return reject('oversized', `event over ${MAX_EVENT_BYTES} bytes`);
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
export function decodeMessage(raw: unknown, maxBytes = MAX_MESSAGE_BYTES, local: ProtocolVersion = CURRENT_PROTOCOL, held?: HeldEvent): Result<Decoded> {
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
  if (message.t === 'report' && message.age !== undefined && !hasFeature(local, 'report-announce')) {
    return reject('schema', `report age: a message form of a newer version, unknown to ${formatVersion(local)}`);
  }
  const feature = FEATURE_OF[message.t];
  if (feature !== undefined && !hasFeature(local, feature)) return reject('schema', `${message.t} is a ${feature} message, unknown to ${formatVersion(local)}`);
  if (message.t !== 'events') return accept({ message: message as WireMessage, rejectedEvents: [], heldIds: [] });
  const events: SignedEvent[] = [];
  const rejectedEvents: Rejection[] = [];
  const heldIds: string[] = [];
  for (const raw of message.events) {
    const id = held?.(raw);
    if (id !== undefined) {
      heldIds.push(id);
      continue;
    }
    const decoded = decodeEvent(raw, local);
    if (decoded.ok) events.push(decoded.value);
    else rejectedEvents.push(decoded);
  }
  return accept({ message: { t: 'events', events }, rejectedEvents, heldIds });
}

export function encodeMessage(message: WireMessage): string {
  return message.t === 'events' ? encodeEvents(message.events) : JSON.stringify(message);
}

/** An `events` message from each event's canonical text (eventText), made once however many links and batches carry it. */
export function encodeEvents(events: readonly SignedEvent[]): string {
  return `{"t":"events","events":[${events.map(eventText).join(',')}]}`;
}
