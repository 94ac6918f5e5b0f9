/**
 * Questions a class asks of a sequence chart: which messages carried one event and when each peer first
 * held it; and what one anti-entropy exchange compared (the two version vectors) and shipped (the events
 * sent in answer). Pure functions of the chart's arrows and `held` records.
 */
import type { VersionVector } from '../engine/messages.ts';
import type { TraceRecord } from './messageTrace.ts';
import type { Arrow } from './sequenceChart.ts';

export interface EventTrail {
  /** Arrows whose `events` message carried the event, in order. */
  readonly carriers: readonly Arrow[];
  /** Per peer, the record at which it first held the event (its author's own write included). */
  readonly firstHeld: ReadonlyMap<string, TraceRecord>;
}

export function eventTrail(arrows: readonly Arrow[], held: readonly TraceRecord[], id: string): EventTrail {
  const carriers = arrows.filter((arrow) => arrow.t === 'events' && arrow.eventIds?.includes(id) === true);
  const firstHeld = new Map<string, TraceRecord>();
  for (const record of held) if (!firstHeld.has(record.peer) && record.eventIds?.includes(id) === true) firstHeld.set(record.peer, record);
  return { carriers, firstHeld };
}

export interface VvExchange {
  /** The summary that opened the exchange (a `vv` asking for a reply, or a `hello` on link-up). */
  readonly opening: Arrow;
  /** The other side's summary: the `vv` reply, or for a `hello` the hello the other side sent on that link-up. */
  readonly answer?: Arrow;
  /** Events the receiver shipped because of the opening summary. */
  readonly shippedByReceiver: readonly Arrow[];
  /** Events the opener shipped because of the answer. */
  readonly shippedByOpener: readonly Arrow[];
}

function isSummary(arrow: Arrow): boolean {
  return arrow.t === 'vv' || arrow.t === 'hello';
}

/**
 * Finds anti-entropy exchanges in a chart's arrows. Built once per redraw: it indexes arrows by the
 * received record that caused them, so each lookup is a few map reads instead of a scan.
 */
export class ExchangeIndex {
  readonly #arrows: readonly Arrow[];
  readonly #byCause = new Map<number, Arrow[]>();
  readonly #byReceive = new Map<number, Arrow>();
  /** Hellos by `from>to`. */
  readonly #hellos = new Map<string, Arrow[]>();

  constructor(arrows: readonly Arrow[]) {
    this.#arrows = arrows;
    for (const arrow of arrows) {
      const cause = arrow.send?.cause;
      if (cause !== undefined) {
        const list = this.#byCause.get(cause);
        if (list) list.push(arrow);
        else this.#byCause.set(cause, [arrow]);
      }
      if (arrow.recv) this.#byReceive.set(arrow.recv.seq, arrow);
      if (arrow.t === 'hello') {
        const key = `${arrow.from}>${arrow.to}`;
        const list = this.#hellos.get(key);
        if (list) list.push(arrow);
        else this.#hellos.set(key, [arrow]);
      }
    }
  }

  /** The exchange an arrow belongs to: from its opening summary, or from a `vv` reply. */
  exchange(arrow: Arrow): VvExchange | undefined {
    if (!isSummary(arrow)) return undefined;
    let opening = arrow;
    if (arrow.t === 'vv' && arrow.reply === false && arrow.send?.cause !== undefined) {
      const question = this.#byReceive.get(arrow.send.cause);
      if (question && isSummary(question)) opening = question;
    }
    const answered = this.#causedBy(opening.recv?.seq);
    const answer = answered.find((candidate) => candidate.t === 'vv') ?? (opening.t === 'hello' ? this.#helloBack(opening) : undefined);
    return {
      opening,
      ...(answer ? { answer } : {}),
      shippedByReceiver: answered.filter((candidate) => candidate.t === 'events'),
      shippedByOpener: this.#causedBy(answer?.recv?.seq).filter((candidate) => candidate.t === 'events'),
    };
  }

  /** The newest exchanges that shipped events (the ones worth showing a class), newest first. */
  recent(max: number): VvExchange[] {
    const found: VvExchange[] = [];
    // A link-up's two hellos are one exchange, seen from either side: list it once.
    const listed = new Set<Arrow>();
    for (let i = this.#arrows.length - 1; i >= 0 && found.length < max; i--) {
      const arrow = this.#arrows[i]!;
      if (!arrow.recv || !(arrow.t === 'hello' || (arrow.t === 'vv' && arrow.reply === true)) || listed.has(arrow)) continue;
      const exchange = this.exchange(arrow);
      if (!exchange || exchange.shippedByReceiver.length + exchange.shippedByOpener.length === 0) continue;
      found.push(exchange);
      listed.add(arrow);
      if (exchange.answer) listed.add(exchange.answer);
    }
    return found;
  }

  #causedBy(seq: number | undefined): Arrow[] {
    return seq === undefined ? [] : (this.#byCause.get(seq) ?? []);
  }

  /** On link-up both sides send a hello: the one going back, nearest in the trace. */
  #helloBack(hello: Arrow): Arrow | undefined {
    let best: Arrow | undefined;
    for (const arrow of this.#hellos.get(`${hello.to}>${hello.from}`) ?? []) {
      if (!best || Math.abs(arrow.id - hello.id) < Math.abs(best.id - hello.id)) best = arrow;
    }
    return best;
  }
}

/** The exchange an arrow belongs to (see `ExchangeIndex` to ask many times). */
export function vvExchange(arrows: readonly Arrow[], arrow: Arrow): VvExchange | undefined {
  return new ExchangeIndex(arrows).exchange(arrow);
}

export interface VectorRow {
  readonly author: string;
  readonly left: number;
  readonly right: number;
  readonly differs: boolean;
}

/** Two version vectors side by side, by author (absent counts as 0). */
export function compareVectors(left: VersionVector, right: VersionVector): VectorRow[] {
  const authors = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  return authors.map((author) => {
    const l = left[author] ?? 0;
    const r = right[author] ?? 0;
    return { author, left: l, right: r, differs: l !== r };
  });
}
