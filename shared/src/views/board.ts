/**
 * The shared pixel board as a pure view of the event set: last writer wins, visibly.
 *
 * Each cell's winner is the greatest of its `pixel` writes in one total order every peer agrees on —
 * Lamport time, then author key, then sequence number (the chat order) — so every peer shows the same
 * board whatever order the writes arrived in. Beside the winner, per cell: how many writes lost to it,
 * and how many of those lost a race (the winner's painter never saw them as the cell's colour: they were
 * concurrent), which is what the class should see flash when a partition heals.
 */
import { BOARD_SIZE, type PixelBody, type PixelColor } from '../engine/pixel.ts';
import type { StoredEvent } from '../engine/store.ts';

export interface BoardCell {
  readonly x: number;
  readonly y: number;
  readonly color: PixelColor;
  /** The winning write's id, author key, Lamport time and sequence number. */
  readonly id: string;
  readonly author: string;
  readonly lamport: number;
  readonly seq: number;
  /** Writes to this cell that lost to the winner (all of them, knowingly painted over or not). */
  readonly lost: number;
  /** Of those, writes the winner's chain of painters never saw: concurrent writes that lost the race. */
  readonly raced: number;
}

export interface Board {
  readonly size: number;
  /** Painted cells only, keyed by `cellKey(x, y)`. */
  readonly cells: ReadonlyMap<string, BoardCell>;
}

interface PixelWrite {
  readonly id: string;
  readonly author: string;
  readonly lamport: number;
  readonly seq: number;
  readonly body: PixelBody;
}

export function cellKey(x: number, y: number): string {
  return `${x},${y}`;
}

/** The board's total order on writes: Lamport time, then author key, then sequence. Negative when a < b. */
export function compareWrites(a: { lamport: number; author: string; seq: number }, b: { lamport: number; author: string; seq: number }): number {
  return a.lamport - b.lamport || (a.author < b.author ? -1 : a.author > b.author ? 1 : a.seq - b.seq);
}

export function boardView(events: Iterable<StoredEvent>): Board {
  const byCell = new Map<string, PixelWrite[]>();
  for (const { id, event } of events) {
    if (event.kind !== 'pixel') continue;
    const body = event.body as PixelBody; // validated by the decoder before it entered the store
    const key = cellKey(body.x, body.y);
    const writes = byCell.get(key) ?? [];
    writes.push({ id, author: event.author, lamport: event.lamport, seq: event.seq, body });
    byCell.set(key, writes);
  }
  const cells = new Map<string, BoardCell>();
  for (const [key, writes] of byCell) {
    let winner = writes[0]!;
    for (const write of writes) if (compareWrites(write, winner) > 0) winner = write;
    cells.set(key, {
      x: winner.body.x,
      y: winner.body.y,
      color: winner.body.color,
      id: winner.id,
      author: winner.author,
      lamport: winner.lamport,
      seq: winner.seq,
      lost: writes.length - 1,
      raced: writes.length - 1 - knowinglyPaintedOver(winner, writes),
    });
  }
  return { size: BOARD_SIZE, cells };
}

/** How many of the cell's writes lie on the winner's chain of `over` links (each seen by the next painter). */
function knowinglyPaintedOver(winner: PixelWrite, writes: readonly PixelWrite[]): number {
  const byId = new Map(writes.map((write) => [write.id, write]));
  const seen = new Set<string>([winner.id]);
  let next = winner.body.over;
  // Each step must go down the order, so a forged cycle or a link to a later write ends the chain.
  let current = winner;
  while (next !== undefined && !seen.has(next)) {
    const previous = byId.get(next);
    if (!previous || compareWrites(previous, current) >= 0) break;
    seen.add(next);
    current = previous;
    next = previous.body.over;
  }
  return seen.size - 1;
}
