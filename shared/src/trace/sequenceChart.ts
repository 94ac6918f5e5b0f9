/**
 * Joins trace records into the arrows of a message-sequence chart. A send between two peers traced in
 * the same tab is matched with its receive exactly, without any id on the wire: the receiver's record
 * comes with the same wire text, so the first pending send from that sender to that receiver with equal
 * text (FIFO) is the one that arrived. Messages with one end outside the tab (the server, a peer in
 * another tab) become arrows with that end only; a local view (one peer) is all such arrows.
 */
import type { LinkKind } from '../engine/mode.ts';
import type { VersionVector, WireMessage } from '../engine/messages.ts';
import type { TraceRecord } from './messageTrace.ts';

/** Arrows kept. Larger keeps more history for pause and step; each is a small object. */
export const DEFAULT_CHART_CAPACITY = 4_000;
/** Unmatched sends remembered per (sender, receiver): beyond it the oldest counts as lost. */
const MAX_PENDING_PER_PAIR = 256;

export interface Arrow {
  /** The seq of its first known end: arrows are ordered by it. */
  readonly id: number;
  readonly t: WireMessage['t'];
  readonly from: string;
  readonly to: string;
  readonly kind: LinkKind | 'local';
  readonly bytes: number;
  readonly eventIds?: readonly string[];
  readonly vv?: VersionVector;
  readonly reply?: boolean;
  readonly send?: TraceRecord;
  /** Its receiver is traced here too, so the receive will complete it (else it has one end only). */
  readonly awaitsReceive: boolean;
  /** Set when the receiver handles it (a send still pending has none). */
  recv?: TraceRecord;
}

interface Pending {
  readonly arrow: Arrow;
  readonly data: string;
}

export class SequenceChart {
  readonly #capacity: number;
  /** Whether a key is a peer traced into this chart (its receives will arrive here). */
  readonly #traced: (peer: string) => boolean;
  #arrows: Arrow[] = [];
  #held: TraceRecord[] = [];
  readonly #pending = new Map<string, Pending[]>();
  #revision = 0;

  constructor(traced: (peer: string) => boolean, capacity = DEFAULT_CHART_CAPACITY) {
    this.#traced = traced;
    this.#capacity = capacity;
  }

  /** Grows with every change, so a view can tell when to redraw. */
  get revision(): number {
    return this.#revision;
  }

  add(record: TraceRecord, data: string | undefined): void {
    this.#revision++;
    if (record.dir === 'held') {
      this.#held.push(record);
      if (this.#held.length > this.#capacity) this.#held = this.#held.slice(-this.#capacity);
      return;
    }
    if (record.t === 'held') return;
    if (record.dir === 'recv') {
      const matched = data === undefined ? undefined : this.#takePending(record.remote, record.peer, data);
      if (matched) {
        matched.recv = record;
        return;
      }
      this.#push({ ...fields(record), from: record.remote, to: record.peer, recv: record, awaitsReceive: false });
      return;
    }
    const awaitsReceive = data !== undefined && this.#traced(record.remote);
    const arrow: Arrow = { ...fields(record), from: record.peer, to: record.remote, send: record, awaitsReceive };
    this.#push(arrow);
    if (awaitsReceive) this.#addPending(record.peer, record.remote, { arrow, data });
  }

  /** Arrows kept, ordered by their first end. */
  arrows(): readonly Arrow[] {
    return this.#arrows;
  }

  /** `held` records: when each peer took events into its state. */
  held(): readonly TraceRecord[] {
    return this.#held;
  }

  /** Sends still waiting for their receive. */
  get inFlight(): number {
    let count = 0;
    for (const list of this.#pending.values()) count += list.length;
    return count;
  }

  #push(arrow: Arrow): void {
    this.#arrows.push(arrow);
    // Trim in chunks, so the cost of dropping old arrows is spread thin.
    if (this.#arrows.length > this.#capacity * 1.25) this.#arrows = this.#arrows.slice(-this.#capacity);
  }

  #addPending(from: string, to: string, pending: Pending): void {
    const key = `${from}>${to}`;
    const list = this.#pending.get(key) ?? [];
    list.push(pending);
    if (list.length > MAX_PENDING_PER_PAIR) list.shift();
    this.#pending.set(key, list);
  }

  #takePending(from: string, to: string, data: string): Arrow | undefined {
    const list = this.#pending.get(`${from}>${to}`);
    if (!list) return undefined;
    const index = list.findIndex((pending) => pending.data.length === data.length && pending.data === data);
    if (index < 0) return undefined;
    const [taken] = list.splice(index, 1);
    return taken!.arrow;
  }
}

function fields(record: TraceRecord): Pick<Arrow, 'id' | 't' | 'kind' | 'bytes' | 'eventIds' | 'vv' | 'reply'> {
  return {
    id: record.seq,
    t: record.t as WireMessage['t'],
    kind: record.kind,
    bytes: record.bytes,
    ...(record.eventIds ? { eventIds: record.eventIds } : {}),
    ...(record.vv ? { vv: record.vv } : {}),
    ...(record.reply === undefined ? {} : { reply: record.reply }),
  };
}
