/**
 * Lazy report gossip, the asking side (feature `report-announce`): which neighbour announced which
 * report, and which reports this node asked for and from whom. A report is asked of one announcer at a
 * time; if it does not arrive within REPORT_WANT_TIMEOUT_MS (or fails its signature check, or that link
 * goes), the next announcer is asked. So each node receives each report about once, however many
 * neighbours announce it. Pure: times come from the caller.
 */
import { MAX_REPORT_ORIGINS } from './telemetry.ts';

/**
 * How long an asked-for report may take before the next announcer is asked. Longer wastes fewer
 * duplicate answers on a slow link; shorter recovers sooner from a lost message or a lying announcer.
 */
export const REPORT_WANT_TIMEOUT_MS = 2_000;
/** Times one announcer is asked again for a report when no other announced it (a lossy link). */
const MAX_ASKS_PER_LINK = 3;

interface Want {
  /** The highest seq announced for the origin so far. */
  seq: number;
  link: string;
  askedAt: number;
  /** Other announcers and the seq each named. */
  readonly alternatives: Map<string, number>;
  /** How many times each link was asked. */
  readonly asked: Map<string, number>;
}

/** rwant messages to send: link -> origins. */
export type Asks = Map<string, string[]>;

export function addAsk(asks: Asks, link: string, origin: string): void {
  const list = asks.get(link);
  if (list) list.push(origin);
  else asks.set(link, [origin]);
}

export class ReportWants {
  readonly #wants = new Map<string, Want>();
  readonly #max: number;

  /** `max`: origins asked for at once (a report book holds no more), so made-up announcements stop there. */
  constructor(max = MAX_REPORT_ORIGINS) {
    this.#max = max;
  }

  /** `link` announced `origin`'s report `seq`, which this node lacks: whether to ask it now. */
  announced(origin: string, seq: number, link: string, now: number): boolean {
    const want = this.#wants.get(origin);
    if (!want) {
      if (this.#wants.size >= this.#max) return false;
      this.#wants.set(origin, { seq, link, askedAt: now, alternatives: new Map(), asked: new Map([[link, 1]]) });
      return true;
    }
    if (seq > want.seq) want.seq = seq;
    if (link !== want.link) want.alternatives.set(link, Math.max(want.alternatives.get(link) ?? 0, seq));
    return false;
  }

  /**
   * A report of `origin` up to `seq` is now held: done, unless a newer one was announced meanwhile, which
   * is then asked of the best announcer.
   */
  held(origin: string, seq: number, now: number, asks: Asks): void {
    const want = this.#wants.get(origin);
    if (!want) return;
    if (seq >= want.seq) {
      this.#wants.delete(origin);
      return;
    }
    for (const [link, announced] of want.alternatives) if (announced <= seq) want.alternatives.delete(link);
    this.#askNext(origin, want, now, asks, true);
  }

  /** The asked link sent a report that failed its check: ask another announcer. */
  failed(origin: string, link: string, now: number, asks: Asks): void {
    const want = this.#wants.get(origin);
    if (want && want.link === link) this.#askNext(origin, want, now, asks, false);
  }

  /** A link went away: what it was asked goes to another announcer. */
  linkDown(link: string, now: number, asks: Asks): void {
    for (const [origin, want] of this.#wants) {
      want.alternatives.delete(link);
      if (want.link === link) this.#askNext(origin, want, now, asks, false);
    }
  }

  /** Asks that ran out of time go to the next announcer (or, on a lossy link, to the same one again). */
  expire(now: number, asks: Asks): void {
    for (const [origin, want] of this.#wants) if (now >= want.askedAt + REPORT_WANT_TIMEOUT_MS) this.#askNext(origin, want, now, asks, true);
  }

  /** When the oldest ask runs out of time. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const want of this.#wants.values()) next = next === undefined ? want.askedAt + REPORT_WANT_TIMEOUT_MS : Math.min(next, want.askedAt + REPORT_WANT_TIMEOUT_MS);
    return next;
  }

  get size(): number {
    return this.#wants.size;
  }

  /** `againSameLink`: the current announcer may be asked again if no other one is left (not after a bad answer). */
  #askNext(origin: string, want: Want, now: number, asks: Asks, againSameLink: boolean): void {
    let best: string | undefined;
    let bestSeq = 0;
    for (const [link, seq] of want.alternatives) {
      if (seq > bestSeq) {
        best = link;
        bestSeq = seq;
      }
    }
    if (best === undefined && againSameLink && (want.asked.get(want.link) ?? 0) < MAX_ASKS_PER_LINK) best = want.link;
    if (best === undefined) {
      this.#wants.delete(origin);
      return;
    }
    want.alternatives.delete(best);
    want.link = best;
    want.askedAt = now;
    want.asked.set(best, (want.asked.get(best) ?? 0) + 1);
    addAsk(asks, best, origin);
  }
}

