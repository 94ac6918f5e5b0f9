/**
 * The ledger: named accounts (each opened with INITIAL_BALANCE on first use) and transfers between
 * them that must never overdraw. Where the authority orders strict operations (client-server, hybrid) its stamps decide;
 * where it does not (p2p) every peer validates locally and, after a partition heals, replays the same
 * deterministic order, so a double spend shows as a conflict on exactly the same transfer everywhere.
 *
 * Replay order: transfers the server stamped, in stamp order (the one total order); then the
 * unstamped ones by (Lamport time, author, sequence).
 */
import type { StampBody, TransferBody } from '../engine/event.ts';
import type { StoredEvent } from '../engine/store.ts';

/** What each account starts with: enough for a class to trade, small enough to overdraw quickly. */
export const INITIAL_BALANCE = 100;

export type TransferStatus =
  /** Ordered and accepted by the authority: final. */
  | 'confirmed'
  /** Refused by the authority (overdraft at its place in the order). */
  | 'refused'
  /** Accepted locally in p2p; final only if no conflicting spend turns up. */
  | 'tentative'
  /** Waiting for the authority's stamp (strict modes, e.g. during an outage). */
  | 'pending'
  /** Overdraws at its place in the merged order: the losing side of a double spend. */
  | 'conflict';

export interface LedgerEntry {
  readonly id: string;
  /** Who signed the transfer. */
  readonly author: string;
  readonly from: string;
  readonly to: string;
  readonly amount: number;
  readonly memo: string;
  readonly status: TransferStatus;
  /** Rank in the authority's order of transfers (1 = first stamped), when stamped. */
  readonly position?: number;
  readonly reason?: string;
}

export interface Ledger {
  readonly balances: ReadonlyMap<string, number>;
  readonly entries: readonly LedgerEntry[];
}

/** Balances over the authority's stamped prefix, kept incrementally by the server that stamps. */
export class StrictLedger {
  readonly #balances = new Map<string, number>();

  balance(account: string): number {
    return this.#balances.get(account) ?? INITIAL_BALANCE;
  }

  /** Applies a transfer if it does not overdraw; returns the verdict. */
  settle(body: TransferBody): { ok: true } | { ok: false; reason: string } {
    const balance = this.balance(body.from);
    if (balance < body.amount) return { ok: false, reason: `overdraft: ${body.from} holds ${balance}, transfer ${body.amount}` };
    this.apply(body);
    return { ok: true };
  }

  apply(body: TransferBody): void {
    if (body.from === body.to) return;
    this.#balances.set(body.from, this.balance(body.from) - body.amount);
    this.#balances.set(body.to, this.balance(body.to) + body.amount);
  }
}

export function ledgerView(events: Iterable<StoredEvent>, options: { readonly server: string | undefined; readonly strict: boolean }): Ledger {
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
  const unstamped = [...transfers.values()]
    .filter((stored) => !stamps.has(stored.id))
    .sort((a, b) => a.event.lamport - b.event.lamport || (a.event.author < b.event.author ? -1 : a.event.author > b.event.author ? 1 : a.event.seq - b.event.seq));

  const balances = new Map<string, number>();
  const balance = (account: string) => balances.get(account) ?? INITIAL_BALANCE;
  const move = (from: string, to: string, amount: number) => {
    balances.set(from, balance(from) - amount);
    balances.set(to, balance(to) + amount);
  };
  for (const stored of transfers.values()) {
    const body = stored.event.body as TransferBody;
    balances.set(body.from, balance(body.from));
    balances.set(body.to, balance(body.to));
  }
  const entries: LedgerEntry[] = [];
  const rank = new Map(stamped.map((stored, i) => [stored.id, i + 1]));
  for (const stored of [...stamped, ...unstamped]) {
    const body = stored.event.body as TransferBody;
    const base = { id: stored.id, author: stored.event.author, from: body.from, to: body.to, amount: body.amount, memo: body.memo ?? '' };
    const stamp = stamps.get(stored.id);
    if (stamp) {
      if (stamp.body.ok) move(base.from, base.to, base.amount);
      entries.push({ ...base, status: stamp.body.ok ? 'confirmed' : 'refused', position: rank.get(stored.id)!, ...(stamp.body.reason ? { reason: stamp.body.reason } : {}) });
    } else if (options.strict) {
      entries.push({ ...base, status: 'pending' });
    } else if (balance(base.from) >= base.amount) {
      move(base.from, base.to, base.amount);
      entries.push({ ...base, status: 'tentative' });
    } else {
      entries.push({ ...base, status: 'conflict', reason: `overdraft at merge: ${base.from} holds ${balance(base.from)}, transfer ${base.amount}` });
    }
  }
  return { balances, entries };
}
