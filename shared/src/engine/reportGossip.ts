/**
 * Telemetry reports over gossip: the newest report per origin (telemetry.ts), the reports awaiting their
 * signature check (reportSignature.ts), and which peer links a report is flooded to. Dedup comes first, so
 * a copy not newer than the held report of its origin (another path of the flood, a replay) costs neither
 * a verification nor a forward. Pure: the node signs, sends and counts.
 */
import type { LinkKind } from './mode.ts';
import { isPeerLink, type LinkState } from './linkTable.ts';
import { PendingReports, type PendingAdd, type PendingReport } from './reportSignature.ts';
import { isVersionedReport, ReportBook, type HeldReport, type TelemetryReport } from './telemetry.ts';
import { hasFeature } from './version.ts';

export class ReportGossip {
  /** Newest telemetry report per origin, heard by gossip (and this node's own). */
  readonly #book = new ReportBook();
  /** Gossiped reports waiting for their signature check. */
  readonly #pending: PendingReports;

  constructor(room: string) {
    this.#pending = new PendingReports(room);
  }

  /** The newest report of each origin (receivedAt on the driver's clock). */
  all(): HeldReport[] {
    return this.#book.all();
  }

  /** A gossiped report: `stale` when not newer than the held one, else whether to ask for its verification. */
  receive(report: TelemetryReport, sig: string, link: string): PendingAdd | { readonly kind: 'stale' } {
    if (!this.#book.wouldAccept(report)) return { kind: 'stale' };
    return this.#pending.add(report, sig, link);
  }

  /** The pending report a verify result is about; undefined for an event's id or a stale answer. */
  take(id: string): PendingReport | undefined {
    return this.#pending.take(id);
  }

  /**
   * Keeps a verified (or own) report if it is newer than the held one of its origin, and returns the
   * links to flood it to: every peer link that carries all data (`carriesAll`), but not the one it came
   * from nor its origin's. Signed whole, a newer report form cannot be cut down for an older remote: it is
   * withheld from a remote without the feature. N reports a period thus cost each peer about N × degree
   * messages, which shows in the direct/relay traffic.
   */
  flood(report: TelemetryReport, source: string | undefined, now: number, links: Iterable<[string, LinkState]>, carriesAll: (kind: LinkKind) => boolean): string[] {
    if (!this.#book.offer(report, now)) return [];
    const feature = isVersionedReport(report) ? 'versioned-report' : undefined;
    const targets: string[] = [];
    for (const [linkId, link] of links) {
      if (linkId === source || link.peer === report.peer || !isPeerLink(link.kind)) continue;
      if (!carriesAll(link.kind)) continue;
      if (feature !== undefined && !hasFeature(link.remote, feature)) continue;
      targets.push(linkId);
    }
    return targets;
  }
}
