/**
 * Keeping a refreshed value's identity when it says what it said: a `$state.raw` field given a new but
 * equal object still redraws everything that reads it, so a refresh passes the previous one back instead.
 */

/** `previous` when `next` has the same JSON text (small plain data: lists of members, counters), else `next`. */
export function sameOr<T>(previous: T, next: T): T {
  return JSON.stringify(previous) === JSON.stringify(next) ? previous : next;
}

/** `previous` when `next` holds the same items (by identity) in the same order, else `next`. */
export function sameItems<T>(previous: readonly T[], next: readonly T[]): readonly T[] {
  return previous.length === next.length && previous.every((item, i) => item === next[i]) ? previous : next;
}
