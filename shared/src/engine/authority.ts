/**
 * What the room's server decided, as far as this node has heard: each event's position in the room's one
 * order, which transfers it stamped, which keys it admitted. On the server itself also the balances of the
 * stamped prefix, so each new transfer is judged at its place in that order (no overdraft). Pure
 * bookkeeping: the node signs the stamps this returns and sends the acks.
 */
import type { AdmitBody, StampBody, TransferBody } from './event.ts';
import type { Ack } from './messages.ts';
import type { StoredEvent } from './store.ts';
import { StrictLedger } from '../views/ledger.ts';

export class AuthorityRecord {
  /** Position of each event in the room's total order: assigned on the server, learned from acks on a peer. */
  readonly #orders = new Map<string, number>();
  #lastOrder = 0;
  /** Transfers the authority has stamped (ids). */
  readonly #stamped = new Set<string>();
  /** Keys holding the server's membership certificate. */
  readonly #admitted = new Set<string>();
  /** Server only: balances over the stamped prefix, to judge the next transfer. */
  readonly #strictLedger = new StrictLedger();

  orderOf(id: string): number | undefined {
    return this.#orders.get(id);
  }

  /** Server: the next position for a newly accepted event (one already placed keeps its own). */
  assignOrder(id: string): number {
    const existing = this.#orders.get(id);
    if (existing !== undefined) return existing;
    this.#lastOrder++;
    this.#orders.set(id, this.#lastOrder);
    return this.#lastOrder;
  }

  /** A position the server acknowledged (peer). */
  learnOrder(id: string, order: number): void {
    this.#orders.set(id, order);
  }

  /** A position from durable storage: later assignments continue after the highest. */
  restoreOrder(id: string, order: number): void {
    this.#orders.set(id, order);
    this.#lastOrder = Math.max(this.#lastOrder, order);
  }

  isAdmitted(peer: string): boolean {
    return this.#admitted.has(peer);
  }

  isStamped(id: string): boolean {
    return this.#stamped.has(id);
  }

  /** Notes the stamps and certificates among `added` that `server` signed (others sign nothing that counts). */
  note(added: readonly StoredEvent[], server: string | undefined): void {
    for (const stored of added) {
      if (stored.event.author !== server) continue;
      if (stored.event.kind === 'stamp') this.#stamped.add((stored.event.body as StampBody).transfer);
      else if (stored.event.kind === 'admit') this.#admitted.add((stored.event.body as AdmitBody).peer);
    }
  }

  /**
   * Server: the verdict on a transfer at its place in the order (the balances move if it is ok), as the
   * stamp to sign; undefined when it is already stamped.
   */
  judge(transfer: StoredEvent): StampBody | undefined {
    if (this.#stamped.has(transfer.id)) return undefined;
    const verdict = this.#strictLedger.settle(transfer.event.body as TransferBody);
    this.#stamped.add(transfer.id);
    return verdict.ok ? { transfer: transfer.id, ok: true } : { transfer: transfer.id, ok: false, reason: verdict.reason };
  }

  /** Server, on becoming the orderer: the unstamped transfers it holds, in merge order (Lamport, author, seq). */
  backlog(events: Iterable<StoredEvent>): StoredEvent[] {
    return [...events]
      .filter((stored) => stored.event.kind === 'transfer' && !this.#stamped.has(stored.id))
      .sort((a, b) => a.event.lamport - b.event.lamport || (a.event.author < b.event.author ? -1 : a.event.author > b.event.author ? 1 : a.event.seq - b.event.seq));
  }

  /** Peer: its own transfers no stamp covers yet, by sequence number. */
  unstampedOwn(events: Iterable<StoredEvent>, self: string): StoredEvent[] {
    return [...events].filter((stored) => stored.event.kind === 'transfer' && stored.event.author === self && !this.#stamped.has(stored.id)).sort((a, b) => a.event.seq - b.event.seq);
  }

  /**
   * Server, after a restore: rebuilds the stamped prefix's balances from its own stamps among `added`, in
   * stamp order, so the next verdict follows the same order as before the restart.
   */
  replayStamps(added: readonly StoredEvent[], self: string, lookup: (id: string) => StoredEvent | undefined): void {
    const stamps = added.filter((stored) => stored.event.kind === 'stamp' && stored.event.author === self).sort((a, b) => a.event.seq - b.event.seq);
    for (const stamp of stamps) {
      const body = stamp.event.body as StampBody;
      const transfer = lookup(body.transfer);
      if (body.ok && transfer) this.#strictLedger.apply(transfer.event.body as TransferBody);
    }
  }
}

/**
 * Server: the acks for newly ordered events (`orders[i]` is `added[i]`'s position), grouped by the link
 * each came from, links in first-seen order; own writes (no source) need none.
 */
export function acksBySource(added: readonly StoredEvent[], orders: readonly number[], sources: ReadonlyMap<string, string>): Map<string, Ack[]> {
  const acksByLink = new Map<string, Ack[]>();
  added.forEach((stored, i) => {
    const link = sources.get(stored.id);
    if (link === undefined) return;
    const acks = acksByLink.get(link) ?? [];
    acks.push({ author: stored.event.author, seq: stored.event.seq, order: orders[i]! });
    acksByLink.set(link, acks);
  });
  return acksByLink;
}
