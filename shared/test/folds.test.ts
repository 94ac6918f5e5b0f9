/**
 * The views folded from the store's arrivals equal the views computed from scratch over its canonical
 * events, for any arrival order, with equivocations (a slot's canonical event replaced, even by another
 * kind), stamps (the server's and a forged one) and reads at any point in between.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BoardFold, boardView, chatView, ChatWindow, CURRENT_PROTOCOL, EventStore, eventId, LedgerFold, ledgerView, notUnderstood, protocolVersion, understands, type Board, type SignedEvent, type LedgerOptions } from '../src/index.ts';
import { arrivals, AUTHORS, SERVER } from './histories.ts';

const cells = (board: Board) => [...board.cells.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
/** The options a node reads its ledger with as its server and mode change. */
const options = fc.array(fc.record({ server: fc.constantFrom(SERVER, undefined), strict: fc.boolean() }), { minLength: 1, maxLength: 4 });

describe('folds equal the views from scratch', () => {
  it('chat window, board and ledger, read at any points of any arrival order', () => {
    fc.assert(
      fc.property(arrivals, fc.array(fc.boolean(), { maxLength: 60 }), options, fc.integer({ min: 1, max: 6 }), ({ arrived }, reads, ledgerOptions, windowSize) => {
        const store = new EventStore();
        const chat = new ChatWindow(store, windowSize);
        const board = new BoardFold(store);
        const ledger = new LedgerFold(store);
        const check = (read: number) => {
          const held = [...store.events()];
          const changedChat = chat.update();
          const all = chatView(held);
          expect(chat.total).toBe(all.length);
          expect(chat.messages).toEqual(all.slice(-windowSize));
          if (!changedChat) expect(chat.messages.length).toBe(Math.min(windowSize, all.length));
          board.update();
          expect(cells(board.board)).toEqual(cells(boardView(held)));
          // Options change now and then (a mode switch, the server's key learned), not at every read.
          const choice: LedgerOptions = ledgerOptions[Math.floor(read / 16) % ledgerOptions.length]!;
          const folded = ledger.view(choice);
          const scratch = ledgerView(held, choice);
          expect(folded.entries).toEqual(scratch.entries);
          expect([...folded.balances].sort()).toEqual([...scratch.balances].sort());
          for (const account of ['fund', 'alice', 'bob', 'nobody']) expect(ledger.balance(account, choice)).toBe(scratch.balances.get(account) ?? 100);
        };
        arrived.forEach((event, i) => {
          store.add(event, eventId(event));
          if (reads[i]) check(i);
        });
        check(arrived.length);
        check(arrived.length + 1);
      }),
      { seed: 0xf01d, numRuns: 400 },
    );
  });

  it('ledger: stamps that arrive out of their order still rank the transfers by stamp sequence', () => {
    const make = (author: string, seq: number, kind: string, body: unknown): SignedEvent => ({ v: 1, room: 'lab', author, seq, lamport: seq, kind, body, sig: '0'.repeat(128) });
    const [first, second] = [make(AUTHORS[0]!, 1, 'transfer', { from: 'fund', to: 'alice', amount: 60 }), make(AUTHORS[1]!, 1, 'transfer', { from: 'fund', to: 'bob', amount: 60 })];
    const stamps = [make(SERVER, 1, 'stamp', { transfer: eventId(second!), ok: true }), make(SERVER, 2, 'stamp', { transfer: eventId(first!), ok: false, reason: 'overdraft' })];
    for (const order of [[first, second, stamps[1], stamps[0]], [stamps[1], first, second, stamps[0]], [second, stamps[0], first, stamps[1]]]) {
      const store = new EventStore();
      const ledger = new LedgerFold(store);
      for (const event of order) {
        store.add(event!, eventId(event!));
        expect(ledger.view({ server: SERVER, strict: true })).toEqual(ledgerView(store.events(), { server: SERVER, strict: true }));
      }
      expect(ledger.view({ server: SERVER, strict: true }).entries.map((entry) => [entry.to, entry.status, entry.position])).toEqual([['bob', 'confirmed', 1], ['alice', 'refused', 2]]);
    }
  });

  it('an unchanged view keeps its identity (nothing for the page to redraw)', () => {
    fc.assert(
      fc.property(arrivals, ({ arrived }) => {
        const store = new EventStore();
        for (const event of arrived) store.add(event, eventId(event));
        const chat = new ChatWindow(store);
        const board = new BoardFold(store);
        const ledger = new LedgerFold(store);
        chat.update();
        board.update();
        const [messages, shown, folded] = [chat.messages, board.board, ledger.view({ server: SERVER, strict: false })];
        expect(chat.update()).toBe(false);
        expect(board.update()).toBe(false);
        expect(chat.messages).toBe(messages);
        expect(board.board).toBe(shown);
        expect(ledger.view({ server: SERVER, strict: false })).toBe(folded);
      }),
      { seed: 0xf02d, numRuns: 100 },
    );
  });

  it('counts what a version does not understand from the counts by kind, as a scan of the events does', () => {
    fc.assert(
      fc.property(arrivals, ({ arrived }) => {
        const store = new EventStore();
        for (const event of arrived) store.add(event, eventId(event));
        for (const version of [CURRENT_PROTOCOL, protocolVersion(1, 0)]) {
          const unknown = [...store.events()].filter((stored) => !understands(version, stored.event.kind));
          expect(notUnderstood(store.kindCounts(), version)).toEqual(unknown.length === 0 ? { count: 0, kinds: [] } : { count: unknown.length, kinds: [...new Set(unknown.map((stored) => stored.event.kind))].sort() });
        }
      }),
      { seed: 0xf03d, numRuns: 200 },
    );
  });
});
