/**
 * When a peer sends its telemetry report (telemetry.ts says what one holds). A viewer reads a peer's
 * state, links and counters from its newest report; so a peer reports at the next tick after any of that
 * changed, and otherwise only a keepalive now and then, which refreshes its traffic counters and tells
 * viewers it is still there. The keepalive stretches with the room (10 s in a room of 8), so the room's
 * idle reports stay near KEEPALIVE_REPORTS_PER_SECOND whatever its size, instead of one per peer and
 * second. Pure: the driver's timer calls `tick`.
 */

/** Time between two ticks, the fastest a peer reports. Shorter shows changes sooner; each report costs the room a copy per peer. */
export const REPORT_INTERVAL_MS = 1000;
/**
 * Members a room holds before its peers report less often (every ceil(N / this) ticks), so a busy room
 * stays near this many reports a tick; higher keeps big rooms fresher and costs more reports.
 */
export const REPORTS_PER_PERIOD = 16;
/**
 * Keepalive reports a second from the whole idle room: each peer's keepalive is the room's size over
 * this, so the idle room's report rate, and each peer's share of its gossip, stays the same whatever the
 * room's size. Higher keeps idle counters fresher and costs every peer more; a viewer calls a peer stale
 * after a few keepalives (it learns of a departure sooner, from the departed peer's neighbours).
 */
export const KEEPALIVE_REPORTS_PER_SECOND = 0.8;
/** Shortest keepalive, in a room of two or three: below it, a keepalive would cost more than it tells. */
export const KEEPALIVE_MIN_MS = 2_000;

/** Ticks between two reports of a peer in a room of `members` other members. */
export function reportEvery(members: number): number {
  return Math.max(1, Math.ceil((members + 1) / REPORTS_PER_PERIOD));
}

/** The longest a peer in a room of `members` other members goes without reporting, in ticks. */
export function keepaliveTicks(members: number): number {
  const roomMs = ((members + 1) / KEEPALIVE_REPORTS_PER_SECOND) * 1000;
  return Math.ceil(Math.max(KEEPALIVE_MIN_MS, roomMs) / REPORT_INTERVAL_MS);
}

/** The report of one tick: its period (the longest time until the next one) and sequence number. */
export interface ReportSlot {
  readonly periodMs: number;
  readonly seq: number;
}

/**
 * Counts ticks and numbers reports. A seq starts from the wall clock so a reloaded tab's reports still
 * count as newer than the ones it sent before; keepalives count ticks, so a wall clock set back does not
 * silence a peer.
 */
export class ReportCadence {
  #seq = 0;
  #ticks = 0;
  #ticksSinceReport = 0;
  #state: string | undefined;

  /**
   * One tick at wall time `at`; `state` is what viewers read of this peer (its counters aside), as any
   * text that changes when that does. The report to send, or undefined when this tick stays silent.
   */
  tick(members: number, at: number, state: string): ReportSlot | undefined {
    this.#ticksSinceReport++;
    const every = reportEvery(members);
    if (this.#ticks++ % every !== 0) return undefined;
    const keepalive = keepaliveTicks(members);
    if (state === this.#state && this.#ticksSinceReport < keepalive) return undefined;
    this.#state = state;
    this.#ticksSinceReport = 0;
    this.#seq = Math.max(this.#seq + 1, at);
    return { periodMs: keepalive * REPORT_INTERVAL_MS, seq: this.#seq };
  }
}
