/**
 * When this peer reports and where the report goes. Every REPORT_INTERVAL_MS tick may report: at the
 * next tick after something a viewer reads changed, else a keepalive now and then (the engine's
 * `ReportCadence`). The report enters the engine (kept, and gossiped where the mode carries data peer to
 * peer) and, while the server serves the room centrally, goes to it over the socket too. What a report
 * holds is `telemetryReport.ts`.
 */
import { REPORT_INTERVAL_MS, ReportCadence, type Input, type Mode, type PeerlabNode } from '@peerlab/shared';
import type { ServerLink } from '../transport/serverLink.ts';
import { buildReport, viewerState } from './telemetryReport.ts';

/** Whether the server collects reports now: it serves the room centrally (not p2p, service running). */
export function reportsCentrally(mode: Mode, serviceRunning: boolean): boolean {
  return mode !== 'p2p' && serviceRunning;
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
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(options: TelemetryReporterOptions) {
    this.#options = options;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /**
   * One tick a REPORT_INTERVAL_MS after the last one ran, not on a fixed grid: a grid (setInterval)
   * follows a late tick with an early one, and two reports a few hundred ms apart are what the server's
   * report budget refuses.
   */
  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#report();
      if (!this.#stopped) this.#schedule();
    }, REPORT_INTERVAL_MS);
  }

  #report(): void {
    if (this.#stopped) return;
    const { node, name, observer, server, wall, members, apply } = this.#options;
    const at = wall();
    const central = server.joined && reportsCentrally(node.mode, node.serviceRunning);
    // The server starting to collect is a change too: its central view gets this peer at once.
    const slot = this.#cadence.tick(members(), at, `${viewerState(node)}|${central}`);
    if (!slot) return;
    const report = buildReport({ node, name, observer, periodMs: slot.periodMs, seq: slot.seq, at });
    apply({ type: 'report', report });
    if (central) server.report(report);
  }
}
