/**
 * An order-independent digest of a set of event ids, kept incrementally: the ids (128-bit hashes) summed
 * modulo 2^128, so adding or removing one id is O(1) whatever the set's size and the order it was built
 * in, and two sets of n random ids have the same sum with probability 2^-128. What is shown is a short
 * hash of the sum and the count. The sum is not a proof against an attacker: one grinding millions of its
 * own events could build two different sets with one sum (a generalized birthday search), and would then
 * have to keep them apart while gossip and anti-entropy (which compare version vectors, not digests)
 * spread every event to everyone. The digest tells people and tests when stores agree.
 */
import { shortHash, utf8 } from './encoding.ts';

/** Hex characters shown: 64 bits, enough to tell a room's stores apart at a glance. */
export const DIGEST_CHARS = 16;

const LANES = 4;
const LANE = 2 ** 32;
const ID = /^[0-9a-f]{32}$/;

export class SetDigest {
  /** The sum, most significant 32-bit lane first. */
  readonly #sum = [0, 0, 0, 0];
  #count = 0;
  #shown: string | undefined;

  get count(): number {
    return this.#count;
  }

  add(id: string): void {
    const parts = lanesOf(id);
    let carry = 0;
    for (let i = LANES - 1; i >= 0; i--) {
      const sum = this.#sum[i]! + parts[i]! + carry;
      carry = sum >= LANE ? 1 : 0;
      this.#sum[i] = sum - carry * LANE;
    }
    this.#count++;
    this.#shown = undefined;
  }

  remove(id: string): void {
    const parts = lanesOf(id);
    let borrow = 0;
    for (let i = LANES - 1; i >= 0; i--) {
      const difference = this.#sum[i]! - parts[i]! - borrow;
      borrow = difference < 0 ? 1 : 0;
      this.#sum[i] = difference + borrow * LANE;
    }
    this.#count--;
    this.#shown = undefined;
  }

  /** The short text equal on two digests exactly when their sets are (with overwhelming probability). */
  text(): string {
    this.#shown ??= shortHash(utf8(`${this.#count}:${this.#sum.map((lane) => lane.toString(16).padStart(8, '0')).join('')}`)).slice(0, DIGEST_CHARS);
    return this.#shown;
  }
}

/** An id's four 32-bit lanes; an id that is not 32 hex characters (a test's label) is hashed to one first. */
function lanesOf(id: string): number[] {
  const hex = ID.test(id) ? id : shortHash(utf8(id));
  return [0, 8, 16, 24].map((at) => parseInt(hex.slice(at, at + 8), 16));
}
