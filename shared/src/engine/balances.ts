/**
 * The ledger's one rule, engine side: named accounts open with INITIAL_BALANCE on first use, and a
 * transfer may not overdraw the account it spends from. The authority judges each transfer by it at its
 * place in the one order; the ledger (ledger.ts) replays the room's transfers by it.
 */
import type { TransferBody } from './event.ts';

/** What each account starts with: enough for a class to trade, small enough to overdraw quickly. */
export const INITIAL_BALANCE = 100;

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Balances moved by transfers applied in some order; every account not yet moved holds INITIAL_BALANCE. */
export class StrictBalances {
  readonly #balances: Map<string, number>;

  /** Empty, or a copy of `from` to go on from. */
  constructor(from?: StrictBalances) {
    this.#balances = from ? new Map(from.#balances) : new Map();
  }

  balance(account: string): number {
    return this.#balances.get(account) ?? INITIAL_BALANCE;
  }

  /** Whether `body` may be applied now: it does not overdraw. */
  allows(body: TransferBody): boolean {
    return this.balance(body.from) >= body.amount;
  }

  /** Applies a transfer if it does not overdraw; returns the verdict. */
  settle(body: TransferBody): Verdict {
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

  /** Makes an account appear (at its current balance) without moving anything. */
  open(account: string): void {
    this.#balances.set(account, this.balance(account));
  }

  /** Every account opened or moved, with its balance. */
  snapshot(): Map<string, number> {
    return new Map(this.#balances);
  }
}
