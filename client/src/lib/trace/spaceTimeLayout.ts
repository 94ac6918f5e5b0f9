/**
 * Where each arrow of a space-time diagram goes: one column per lifeline, one row per message end (a send
 * or a receive) in trace order, so the chart reads top to bottom as the messages happened. Only ends at or
 * before the cursor are drawn; a message sent but not yet received (or received after the cursor) is in flight.
 */
import type { Arrow, TraceRecord } from '@peerlab/shared';

export const ROW_HEIGHT = 22;
export const HEADER_HEIGHT = 34;
export const COLUMN_WIDTH = 120;
/** How far a message known by one end only slopes: it took some time, unknown here. */
const ONE_END_SLOPE = ROW_HEIGHT * 0.6;

export interface ArrowFilter {
  readonly lifelines: readonly string[];
  readonly hidePings: boolean;
}

export interface PlacedArrow {
  readonly arrow: Arrow;
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly inFlight: boolean;
}

export interface Layout {
  readonly arrows: readonly PlacedArrow[];
  readonly marks: readonly { readonly peer: string; readonly x: number; readonly y: number }[];
  readonly height: number;
  readonly width: number;
}

export function columnX(index: number): number {
  return COLUMN_WIDTH / 2 + index * COLUMN_WIDTH;
}

export function passes(arrow: Arrow, lifelines: ReadonlySet<string>, hidePings: boolean): boolean {
  return lifelines.has(arrow.from) && lifelines.has(arrow.to) && !(hidePings && arrow.t === 'ping');
}

/** The seq of the next message end after `cursor` among the arrows the filter shows, if any. */
export function nextEnd(arrows: readonly Arrow[], filter: ArrowFilter, cursor: number): number | undefined {
  const lifelines = new Set(filter.lifelines);
  let next: number | undefined;
  for (const arrow of arrows) {
    if (!passes(arrow, lifelines, filter.hidePings)) continue;
    for (const end of [arrow.send?.seq, arrow.recv?.seq]) if (end !== undefined && end > cursor && (next === undefined || end < next)) next = end;
  }
  return next;
}

/**
 * The arrows the filter shows up to `cursor`, placed: the last `max` of them, or with an `anchor` (following
 * one event) the first `max` from it on. `held` marks are drawn where each lifeline first held the event.
 */
export function layout(arrows: readonly Arrow[], filter: ArrowFilter, cursor: number, max: number, held: readonly TraceRecord[], anchor?: number): Layout {
  const lifelines = new Set(filter.lifelines);
  const column = new Map(filter.lifelines.map((peer, i) => [peer, columnX(i)]));
  const fits = (arrow: Arrow): boolean => arrow.id <= cursor && passes(arrow, lifelines, filter.hidePings);
  const visible: Arrow[] = [];
  if (anchor === undefined) {
    for (let i = arrows.length - 1; i >= 0 && visible.length < max; i--) if (fits(arrows[i]!)) visible.push(arrows[i]!);
    visible.reverse();
  } else {
    for (const arrow of arrows) {
      if (visible.length >= max) break;
      if (arrow.id >= anchor && fits(arrow)) visible.push(arrow);
    }
  }
  const first = anchor ?? visible[0]?.id ?? Infinity;
  const ends = new Set<number>();
  const shown = (seq: number | undefined): seq is number => seq !== undefined && seq <= cursor;
  for (const arrow of visible) {
    if (shown(arrow.send?.seq)) ends.add(arrow.send.seq);
    if (shown(arrow.recv?.seq)) ends.add(arrow.recv.seq);
  }
  const marksIn = held.filter((record) => lifelines.has(record.peer) && record.seq <= cursor && record.seq >= first);
  for (const record of marksIn) ends.add(record.seq);
  const rows = [...ends].sort((a, b) => a - b);
  const rowOf = new Map(rows.map((seq, i) => [seq, HEADER_HEIGHT + ROW_HEIGHT * (i + 0.5)]));
  const bottom = HEADER_HEIGHT + ROW_HEIGHT * (rows.length + 0.5);
  const placed = visible.map((arrow): PlacedArrow => {
    const x1 = column.get(arrow.from)!;
    const x2 = column.get(arrow.to)!;
    const sent = shown(arrow.send?.seq) ? rowOf.get(arrow.send.seq) : undefined;
    const received = shown(arrow.recv?.seq) ? rowOf.get(arrow.recv.seq) : undefined;
    // A message with one end outside the tab (the server, a local view's neighbours) slopes a fraction of a row.
    if (received !== undefined) return { arrow, x1, x2, y1: sent ?? received - ONE_END_SLOPE, y2: received, inFlight: false };
    // Sent, not yet received: it heads for the receiver but stops short.
    if (!arrow.awaitsReceive) return { arrow, x1, x2, y1: sent!, y2: sent! + ONE_END_SLOPE, inFlight: false };
    return { arrow, x1, x2: x1 + (x2 - x1) * 0.6, y1: sent!, y2: sent! + (bottom - sent!) * 0.6, inFlight: true };
  });
  return {
    arrows: placed,
    marks: marksIn.map((record) => ({ peer: record.peer, x: column.get(record.peer)!, y: rowOf.get(record.seq)! })),
    height: bottom + ROW_HEIGHT / 2,
    width: COLUMN_WIDTH * filter.lifelines.length,
  };
}
