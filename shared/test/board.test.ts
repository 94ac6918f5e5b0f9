import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BOARD_SIZE,
  boardView,
  cellKey,
  decodeEvent,
  PIXEL_COLORS,
  signingBytes,
  toHex,
  type PixelBody,
  type SignedEvent,
  type StoredEvent,
} from '../src/index.ts';
import { keyPairFor, nodeSigner } from './helpers.ts';

const KEYS = ['ada', 'bob', 'cy'].map((label) => keyPairFor(label).publicKey).sort();

/** An unsigned stand-in: the view reads the event set only, the signature is checked before it. */
function pixel(author: string, seq: number, lamport: number, body: PixelBody, id = `${author.slice(0, 8)}-${seq}`): StoredEvent {
  const event: SignedEvent = { v: 1, room: 'lab', author, seq, lamport, kind: 'pixel', body, sig: '0'.repeat(128) };
  return { id, event, size: 0 };
}

function shown(events: Iterable<StoredEvent>) {
  return [...boardView(events).cells.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

const writes = fc
  .array(
    fc.record({
      author: fc.constantFrom(...KEYS),
      lamport: fc.integer({ min: 1, max: 6 }),
      x: fc.integer({ min: 0, max: 2 }),
      y: fc.integer({ min: 0, max: 1 }),
      color: fc.constantFrom(...PIXEL_COLORS),
      over: fc.option(fc.nat({ max: 30 }), { nil: undefined }),
    }),
    { maxLength: 30 },
  )
  .map((raw) => {
    // Per-author sequence numbers from 1, as the store holds them; `over` points at an earlier write.
    const seqs = new Map<string, number>();
    const events: StoredEvent[] = [];
    raw.forEach((write, i) => {
      const seq = (seqs.get(write.author) ?? 0) + 1;
      seqs.set(write.author, seq);
      const over = write.over !== undefined && write.over < i ? events[write.over]!.id : undefined;
      events.push(pixel(write.author, seq, write.lamport, { x: write.x, y: write.y, color: write.color, ...(over ? { over } : {}) }, `e${i}`.padStart(32, '0')));
    });
    return events;
  });

describe('boardView: last writer wins, the same on every peer', () => {
  it('does not depend on the order the writes arrived in', () => {
    fc.assert(
      fc.property(
        writes.chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }))),
        ([events, arrived]) => {
          expect(shown(arrived)).toEqual(shown(events));
        },
      ),
      { seed: 0x5eed, numRuns: 300 },
    );
  });

  it('picks the greatest write by Lamport time, then author key, then sequence, and counts the losers', () => {
    fc.assert(
      fc.property(writes, (events) => {
        const board = boardView(events);
        for (const cell of board.cells.values()) {
          const inCell = events.filter(({ event }) => (event.body as PixelBody).x === cell.x && (event.body as PixelBody).y === cell.y);
          const best = inCell.reduce((a, b) =>
            b.event.lamport > a.event.lamport ||
            (b.event.lamport === a.event.lamport && (b.event.author > a.event.author || (b.event.author === a.event.author && b.event.seq > a.event.seq)))
              ? b
              : a,
          );
          expect(cell.id).toBe(best.id);
          expect(cell.lost).toBe(inCell.length - 1);
          expect(cell.raced).toBeGreaterThanOrEqual(0);
          expect(cell.raced).toBeLessThanOrEqual(cell.lost);
        }
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('two concurrent writes at one Lamport time: the greater author key wins, and the loser lost a race', () => {
    const [low, high] = [KEYS[0]!, KEYS[1]!];
    const board = boardView([pixel(high, 1, 3, { x: 4, y: 5, color: 'blue' }), pixel(low, 1, 3, { x: 4, y: 5, color: 'red' })]);
    expect(board.cells.get(cellKey(4, 5))).toMatchObject({ color: 'blue', author: high, lost: 1, raced: 1 });
  });

  it('a later Lamport time wins over any key; painting over what one saw is not a race', () => {
    const first = pixel(KEYS[2]!, 1, 1, { x: 0, y: 0, color: 'green' }, 'a'.repeat(32));
    const over = pixel(KEYS[0]!, 1, 2, { x: 0, y: 0, color: 'yellow', over: first.id });
    expect(boardView([over, first]).cells.get(cellKey(0, 0))).toMatchObject({ color: 'yellow', author: KEYS[0], lost: 1, raced: 0 });
    // The same later write without having seen the first one: the first lost a race.
    const blind = pixel(KEYS[0]!, 1, 2, { x: 0, y: 0, color: 'yellow' });
    expect(boardView([first, blind]).cells.get(cellKey(0, 0))).toMatchObject({ color: 'yellow', lost: 1, raced: 1 });
    expect(boardView([]).size).toBe(BOARD_SIZE);
  });
});

describe('pixel bodies through the one decoder', () => {
  const signer = nodeSigner(keyPairFor('ada'));
  function signed(body: unknown): SignedEvent {
    const unsigned = { v: 1, room: 'lab', author: signer.publicKey, seq: 1, lamport: 1, kind: 'pixel', body };
    return { ...unsigned, sig: toHex(signer.sign(signingBytes(unsigned))) };
  }

  it('accepts a cell of the grid in a palette colour', () => {
    expect(decodeEvent(signed({ x: 0, y: BOARD_SIZE - 1, color: 'purple' })).ok).toBe(true);
    expect(decodeEvent(signed({ x: 3, y: 3, color: 'red', over: 'f'.repeat(32) })).ok).toBe(true);
  });

  it('refuses cells off the grid, colours off the palette and extra fields, as schema', () => {
    for (const body of [
      { x: BOARD_SIZE, y: 0, color: 'red' },
      { x: -1, y: 0, color: 'red' },
      { x: 0.5, y: 0, color: 'red' },
      { x: 0, y: 0, color: '#ff0000' },
      { x: 0, y: 0, color: 'red', extra: 1 },
      { x: 0, y: 0, color: 'red', over: 'nope' },
      { x: 0, y: 0 },
    ]) {
      expect(decodeEvent(signed(body))).toMatchObject({ ok: false, reason: 'schema' });
    }
  });
});
