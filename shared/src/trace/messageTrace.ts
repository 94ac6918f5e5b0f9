/**
 * A per-message trace: one record for each engine message a peer sends or receives, and a mark each time
 * events enter its state. Records are built from what the engine already produced (the `send` output's
 * message and event ids, the `received` output's decoded message), so nothing is parsed twice. The trace is
 * a bounded ring; listeners get each record as it is made, with the wire text for exact send/receive matching.
 */
import type { LinkKind } from '../engine/mode.ts';
import type { VersionVector, WireMessage } from '../engine/messages.ts';

/** Records kept per trace. Larger shows more history; each record is a small object (no wire text). */
export const DEFAULT_TRACE_CAPACITY = 2_000;

/** The remote end of a message on the server link. */
export const SERVER_END = 'server';

export type TraceDirection = 'send' | 'recv' | 'held';

export interface TraceRecord {
  /** Position in the tab's one trace order (peers of one tab share the counter). */
  readonly seq: number;
  /** Host wall-clock time of the record, ms. */
  readonly at: number;
  readonly dir: TraceDirection;
  /** The peer that recorded it. */
  readonly peer: string;
  /** The other end: a peer key, or `server`; empty for `held`. */
  readonly remote: string;
  readonly kind: LinkKind | 'local';
  /** Wire type, or `held` for events entering this peer's state. */
  readonly t: WireMessage['t'] | 'held';
  readonly bytes: number;
  readonly eventIds?: readonly string[];
  /** The version vector a `hello` or `vv` carried, and whether a `vv` asked for one in reply. */
  readonly vv?: VersionVector;
  readonly reply?: boolean;
  /** The received record whose handling produced this one (answers name their question). */
  readonly cause?: number;
}

/** What a listener gets: the record and, for `send`/`recv`, the exact wire text (not kept by the ring). */
export type TraceListener = (record: TraceRecord, data: string | undefined) => void;

/** Hands out the tab-wide record numbers. */
export class TraceSequence {
  #last = 0;
  next(): number {
    return ++this.#last;
  }
}

/** The fields of a message a trace keeps. */
export function describeMessage(message: WireMessage): Pick<TraceRecord, 't' | 'vv' | 'reply'> {
  if (message.t === 'vv') return { t: 'vv', vv: message.vv, reply: message.reply };
  if (message.t === 'hello') return { t: 'hello', vv: message.vv };
  return { t: message.t };
}

export class MessageTrace {
  readonly #capacity: number;
  readonly #sequence: TraceSequence;
  readonly #ring: TraceRecord[] = [];
  /** Index of the oldest record once the ring is full. */
  #start = 0;
  readonly #listeners = new Set<TraceListener>();

  constructor(sequence: TraceSequence = new TraceSequence(), capacity = DEFAULT_TRACE_CAPACITY) {
    if (capacity < 1) throw new Error('trace capacity must be at least 1');
    this.#sequence = sequence;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#ring.length;
  }

  record(fields: Omit<TraceRecord, 'seq'>, data?: string): TraceRecord {
    const record: TraceRecord = { seq: this.#sequence.next(), ...fields };
    if (this.#ring.length < this.#capacity) this.#ring.push(record);
    else {
      this.#ring[this.#start] = record;
      this.#start = (this.#start + 1) % this.#capacity;
    }
    for (const listener of this.#listeners) listener(record, data);
    return record;
  }

  /** The kept records, oldest first. */
  records(): TraceRecord[] {
    return [...this.#ring.slice(this.#start), ...this.#ring.slice(0, this.#start)];
  }

  subscribe(listener: TraceListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
