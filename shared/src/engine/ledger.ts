/**
 * The ledger: named accounts (each opened with INITIAL_BALANCE on first use) and transfers between them
 * that must never overdraw. Where the authority orders strict operations (client-server, hybrid) its
 * stamps decide; where it does not (p2p) every peer validates locally and, after a partition heals,
 * replays the same deterministic order, so a double spend shows as a conflict on exactly the same
 * transfer everywhere.
 *
 * Replay order: transfers the server stamped, in stamp order (the one total order); then the unstamped
 * ones in the merge order (mergeOrder.ts). `ledgerView` (views/ledger.ts) states it from scratch; this
 * is the same ledger folded from the store's arrivals, engine side because the node checks a local
 * transfer against it. A transfer appended at the end of the order costs O(1); a stamp for the newest
 * unstamped transfers replays only the unstamped ones; anything landing earlier replays the ledger's own
 * events, never the rest of the store.
 */
import { StrictBalances } from './balances.ts';
import type { StampBody, TransferBody } from './event.ts';
import { MergeOrdered } from './mergeOrder.ts';
import type { EventStore, StoredEvent } from './store.ts';

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

/** Whose stamps count and whether unstamped transfers wait for one (a strict mode) or are judged locally. */
export interface LedgerOptions {
  readonly server: string | undefined;
  readonly strict: boolean;
}

/** The entry of a stamped transfer, at rank `position` of the authority's order. */
function stampedEntry(stored: StoredEvent, stamp: StampBody, position: number): LedgerEntry {
  return { ...entryBase(stored), status: stamp.ok ? 'confirmed' : 'refused', position, ...(stamp.reason ? { reason: stamp.reason } : {}) };
}

/** The entry of an unstamped transfer, given the balances before it; moves them if it is tentative. */
function unstampedEntry(stored: StoredEvent, balances: StrictBalances, strict: boolean): LedgerEntry {
  const base = entryBase(stored);
  if (strict) return { ...base, status: 'pending' };
  const body = stored.event.body as TransferBody;
  if (balances.allows(body)) {
    balances.apply(body);
    return { ...base, status: 'tentative' };
  }
  return { ...base, status: 'conflict', reason: `overdraft at merge: ${body.from} holds ${balances.balance(body.from)}, transfer ${body.amount}` };
}

function entryBase(stored: StoredEvent): Omit<LedgerEntry, 'status'> {
  const body = stored.event.body as TransferBody; // validated by the decoder before it entered the store
  return { id: stored.id, author: stored.event.author, from: body.from, to: body.to, amount: body.amount, memo: body.memo ?? '' };
}

const byEvent = (stored: StoredEvent) => stored.event;
const slotOf = (stored: StoredEvent) => `${stored.event.author}#${stored.event.seq}`;

/** What must be replayed before the ledger is read again. */
type Stale = 'nothing' | 'unstamped' | 'everything';

export class LedgerFold {
  readonly #store: EventStore;
  #cursor = 0;
  #options: LedgerOptions = { server: undefined, strict: false };
  /** Transfers and stamp events held, by slot: an equivocation can replace either. */
  readonly #slots = new Map<string, StoredEvent>();
  readonly #transfers = new Map<string, StoredEvent>();
  /** The server's lowest stamp for each transfer id (held or not yet). */
  #stamps = new Map<string, { readonly seq: number; readonly body: StampBody }>();
  /** Held transfers with a stamp, by stamp sequence; the others in the merge order. */
  #stamped: StoredEvent[] = [];
  #unstamped = new MergeOrdered<StoredEvent>(byEvent);
  /** Balances after the stamped transfers, and after every transfer. */
  #afterStamped = new StrictBalances();
  #balances = new StrictBalances();
  #stampedEntries: LedgerEntry[] = [];
  #unstampedEntries: LedgerEntry[] = [];
  #stale: Stale = 'nothing';
  #shown: Ledger | undefined;

  constructor(store: EventStore) {
    this.#store = store;
  }

  /** The ledger as of the store's events, built anew only when something in it changed. */
  view(options: LedgerOptions): Ledger {
    this.#update(options);
    this.#shown ??= { balances: this.#balances.snapshot(), entries: [...this.#stampedEntries, ...this.#unstampedEntries] };
    return this.#shown;
  }

  /** One account's balance after every transfer, without building the view. */
  balance(account: string, options: LedgerOptions): number {
    this.#update(options);
    return this.#balances.balance(account);
  }

  #update(options: LedgerOptions): void {
    if (options.server !== this.#options.server) this.#stale = 'everything';
    else if (options.strict !== this.#options.strict) this.#mark('unstamped');
    this.#options = options;
    const cursor = this.#store.arrivalCount;
    if (cursor !== this.#cursor) {
      for (const stored of this.#store.arrivalsSince(this.#cursor)) this.#take(stored);
      this.#cursor = cursor;
    }
    if (this.#stale === 'everything') this.#replayAll();
    else if (this.#stale === 'unstamped') this.#replayUnstamped();
    this.#stale = 'nothing';
  }

  #take(stored: StoredEvent): void {
    const slot = slotOf(stored);
    const replaced = this.#slots.get(slot);
    if (replaced) {
      // An equivocation replaced a canonical transfer or stamp: rare, so the ledger replays from scratch.
      this.#slots.delete(slot);
      this.#transfers.delete(replaced.id);
      this.#stale = 'everything';
    }
    const { kind } = stored.event;
    if (kind === 'transfer') {
      this.#slots.set(slot, stored);
      this.#transfers.set(stored.id, stored);
      if (this.#stale === 'everything') return;
      const stamp = this.#stamps.get(stored.id);
      if (stamp) this.#stampHeld(stored, stamp);
      else if (this.#unstamped.add(stored) && this.#stale === 'nothing') this.#appendUnstamped(stored);
      else this.#mark('unstamped');
    } else if (kind === 'stamp') {
      this.#slots.set(slot, stored);
      if (this.#stale === 'everything' || stored.event.author !== this.#options.server) return;
      const body = stored.event.body as StampBody;
      const held = this.#stamps.get(body.transfer);
      if (held && held.seq < stored.event.seq) return; // the lowest stamp of a transfer is the one that counts
      if (held) {
        this.#stale = 'everything';
        return;
      }
      const stamp = { seq: stored.event.seq, body };
      this.#stamps.set(body.transfer, stamp);
      const transfer = this.#transfers.get(body.transfer);
      if (transfer) {
        this.#unstamped.remove(transfer.event);
        this.#stampHeld(transfer, stamp);
      }
    }
  }

  /** A held transfer's stamp: appended to the stamped part when it is the latest stamp, else a full replay. */
  #stampHeld(transfer: StoredEvent, stamp: { readonly seq: number; readonly body: StampBody }): void {
    const last = this.#stamped.at(-1);
    if (last !== undefined && this.#stamps.get(last.id)!.seq > stamp.seq) {
      this.#stale = 'everything';
      return;
    }
    this.#stamped.push(transfer);
    this.#applyStamped(transfer, stamp.body);
    this.#mark('unstamped');
  }

  #applyStamped(transfer: StoredEvent, stamp: StampBody): void {
    const body = transfer.event.body as TransferBody;
    this.#afterStamped.open(body.from);
    this.#afterStamped.open(body.to);
    if (stamp.ok) this.#afterStamped.apply(body);
    this.#stampedEntries.push(stampedEntry(transfer, stamp, this.#stamped.length));
    this.#shown = undefined;
  }

  /** An unstamped transfer at the end of the order: judged on the balances as they stand. */
  #appendUnstamped(transfer: StoredEvent): void {
    const body = transfer.event.body as TransferBody;
    this.#balances.open(body.from);
    this.#balances.open(body.to);
    this.#unstampedEntries.push(unstampedEntry(transfer, this.#balances, this.#options.strict));
    this.#shown = undefined;
  }

  #mark(stale: Stale): void {
    if (this.#stale === 'nothing') this.#stale = stale;
  }

  #replayUnstamped(): void {
    this.#balances = new StrictBalances(this.#afterStamped);
    this.#unstampedEntries = [];
    for (const transfer of this.#unstamped.items()) this.#appendUnstamped(transfer);
    this.#shown = undefined;
  }

  #replayAll(): void {
    const server = this.#options.server;
    this.#stamps = new Map();
    for (const stored of this.#slots.values()) {
      if (stored.event.kind !== 'stamp' || stored.event.author !== server) continue;
      const body = stored.event.body as StampBody;
      const held = this.#stamps.get(body.transfer);
      if (!held || stored.event.seq < held.seq) this.#stamps.set(body.transfer, { seq: stored.event.seq, body });
    }
    this.#stamped = [];
    this.#unstamped = new MergeOrdered(byEvent);
    for (const transfer of this.#transfers.values()) {
      if (this.#stamps.has(transfer.id)) this.#stamped.push(transfer);
      else this.#unstamped.add(transfer);
    }
    this.#stamped.sort((a, b) => this.#stamps.get(a.id)!.seq - this.#stamps.get(b.id)!.seq);
    this.#afterStamped = new StrictBalances();
    this.#stampedEntries = [];
    const stamped = this.#stamped;
    this.#stamped = [];
    for (const transfer of stamped) {
      this.#stamped.push(transfer);
      this.#applyStamped(transfer, this.#stamps.get(transfer.id)!.body);
    }
    this.#replayUnstamped();
  }
}
