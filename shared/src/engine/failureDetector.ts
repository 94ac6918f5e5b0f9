/**
 * Heartbeat failure detection over links. Any message heard on a link proves it alive; a link quiet
 * for `heartbeatMs` gets a ping; a link silent for `suspectAfterMs` is suspected and dropped, so the
 * overlay repairs itself even when the transport (WebRTC's own timeouts take ~30 s) has not noticed.
 */
export interface FailureDetectorConfig {
  /** Quiet time after which a link is pinged. Shorter detects sooner and costs a message per link per period. */
  readonly heartbeatMs: number;
  /** Silence after which a link is suspected dead. Must exceed heartbeatMs plus a round trip, or live links are cut. */
  readonly suspectAfterMs: number;
}

export const DEFAULT_FAILURE_DETECTOR: FailureDetectorConfig = { heartbeatMs: 2_000, suspectAfterMs: 8_000 };

export class FailureDetector {
  readonly #config: FailureDetectorConfig;
  readonly #heard = new Map<string, number>();
  readonly #sent = new Map<string, number>();

  constructor(config: FailureDetectorConfig = DEFAULT_FAILURE_DETECTOR) {
    if (config.suspectAfterMs <= config.heartbeatMs) throw new Error('suspectAfterMs must exceed heartbeatMs');
    this.#config = config;
  }

  watch(link: string, now: number): void {
    this.#heard.set(link, now);
    this.#sent.set(link, now);
  }

  forget(link: string): void {
    this.#heard.delete(link);
    this.#sent.delete(link);
  }

  heard(link: string, now: number): void {
    if (this.#heard.has(link)) this.#heard.set(link, now);
  }

  sent(link: string, now: number): void {
    if (this.#sent.has(link)) this.#sent.set(link, now);
  }

  /** Links silent for too long: the caller drops them. */
  suspects(now: number): string[] {
    // Compared as `now >= deadline`, exactly as nextDeadline() computes it: with fractional times,
    // `now - at >= ms` can be false at the very deadline it announced, and the caller would spin.
    return overdue(this.#heard, now, this.#config.suspectAfterMs);
  }

  /** Links this node has sent nothing on for a heartbeat period: the caller pings them. */
  due(now: number): string[] {
    return overdue(this.#sent, now, this.#config.heartbeatMs);
  }

  /** Whether some link is suspected or due a ping at `now` (what suspects() and due() would list). */
  anyOverdue(now: number): boolean {
    const next = this.nextDeadline();
    return next !== undefined && now >= next;
  }

  nextDeadline(): number | undefined {
    let next = Infinity;
    for (const at of this.#heard.values()) next = Math.min(next, at + this.#config.suspectAfterMs);
    for (const at of this.#sent.values()) next = Math.min(next, at + this.#config.heartbeatMs);
    return Number.isFinite(next) ? next : undefined;
  }
}

/** Links whose time in `times` is at least `ms` before `now`, in the map's order (forEach: no [link, time] pair per entry). */
function overdue(times: ReadonlyMap<string, number>, now: number, ms: number): string[] {
  const links: string[] = [];
  times.forEach((at, link) => {
    if (now >= at + ms) links.push(link);
  });
  return links;
}
