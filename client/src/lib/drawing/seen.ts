/**
 * The pure half of the drawing rule (Sight.svelte.ts): when a drawing counts as seen, and how a drawing
 * keeps what it shows when new data equals it (so a refresh that changed nothing redraws nothing).
 */

export interface SightInputs {
  readonly documentVisible: boolean;
  readonly intersecting: boolean;
  /** No closed `<details>` panel holds the drawing. */
  readonly panelsOpen: boolean;
}

export function isSeen(inputs: SightInputs): boolean {
  return inputs.documentVisible && inputs.panelsOpen && inputs.intersecting;
}

/** The value shown before when `same` says the next one equals it, else the next one. */
export function keepIfSame<T>(shown: { readonly value: T } | undefined, next: T, same: (shown: T, next: T) => boolean): T {
  return shown !== undefined && same(shown.value, next) ? shown.value : next;
}

/** Flat records (no nested objects compared deeply) equal field by field. */
export function sameRecord(a: object, b: object): boolean {
  if (a === b) return true;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => Object.is((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Lists of flat records equal item by item, in order. */
export function sameRecords(a: readonly object[], b: readonly object[]): boolean {
  return a === b || (a.length === b.length && a.every((item, i) => sameRecord(item, b[i]!)));
}

/** Lists equal item by item (`Object.is`), in order. */
export function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((item, i) => Object.is(item, b[i])));
}
