/**
 * When this peer reports and where the report goes. Every REPORT_INTERVAL_MS tick may report; rooms
 * bigger than REPORTS_PER_PERIOD report every few ticks instead. The report enters the engine (kept, and
 * gossiped where the mode carries data peer to peer) and, while the server serves the room centrally,
 * goes to it over the socket too. What a report holds is `telemetryReport.ts`.
 */
import type { Input, Mode, PeerlabNode } from '@peerlab/shared';
import type { ServerLink } from '../transport/serverLink.ts';
import { buildReport, REPORT_INTERVAL_MS, REPORTS_PER_PERIOD } from './telemetryReport.ts';

/** Ticks between two reports of a peer in a room of `members` other members. */
export function reportEvery(members: number): number {
  return Math.max(1, Math.ceil((members + 1) / REPORTS_PER_PERIOD));
}

/** Whether the server collects reports now: it serves the room centrally (not p2p, service running). */
export function reportsCentrally(mode: Mode, serviceRunning: boolean): boolean {
  return mode !== 'p2p' && serviceRunning;
}

/** The report of one tick: its period and sequence number. */
export interface ReportSlot {
  readonly periodMs: number;
  readonly seq: number;
}

/**
 * Counts ticks and numbers reports. A seq starts from the wall clock so a reloaded tab's reports still
 * count as newer than the ones it sent before.
 */
export class ReportCadence {
  #seq = 0;
  #ticks = 0;

  /** One tick at wall time `at`: the report to send, or undefined when this tick skips. */
  tick(members: number, at: number): ReportSlot | undefined {
    const every = reportEvery(members);
    if (this.#ticks++ % every !== 0) return undefined;
    this.#seq = Math.max(this.#seq + 1, at);
    return { periodMs: every * REPORT_INTERVAL_MS, seq: this.#seq };
  }
}

export interface TelemetryReporterOptions {
  readonly node: PeerlabNode;
  readonly name: string;
  readonly observer: boolean;
  readonly server: Pick<ServerLink, 'joined' | 'report'>;
  readonly wall: () => number;
  /** Members of the room other than this peer. */
  readonly members: () => number;
  /** Feeds the report to the engine (the driver's `apply`). */
  readonly apply: (input: Extract<Input, { type: 'report' }>) => void;
}

export class TelemetryReporter {
  readonly #options: TelemetryReporterOptions;
  readonly #cadence = new ReportCadence();
  readonly #timer: ReturnType<typeof setInterval>;
  #stopped = false;

  constructor(options: TelemetryReporterOptions) {
    this.#options = options;
    this.#timer = setInterval(() => this.#report(), REPORT_INTERVAL_MS);
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  #report(): void {
    if (this.#stopped) return;
    const { node, name, observer, server, wall, members, apply } = this.#options;
    const at = wall();
    const slot = this.#cadence.tick(members(), at);
    if (!slot) return;
    const report = buildReport({ node, name, observer, periodMs: slot.periodMs, seq: slot.seq, at });
    apply({ type: 'report', report });
    if (server.joined && reportsCentrally(node.mode, node.serviceRunning)) server.report(report);
  }
}
