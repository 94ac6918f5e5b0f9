/**
 * The attacker panel's state: runs one attack at a time through an `Attacker` on the session's real links,
 * and shows each one's outcome as the rise of the victims' own counters since it began (their telemetry
 * reports, by gossip or from the server) and of the server's refusals of this page. An attack's numbers
 * stay live until the next one starts, then freeze.
 */
import type { PeerSession } from '../session/PeerSession.svelte.ts';
import { nameOf } from '../session/memberRoster.ts';
import type { TelemetryFeed } from '../telemetry/TelemetryFeed.svelte.ts';
import { Attacker, type AttackKind, type AttackPart, type FloodStats } from './attacker.ts';
import { baselineOf, outcomeSince, type Baseline, type Outcome } from './attackResults.ts';

/** Messages per link a flood sends by default: twice what the default budget tolerates before dropping. */
export const DEFAULT_FLOOD_PER_LINK = 20_000;
/** How often live outcomes are recomputed (reports arrive about once a second). */
const REFRESH_MS = 500;

export interface FloodLinkView {
  readonly name: string;
  readonly sent: number;
  readonly closedAfterMs?: number;
  /** Direct attempts this peer declined since the flood began (reconnects refused). */
  readonly declined: number;
}

export interface FloodView {
  readonly sent: number;
  readonly elapsedMs: number;
  /** Messages a second this page put on its links. */
  readonly rate: number;
  readonly links: readonly FloodLinkView[];
}

export interface AttackView {
  readonly id: number;
  readonly kind: AttackKind;
  readonly running: boolean;
  readonly parts: readonly AttackPart[];
  readonly note?: string;
  readonly outcome: Outcome;
  readonly flood?: FloodView;
}

interface Attempt {
  readonly id: number;
  readonly kind: AttackKind;
  readonly baseline: Baseline;
  running: boolean;
  parts: readonly AttackPart[];
  note?: string;
  flood?: FloodStats;
  /** Frozen when the next attack began. */
  final?: Outcome;
}

export class AttackModel {
  views = $state.raw<readonly AttackView[]>([]);
  busy = $state.raw(false);

  readonly #session: PeerSession;
  readonly #feed: TelemetryFeed;
  readonly #attacker: Attacker;
  readonly #attempts: Attempt[] = [];
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #declines: (peer: string) => number;

  constructor(session: PeerSession, feed: TelemetryFeed) {
    this.#session = session;
    this.#feed = feed;
    const port = session.attackPort();
    this.#declines = (peer) => port.declines(peer);
    this.#attacker = new Attacker(port);
    this.#timer = setInterval(() => this.#refresh(), REFRESH_MS);
  }

  async run(kind: AttackKind, floodPerLink = DEFAULT_FLOOD_PER_LINK): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const last = this.#attempts.at(-1);
    if (last && !last.final) last.final = this.#outcome(last);
    const attempt: Attempt = { id: this.#attempts.length + 1, kind, baseline: baselineOf(this.#feed.rows, this.#session.publicKey, this.#session.serverRefusals), running: true, parts: [] };
    this.#attempts.push(attempt);
    try {
      const run =
        kind === 'flood'
          ? await this.#attacker.flood(floodPerLink, () => performance.now(), (stats) => {
              attempt.flood = stats;
              this.#refresh();
            })
          : this.#attacker[kind]();
      attempt.parts = run.parts;
      if (run.note !== undefined) attempt.note = run.note;
      if (run.flood) attempt.flood = run.flood;
    } finally {
      attempt.running = false;
      this.busy = false;
      this.#refresh();
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #outcome(attempt: Attempt): Outcome {
    return attempt.final ?? outcomeSince(attempt.baseline, this.#feed.rows, this.#session.serverRefusals);
  }

  #refresh(): void {
    const linkName = (peer: string | undefined, link: string): string => (peer === undefined ? link : nameOf(this.#session.names, peer));
    this.views = this.#attempts
      .map((attempt): AttackView => {
        const flood = attempt.flood;
        return {
          id: attempt.id,
          kind: attempt.kind,
          running: attempt.running,
          parts: attempt.parts,
          ...(attempt.note === undefined ? {} : { note: attempt.note }),
          outcome: this.#outcome(attempt),
          ...(flood
            ? {
                flood: {
                  sent: flood.sent,
                  elapsedMs: flood.elapsedMs,
                  rate: flood.elapsedMs > 0 ? Math.round((flood.sent * 1000) / flood.elapsedMs) : 0,
                  links: flood.targets.map((target) => ({
                    name: linkName(target.peer, target.link),
                    sent: target.sent,
                    ...(target.closedAfterMs === undefined ? {} : { closedAfterMs: Math.round(target.closedAfterMs) }),
                    declined: target.peer === undefined ? 0 : this.#declines(target.peer) - (flood.declinesBefore[target.peer] ?? 0),
                  })),
                },
              }
            : {}),
        };
      })
      .reverse();
  }
}
