/**
 * Questions a class asks of a sequence chart: which messages carried one event and when each peer first
 * held it; and what one anti-entropy exchange compared (the two version vectors) and shipped (the events
 * sent in answer). Pure functions of the chart's arrows and `held` records.
 */
import type { VersionVector } from '../engine/messages.ts';
import type { TraceRecord } from './messageTrace.ts';
import type { Arrow } from './sequenceChart.ts';

export interface EventTrail {
  /** Arrows whose `events` message carried the event, in order. */
  readonly carriers: readonly Arrow[];
  /** Per peer, the record at which it first held the event (its author's own write included). */
  readonly firstHeld: ReadonlyMap<string, TraceRecord>;
}

export function eventTrail(arrows: readonly Arrow[], held: readonly TraceRecord[], id: string): EventTrail {
  const carriers = arrows.filter((arrow) => arrow.t === 'events' && arrow.eventIds?.includes(id) === true);
  const firstHeld = new Map<string, TraceRecord>();
  for (const record of held) if (!firstHeld.has(record.peer) && record.eventIds?.includes(id) === true) firstHeld.set(record.peer, record);
  return { carriers, firstHeld };
}

export interface VvExchange {
  /** The summary that opened the exchange (a `vv`, or a `hello` on link-up). */
  readonly opening: Arrow;
  /** The receiver's summary sent in answer (a `vv` reply), when traced. */
  readonly answer?: Arrow;
  /** Events the receiver shipped because of the opening summary. */
  readonly shippedByReceiver: readonly Arrow[];
  /** Events the opener shipped because of the answer. */
  readonly shippedByOpener: readonly Arrow[];
}

/** Messages `peer` sent while handling the received record `cause`. */
function causedBy(arrows: readonly Arrow[], cause: TraceRecord | undefined): Arrow[] {
  if (!cause) return [];
  return arrows.filter((arrow) => arrow.send?.cause === cause.seq);
}

/** The exchange an arrow belongs to: from its opening summary, or from the answer (a `vv` with reply false). */
export function vvExchange(arrows: readonly Arrow[], arrow: Arrow): VvExchange | undefined {
  if (arrow.t !== 'vv' && arrow.t !== 'hello') return undefined;
  let opening = arrow;
  if (arrow.t === 'vv' && arrow.reply === false && arrow.send?.cause !== undefined) {
    const question = arrows.find((candidate) => candidate.recv?.seq === arrow.send!.cause && (candidate.t === 'vv' || candidate.t === 'hello'));
    if (question) opening = question;
  }
  const answered = causedBy(arrows, opening.recv);
  const answer = answered.find((candidate) => candidate.t === 'vv');
  return {
    opening,
    ...(answer ? { answer } : {}),
    shippedByReceiver: answered.filter((candidate) => candidate.t === 'events'),
    shippedByOpener: causedBy(arrows, answer?.recv).filter((candidate) => candidate.t === 'events'),
  };
}

export interface VectorRow {
  readonly author: string;
  readonly left: number;
  readonly right: number;
  readonly differs: boolean;
}

/** Two version vectors side by side, by author (absent counts as 0). */
export function compareVectors(left: VersionVector, right: VersionVector): VectorRow[] {
  const authors = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return authors.map((author) => {
    const l = left[author] ?? 0;
    const r = right[author] ?? 0;
    return { author, left: l, right: r, differs: l !== r };
  });
}
