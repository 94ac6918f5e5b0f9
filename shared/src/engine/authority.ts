/**
 * What the room's server decided, as far as this node has heard: each event's acknowledgement position
 * (the place the server gave it in its log when it acknowledged it; on the wire the ack's `order`, in
 * SQLite the `ord` column), which transfers it stamped, which keys it admitted. On the server itself also
 * the balances of the stamped prefix, so each new transfer is judged at its place in the stamp order (no
 * overdraft). Pure bookkeeping: the node signs the stamps this returns and sends the acks. (The merge
 * order of events is another thing: mergeOrder.ts.)
 */
import type { AdmitBody, StampBody, TransferBody } from './event.ts';
import type { Ack } from './messages.ts';
import type { StoredEvent } from './store.ts';
import { StrictBalances } from './balances.ts';

export class AuthorityRecord {
  /** Each event's acknowledgement position: assigned on the server, learned from acks on a peer. */
  readonly #ackPositions = new Map<string, number>();
  #lastAckPosition = 0;
  /** Transfers the authority has stamped (ids). */
  readonly #stamped = new Set<string>();
  /** Keys holding the server's membership certificate. */
  readonly #admitted = new Set<string>();
  /** Server only: balances over the stamped prefix, to judge the next transfer. */
  readonly #strictBalances = new StrictBalances();

  ackPositionOf(id: string): number | undefined {
    return this.#ackPositions.get(id);
  }

  /** Server: the next position for a newly accepted event (one already placed keeps its own). */
  assignAckPosition(id: string): number {
    const existing = this.#ackPositions.get(id);
    if (existing !== undefined) return existing;
    this.#lastAckPosition++;
    this.#ackPositions.set(id, this.#lastAckPosition);
    return this.#lastAckPosition;
  }

  /** A position the server acknowledged (peer). */
  learnAckPosition(id: string, position: number): void {
    this.#ackPositions.set(id, position);
  }

  /** A position from durable storage: later assignments continue after the highest. */
  restoreAckPosition(id: string, position: number): void {
    this.#ackPositions.set(id, position);
    this.#lastAckPosition = Math.max(this.#lastAckPosition, position);
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
   * Server: the verdict on a transfer at its place in the stamp order (the balances move if it is ok), as the
   * stamp to sign; undefined when it is already stamped.
   */
  judge(transfer: StoredEvent): StampBody | undefined {
    if (this.#stamped.has(transfer.id)) return undefined;
    const verdict = this.#strictBalances.settle(transfer.event.body as TransferBody);
    this.#stamped.add(transfer.id);
    return verdict.ok ? { transfer: transfer.id, ok: true } : { transfer: transfer.id, ok: false, reason: verdict.reason };
  }

  /** Server, on becoming the orderer: the unstamped ones of `transfers` (the store's transfers in the merge order), in that order. */
  backlog(transfers: readonly StoredEvent[]): StoredEvent[] {
    return transfers.filter((stored) => !this.#stamped.has(stored.id));
  }

  /** Peer: its own transfers among `transfers` that no stamp covers yet, by sequence number. */
  unstampedOwn(transfers: readonly StoredEvent[], self: string): StoredEvent[] {
    return transfers.filter((stored) => stored.event.author === self && !this.#stamped.has(stored.id)).sort((a, b) => a.event.seq - b.event.seq);
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
      if (body.ok && transfer) this.#strictBalances.apply(transfer.event.body as TransferBody);
    }
  }
}

/**
 * Server: the acks for newly acknowledged events (`positions[i]` is `added[i]`'s ack position, the ack's
 * `order` on the wire), grouped by the link each came from, links in first-seen order; own writes (no
 * source) need none.
 */
export function acksBySource(added: readonly StoredEvent[], positions: readonly number[], sources: ReadonlyMap<string, string>): Map<string, Ack[]> {
  const acksByLink = new Map<string, Ack[]>();
  added.forEach((stored, i) => {
    const link = sources.get(stored.id);
    if (link === undefined) return;
    const acks = acksByLink.get(link) ?? [];
    acks.push({ author: stored.event.author, seq: stored.event.seq, order: positions[i]! });
    acksByLink.set(link, acks);
  });
  return acksByLink;
}
