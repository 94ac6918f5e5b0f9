/**
 * The door for new identities (issue 13, sybil joins): while the server admits a room's members
 * (client-server and hybrid), one network address may bring at most `perMinute` keys new to the room a
 * minute. Keys cost nothing to mint, so without it one tab could list a hundred members in a second; with
 * it a sybil attack from one address pays in time. A key charged once (admitted) rejoins and reconnects
 * freely (so does a key the room's log already admitted: the service asks the authority first). Per
 * address, a token bucket of `perMinute` that refills over a minute, so a lab of 16 peers in a tab, the
 * bots, the test suite and a class behind one NAT join at once under the default.
 * Pure bookkeeping on the clock it is given; the room service asks and the admin sets.
 */
import { DEFAULT_IDENTITIES_PER_MINUTE, TokenBucket, type Admission } from '@peerlab/shared';
/** Addresses whose buckets are kept before full ones are forgotten (a full bucket is a fresh one). */
const MAX_TRACKED_ADDRESSES = 4096;

export type AdmitResult = 'known' | 'admitted' | 'refused';

export class IdentityBudget {
  #perMinute: number;
  readonly #buckets = new Map<string, { bucket: TokenBucket; lastAt: number }>();
  /** Keys charged already: their holders come and go without paying again. */
  readonly #charged = new Set<string>();
  #admitted = 0;
  #refused = 0;

  /** When the admin signed the budget in force (0: the default, never set): a request must be newer. */
  #setAt: number;

  constructor(perMinute: number = DEFAULT_IDENTITIES_PER_MINUTE, setAt = 0) {
    this.#perMinute = perMinute;
    this.#setAt = setAt;
  }

  get setAt(): number {
    return this.#setAt;
  }

  get perMinute(): number {
    return this.#perMinute;
  }

  get state(): Admission {
    return { perMinute: this.#perMinute, admitted: this.#admitted, refused: this.#refused };
  }

  /** A new budget, signed at `setAt`: every address starts again with a full one. */
  set(perMinute: number, setAt: number): void {
    this.#perMinute = perMinute;
    this.#setAt = setAt;
    this.#buckets.clear();
  }

  /**
   * Whether `key`, joining from `address`, may come in now: `known` (charged before, free), `admitted` (new,
   * charged to its address now) or `refused` (its address has spent its budget).
   */
  admit(key: string, address: string, now: number): AdmitResult {
    if (this.#charged.has(key)) return 'known';
    let entry = this.#buckets.get(address);
    if (!entry) {
      if (this.#buckets.size >= MAX_TRACKED_ADDRESSES) this.#forgetFull(now);
      entry = { bucket: new TokenBucket(this.#perMinute / 60, this.#perMinute, now), lastAt: now };
      this.#buckets.set(address, entry);
    }
    entry.lastAt = now;
    if (!entry.bucket.take(1, now)) {
      this.#refused++;
      return 'refused';
    }
    this.#charged.add(key);
    this.#admitted++;
    return 'admitted';
  }

  /** Drops buckets untouched for a minute: they have refilled, so forgetting them changes nothing. */
  #forgetFull(now: number): void {
    for (const [address, { lastAt }] of this.#buckets) if (now - lastAt >= 60_000) this.#buckets.delete(address);
  }
}
