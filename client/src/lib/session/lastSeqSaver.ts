/**
 * When the highest sequence number this identity used is written to storage (identity.ts, saveLastSeq):
 * at once for a write after a quiet spell, at most once per SAVE_GAP_MS during a burst (the newest number,
 * at the end of the gap), and at once when the page is hidden or left. Every write used to save it:
 * `sessionStorage.setItem` took 412 ms of the last page's main thread in an 8-page p2p flood (`npm run
 * bench:p2p -- --pages 8 --mode p2p --profile`), more than verifying every event it received.
 *
 * What a reload must not reuse stays covered: leaving the page (reload, navigation, closing the tab) fires
 * `pagehide`, which saves; the page's own events reach IndexedDB within 20 ms (eventCache.ts) and a
 * restored own event raises the counter (the engine's restore); and every link's first summary names this
 * author's highest seq held in the room. Only a renderer crash within a burst's gap, before the IndexedDB
 * commit and before any link is back, could reuse one, and the room would show that as an equivocation.
 */
import type { WallClock } from './wallClock.ts';

/** Longest a burst's newest sequence number waits to be saved: fewer saves against a longer crash window. */
export const SAVE_GAP_MS = 250;

export class LastSeqSaver {
  readonly #save: (seq: number) => void;
  readonly #clock: WallClock;
  #savedAt = Number.NEGATIVE_INFINITY;
  /** The newest number not saved yet, and the timer that will save it. */
  #pending: number | undefined;
  #cancel: (() => void) | undefined;

  constructor(save: (seq: number) => void, clock: WallClock) {
    this.#save = save;
    this.#clock = clock;
  }

  /** This identity has now used `seq`. */
  note(seq: number): void {
    this.#pending = seq;
    if (this.#cancel !== undefined) return;
    const wait = this.#savedAt + SAVE_GAP_MS - this.#clock.now();
    if (wait <= 0) this.flush();
    else this.#cancel = this.#clock.after(wait, () => this.flush());
  }

  /** Saves what waits now (the page is hidden or left, or the session closes). */
  flush(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    if (this.#pending === undefined) return;
    const seq = this.#pending;
    this.#pending = undefined;
    this.#savedAt = this.#clock.now();
    this.#save(seq);
  }
}
