/**
 * The shared pixel board as a pure view of the event set: last writer wins, visibly.
 *
 * Each cell's winner is the greatest of its `pixel` writes in the merge order every peer agrees on —
 * Lamport time, then author key, then sequence number (mergeOrder.ts) — so every peer shows the same
 * board whatever order the writes arrived in. Beside the winner, per cell: how many writes lost to it,
 * and how many of those lost a race (the winner's painter never saw them as the cell's colour: they were
 * concurrent), which is what the class should see flash when a partition heals.
 *
 * `boardView` states it from scratch; `BoardFold` folds each arriving write into its cell once.
 */
import { BOARD_SIZE, type PixelBody, type PixelColor } from '../engine/pixel.ts';
import { compareMergeOrder } from '../engine/mergeOrder.ts';
import type { EventStore, StoredEvent } from '../engine/store.ts';

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
    for (const write of writes) if (compareMergeOrder(write, winner) > 0) winner = write;
    cells.set(key, boardCell(winner, writes.length - 1, writes.length - 1 - knowinglyPaintedOver(winner, writes)));
  }
  return { size: BOARD_SIZE, cells };
}

/** A cell as the view shows it: its winning write, the writes it beat, and how many of those were races. */
function boardCell(winner: PixelWrite, lost: number, raced: number): BoardCell {
  return { x: winner.body.x, y: winner.body.y, color: winner.body.color, id: winner.id, author: winner.author, lamport: winner.lamport, seq: winner.seq, lost, raced };
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
    if (!previous || compareMergeOrder(previous, current) >= 0) break;
    seen.add(next);
    current = previous;
    next = previous.body.over;
  }
  return seen.size - 1;
}

/** One cell's writes, its winner and, per write, the length of its chain of `over` links (memoised). */
interface CellWrites {
  readonly writes: Map<string, PixelWrite>;
  winner: PixelWrite | undefined;
  /** id -> writes on its chain, itself included; valid while no write it could lead to arrives. */
  readonly chains: Map<string, number>;
  /** Ids some chain ended at because they were not held: their arrival invalidates `chains`. */
  readonly awaited: Set<string>;
}

const slotOf = (author: string, seq: number) => `${author}#${seq}`;

/**
 * The board folded from a store's arrivals: each pixel write enters its cell once, and only that cell is
 * recomputed, in O(1) when the write paints over the cell's current winner (the usual case). A write
 * whose arrival completes an earlier chain, or an equivocation that replaces a write, recomputes its
 * cell from that cell's writes.
 */
export class BoardFold {
  readonly #store: EventStore;
  #cursor = 0;
  readonly #cells = new Map<string, CellWrites>();
  /** Pixel writes held, by (author, seq): an equivocation can replace one with another event. */
  readonly #slots = new Map<string, { readonly key: string; readonly id: string }>();
  #board: Board = { size: BOARD_SIZE, cells: new Map() };

  constructor(store: EventStore) {
    this.#store = store;
  }

  get board(): Board {
    return this.#board;
  }

  /** Takes in what arrived since the last update; true when the board changed. */
  update(): boolean {
    const arrived = this.#store.arrivalsSince(this.#cursor);
    this.#cursor += arrived.length;
    const changed = new Set<string>();
    for (const stored of arrived) {
      const slot = slotOf(stored.event.author, stored.event.seq);
      const replaced = this.#slots.get(slot);
      if (replaced) {
        this.#slots.delete(slot);
        this.#removeWrite(replaced.key, replaced.id);
        changed.add(replaced.key);
      }
      if (stored.event.kind !== 'pixel') continue;
      const body = stored.event.body as PixelBody; // validated by the decoder before it entered the store
      const key = cellKey(body.x, body.y);
      this.#slots.set(slot, { key, id: stored.id });
      this.#addWrite(key, { id: stored.id, author: stored.event.author, lamport: stored.event.lamport, seq: stored.event.seq, body });
      changed.add(key);
    }
    if (changed.size === 0) return false;
    const cells = new Map(this.#board.cells);
    for (const key of changed) {
      const cell = this.#cellOf(key);
      if (cell) cells.set(key, cell);
      else cells.delete(key);
    }
    this.#board = { size: BOARD_SIZE, cells };
    return true;
  }

  #addWrite(key: string, write: PixelWrite): void {
    let cell = this.#cells.get(key);
    if (!cell) {
      cell = { writes: new Map(), winner: undefined, chains: new Map(), awaited: new Set() };
      this.#cells.set(key, cell);
    }
    cell.writes.set(write.id, write);
    if (cell.awaited.has(write.id)) forgetChains(cell);
    if (!cell.winner || compareMergeOrder(write, cell.winner) > 0) cell.winner = write;
  }

  #removeWrite(key: string, id: string): void {
    const cell = this.#cells.get(key);
    if (!cell || !cell.writes.delete(id)) return;
    forgetChains(cell);
    cell.winner = undefined;
    for (const write of cell.writes.values()) if (!cell.winner || compareMergeOrder(write, cell.winner) > 0) cell.winner = write;
  }

  #cellOf(key: string): BoardCell | undefined {
    const cell = this.#cells.get(key);
    const winner = cell?.winner;
    if (!cell || !winner) return undefined;
    const lost = cell.writes.size - 1;
    return boardCell(winner, lost, lost - (chainLength(cell, winner) - 1));
  }
}

function forgetChains(cell: CellWrites): void {
  cell.chains.clear();
  cell.awaited.clear();
}

/**
 * How many writes lie on `write`'s chain of `over` links, itself included (each seen by the next painter;
 * each step must go down the order, so a forged cycle or a link to a later write ends the chain). Walks
 * down to the first memoised write, then memoises the way back up.
 */
function chainLength(cell: CellWrites, write: PixelWrite): number {
  const path: PixelWrite[] = [];
  let base = 0;
  for (let current: PixelWrite | undefined = write; current; ) {
    const known = cell.chains.get(current.id);
    if (known !== undefined) {
      base = known;
      break;
    }
    path.push(current);
    const over: string | undefined = current.body.over;
    if (over === undefined) break;
    const previous = cell.writes.get(over);
    if (!previous) cell.awaited.add(over);
    current = previous && compareMergeOrder(previous, current) < 0 ? previous : undefined;
  }
  for (let i = path.length - 1; i >= 0; i--) cell.chains.set(path[i]!.id, ++base);
  return cell.chains.get(write.id)!;
}
