/**
 * How long a visible page waits between two refreshes of what it shows. A refresh costs script (the
 * session's fields, Svelte's flush) and then the frame's style, layout and paint, and a busy room has news
 * for every refresh. Measured with `npm run bench:p2p` and a CDP probe: a page receiving 20 events/s spent
 * 1.2 s of main thread per 5 s shown, 0.4 s with its body hidden, so eight visible pages on one laptop
 * spent most of both cores drawing, and the events waited behind the drawing. The pacer keeps drawing to
 * about DRAWING_SHARE of the time: the gap is the recent cost of a refresh divided by that share, within
 * [REFRESH_GAP_MS, REFRESH_GAP_MAX_MS]. A cheap page (a quiet room, a fast machine) still refreshes ten
 * times a second; a page that waits its turn on a saturated machine measures a longer cost and backs off.
 * Pure arithmetic on the costs it is told; the session measures them.
 */

/** Shortest gap: ten refreshes a second is as fast as people read counters. */
export const REFRESH_GAP_MS = 100;
/** Longest gap: however costly the drawing, what the room does shows within a second. */
export const REFRESH_GAP_MAX_MS = 1000;
/** The share of the time a visible page spends refreshing and drawing, at most (until the shortest gap). */
export const DRAWING_SHARE = 0.1;
/** Weight of the newest cost in the running estimate: one slow frame does not halve the refresh rate. */
const NEWEST_WEIGHT = 0.3;

export class RefreshPacer {
  /** Running estimate of one refresh's cost in ms (undefined until the first is measured). */
  #costMs: number | undefined;

  /** A refresh took `ms` from its start until its frame was drawn. */
  measured(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.#costMs = this.#costMs === undefined ? ms : this.#costMs + NEWEST_WEIGHT * (ms - this.#costMs);
  }

  get costMs(): number | undefined {
    return this.#costMs;
  }

  /** Least time from one refresh to the next. */
  get gapMs(): number {
    const wanted = (this.#costMs ?? 0) / DRAWING_SHARE;
    return Math.min(REFRESH_GAP_MAX_MS, Math.max(REFRESH_GAP_MS, wanted));
  }
}
