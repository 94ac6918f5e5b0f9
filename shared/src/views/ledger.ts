/**
 * The ledger as a pure function of the event set, from scratch: the definition the node's incremental
 * fold (engine/ledger.ts, read as `PeerlabNode.ledger()`) must equal, whatever order the events arrived in.
 *
 * Replay order: transfers the server stamped, in stamp order (the one total order); then the unstamped
 * ones in the merge order. Each is judged by the engine's balance rule (engine/balances.ts).
 */
import { StrictBalances } from '../engine/balances.ts';
import type { StampBody, TransferBody } from '../engine/event.ts';
import type { Ledger, LedgerEntry, LedgerOptions } from '../engine/ledger.ts';
import { compareMergeOrder } from '../engine/mergeOrder.ts';
import type { StoredEvent } from '../engine/store.ts';

export function ledgerView(events: Iterable<StoredEvent>, options: LedgerOptions): Ledger {
  const transfers = new Map<string, StoredEvent>();
  const stamps = new Map<string, { seq: number; body: StampBody }>();
  for (const stored of events) {
    const { event } = stored;
    if (event.kind === 'transfer') transfers.set(stored.id, stored);
    else if (event.kind === 'stamp' && event.author === options.server) {
      const body = event.body as StampBody;
      const held = stamps.get(body.transfer);
      if (!held || event.seq < held.seq) stamps.set(body.transfer, { seq: event.seq, body });
    }
  }
  const stamped = [...transfers.values()].filter((stored) => stamps.has(stored.id)).sort((a, b) => stamps.get(a.id)!.seq - stamps.get(b.id)!.seq);
  const unstamped = [...transfers.values()].filter((stored) => !stamps.has(stored.id)).sort((a, b) => compareMergeOrder(a.event, b.event));

  const balances = new StrictBalances();
  for (const stored of transfers.values()) {
    const body = stored.event.body as TransferBody;
    balances.open(body.from);
    balances.open(body.to);
  }
  const entries: LedgerEntry[] = [];
  const rank = new Map(stamped.map((stored, i) => [stored.id, i + 1]));
  for (const stored of [...stamped, ...unstamped]) {
    const body = stored.event.body as TransferBody;
    const base = { id: stored.id, author: stored.event.author, from: body.from, to: body.to, amount: body.amount, memo: body.memo ?? '' };
    const stamp = stamps.get(stored.id);
    if (stamp) {
      if (stamp.body.ok) balances.apply(body);
      entries.push({ ...base, status: stamp.body.ok ? 'confirmed' : 'refused', position: rank.get(stored.id)!, ...(stamp.body.reason ? { reason: stamp.body.reason } : {}) });
    } else if (options.strict) {
      entries.push({ ...base, status: 'pending' });
    } else if (balances.allows(body)) {
      balances.apply(body);
      entries.push({ ...base, status: 'tentative' });
    } else {
      entries.push({ ...base, status: 'conflict', reason: `overdraft at merge: ${base.from} holds ${balances.balance(base.from)}, transfer ${base.amount}` });
    }
  }
  return { balances: balances.snapshot(), entries };
}
