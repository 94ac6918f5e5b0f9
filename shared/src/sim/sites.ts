/** Helpers shared by the classic (typed-array) epidemics: partner choice and the per-round tally. */
import type { Rng } from '../ports/ports.ts';

/** A site other than `self`, uniformly at random (the paper's uniform spatial distribution). */
export function otherSite(rng: Rng, n: number, self: number): number {
  const j = Math.floor(rng.next() * (n - 1));
  return j >= self ? j + 1 : j;
}

/** Marks "never received" in a receive-round array. */
export const NEVER = -1;
