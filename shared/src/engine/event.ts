import { canonicalJson, shortHash, utf8 } from './encoding.ts';

/** Wire protocol version. Peers refuse events of a major version they cannot read. */
export const PROTOCOL_VERSION = 1;

/** Largest canonical size of one event; keeps a batch of events well inside a data channel message. */
export const MAX_EVENT_BYTES = 16 * 1024;

export type Mode = 'client-server' | 'p2p' | 'hybrid';
export const MODES: readonly Mode[] = ['client-server', 'p2p', 'hybrid'];

/** What an author signs. The id of an event is the hash of these bytes plus the signature. */
export interface UnsignedEvent {
  readonly v: number;
  readonly room: string;
  /** Author's ed25519 public key, lowercase hex. */
  readonly author: string;
  /** Per-author sequence number, from 1, without gaps. */
  readonly seq: number;
  /** Lamport time: one more than the largest the author had seen. */
  readonly lamport: number;
  readonly kind: string;
  readonly body: unknown;
}

export interface SignedEvent extends UnsignedEvent {
  /** ed25519 signature of signingBytes(event), lowercase hex. */
  readonly sig: string;
}

export interface ChatBody {
  readonly text: string;
  readonly name: string;
}

export interface ModeBody {
  readonly mode: Mode;
  readonly epoch: number;
}

/**
 * A ledger transfer between named accounts (shared, like a family account used at two cash machines):
 * a strict operation, since it must never overdraw `from`.
 */
export interface TransferBody {
  readonly from: string;
  readonly to: string;
  readonly amount: number;
  readonly memo?: string;
}

/** The admin stops or restores the server's service of the room (an outage the class can cause and end). */
export interface ServiceBody {
  readonly running: boolean;
  /** Like a mode event's: the admin's sequence number. */
  readonly epoch: number;
}

/**
 * The admin splits the room's peer-to-peer links into groups (a partition the class can cause and
 * heal); `groups: null` heals it. Members named in no group belong to the first one.
 */
export interface PartitionBody {
  readonly groups: readonly (readonly string[])[] | null;
  readonly epoch: number;
}

/**
 * One fault rule of the teacher's: on the peer link between `a` and `b` (peer keys, `*` for any), each
 * side drops, delays, duplicates and holds back (reorders) that share of its outgoing messages.
 */
export interface FaultRule {
  readonly a: string;
  readonly b: string;
  /** Percent of messages lost. */
  readonly drop: number;
  readonly delayMs: number;
  /** Extra delay, uniform in [0, jitterMs). */
  readonly jitterMs: number;
  /** Percent of messages sent twice. */
  readonly duplicate: number;
  /** Percent of messages held back behind the next few on the same link. */
  readonly reorder: number;
}

/** The admin's fault rules for the room's peer links; an empty list clears them. */
export interface FaultsBody {
  readonly rules: readonly FaultRule[];
  readonly epoch: number;
}

/**
 * The admin's churn generator: every `periodMs` one member (chosen by a hash of the event and the slot)
 * leaves for `downMs`, then rejoins. Keys in `exempt` (the teacher's own tab) never leave.
 */
export interface ChurnBody {
  readonly on: boolean;
  readonly periodMs: number;
  readonly downMs: number;
  readonly exempt: readonly string[];
  readonly epoch: number;
}

/** The server's membership certificate: this key was admitted to the room (hybrid refuses data without one). */
export interface AdmitBody {
  readonly peer: string;
}

/** The authority's verdict on a transfer; its position in the one order is the stamp's own sequence number. */
export interface StampBody {
  readonly transfer: string;
  readonly ok: boolean;
  readonly reason?: string;
}

export function signingBytes(event: UnsignedEvent): Uint8Array {
  const { v, room, author, seq, lamport, kind, body } = event;
  return utf8(canonicalJson({ v, room, author, seq, lamport, kind, body }));
}

/**
 * Whether two events of the same (author, seq) say the same thing: far cheaper than hashing both, since
 * only the body needs canonical text (small for every kind).
 */
export function sameContent(a: UnsignedEvent, b: UnsignedEvent): boolean {
  return a.v === b.v && a.room === b.room && a.lamport === b.lamport && a.kind === b.kind && canonicalJson(a.body) === canonicalJson(b.body);
}

/**
 * Where an event object keeps its canonical text (an event is never changed once built, so its text holds):
 * a non-enumerable property under a symbol, so the text lives and dies with its event and is never copied
 * (spread, JSON, structured clone) nor compared (test equality). It was a WeakMap, whose every entry is an
 * ephemeron the garbage collector must iterate to a fixpoint inside its pause: with 50,000 events held,
 * about 100 ms of each major GC on a page's main thread (issue 11, cost with history).
 */
const CANONICAL_TEXT = Symbol('peerlab.canonicalText');

type WithText = SignedEvent & { readonly [CANONICAL_TEXT]?: string };

/**
 * An event's canonical JSON, the text its id hashes: serialised once per event object, then reused for the
 * decoder's size check, the id, the store's size and the batches the event travels in.
 */
export function eventText(event: SignedEvent): string {
  const held = (event as WithText)[CANONICAL_TEXT];
  if (held !== undefined) return held;
  const text = hasEventFieldsOnly(event) ? canonicalEventFields(event) : canonicalJson(event);
  if (Object.isExtensible(event)) Object.defineProperty(event, CANONICAL_TEXT, { value: text });
  return text;
}

export function eventId(event: SignedEvent): string {
  return shortHash(utf8(eventText(event)));
}

/**
 * The bytes an event's signature covers, the same as `signingBytes(event)`: cut from its canonical text
 * (the signed fields are the event's fields without `sig`, in the same sorted order), so verifying an
 * incoming event serialises it no second time.
 */
export function signedBytesOf(event: SignedEvent): Uint8Array {
  if (!hasEventFieldsOnly(event)) return signingBytes(event);
  const text = eventText(event);
  const tail = `,"v":${canonicalJson(event.v)}}`;
  const signature = `,"sig":${JSON.stringify(event.sig)}`;
  if (!text.endsWith(signature + tail)) return signingBytes(event);
  return utf8(text.slice(0, text.length - signature.length - tail.length) + tail);
}

const EVENT_FIELDS = 8;

/** The eight fields of a signed event and nothing else (what the decoder lets through). */
function hasEventFieldsOnly(event: SignedEvent): boolean {
  return (
    Object.keys(event).length === EVENT_FIELDS &&
    event.v !== undefined && event.room !== undefined && event.author !== undefined && event.seq !== undefined &&
    event.lamport !== undefined && event.kind !== undefined && event.body !== undefined && event.sig !== undefined
  );
}

/** canonicalJson(event) for an event of exactly its eight fields: their keys written in sorted order. */
function canonicalEventFields(event: SignedEvent): string {
  const { author, body, kind, lamport, room, seq, sig, v } = event;
  return `{"author":${canonicalJson(author)},"body":${canonicalJson(body)},"kind":${canonicalJson(kind)},"lamport":${canonicalJson(lamport)},"room":${canonicalJson(room)},"seq":${canonicalJson(seq)},"sig":${canonicalJson(sig)},"v":${canonicalJson(v)}}`;
}

/**
 * How the mode policy routes an event:
 * - `control`: signed by the room's admin (mode, service) or its server (stamps, admissions); travels
 *   everywhere, always;
 * - `strict`: operations the authority must serialize (ledger transfers), sent to it where it orders;
 * - `data`: everything else (chat, unknown kinds), which the mode routes by its data plane.
 */
export type EventClass = 'control' | 'strict' | 'data';

/** The kinds of the `control` class. */
export const CONTROL_KINDS: readonly string[] = ['mode', 'service', 'partition', 'stamp', 'admit', 'faults', 'churn'];
const CONTROL = new Set(CONTROL_KINDS);

export function eventClass(kind: string): EventClass {
  if (CONTROL.has(kind)) return 'control';
  if (kind === 'transfer') return 'strict';
  return 'data';
}

export function isControlKind(kind: string): boolean {
  return eventClass(kind) === 'control';
}
