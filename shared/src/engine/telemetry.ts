/**
 * Telemetry reports: what one peer says about itself about once a second (its state, its traffic by link
 * kind, its rejections, its links and its version vector), so a dashboard can see the whole room. The one
 * schema below validates a report wherever it arrives: inside an engine `report` wire message (gossip,
 * decoded by messages.ts) and in the `report` socket event (central collection, decoded by the server).
 *
 * `ReportBook` keeps the newest report per origin, dedups by (origin, seq) and is bounded, so a flood of
 * reports costs each peer at most one forward per (origin, seq). It is pure: times come from its caller.
 * Over gossip a report is signed by its origin and verified before it is offered (reportSignature.ts).
 */
import { z } from 'zod';
import { MODES, type Mode } from './event.ts';
import { accept, reject, REJECTION_REASONS, type RejectionReason, type Result } from './rejections.ts';

/** Link kinds a report names: a peer's own links (the server's `client` side never reports). */
export const REPORTED_LINK_KINDS = ['server', 'direct', 'relay'] as const;
export type ReportedLinkKind = (typeof REPORTED_LINK_KINDS)[number];

export interface TrafficTotals {
  readonly sentMessages: number;
  readonly sentBytes: number;
  readonly receivedMessages: number;
  readonly receivedBytes: number;
}

export interface TelemetryReport {
  /** The reporting peer's key. */
  readonly peer: string;
  readonly name: string;
  /** Per-origin, increasing; a newer report replaces an older one (dedup key with `peer`). */
  readonly seq: number;
  /** The origin's wall clock (ms) when it built the report; shown, never compared across devices. */
  readonly at: number;
  /** True for a dashboard's session, which watches rather than writes. */
  readonly observer: boolean;
  /** How often this peer reports (ms): a viewer calls it stale after a few missed periods. */
  readonly periodMs: number;
  readonly mode: Mode;
  readonly digest: string;
  readonly events: number;
  readonly pending: number;
  /** Cumulative traffic since the session started, by link kind. */
  readonly traffic: Readonly<Record<ReportedLinkKind, TrafficTotals>>;
  /** Cumulative rejections, only the non-zero reasons. */
  readonly rejections: Readonly<Partial<Record<RejectionReason, number>>>;
  /** The peer's current links: `peer` is the remote key (the server's key for the `server` link). */
  readonly links: readonly { readonly peer: string; readonly kind: ReportedLinkKind }[];
  /** For each author, the highest sequence held without a gap: lets a viewer see when every peer holds an event. */
  readonly vv: Readonly<Record<string, number>>;
  /**
   * Since 1.1 (feature `versioned-report`; version.ts): the protocol the peer speaks, MAJOR.MINOR. A report
   * without it comes from a 1.0 peer.
   */
  readonly protocol?: string;
  /** Since 1.1: events the peer holds and forwards but does not understand (kinds of a newer version). */
  readonly unknown?: number;
}

/** Whether a report has the fields of feature `versioned-report`, which a 1.0 node cannot read. */
export function isVersionedReport(report: TelemetryReport): boolean {
  return report.protocol !== undefined || report.unknown !== undefined;
}

/** The protocol a report's origin speaks: a report without the field is from 1.0. */
export function reportedProtocol(report: TelemetryReport): string {
  return report.protocol ?? '1.0';
}

/** Most links one report names (the mesh degree is bounded far below this). */
export const MAX_REPORT_LINKS = 64;
/** Most authors one report's version vector names; a bigger room reports a truncated vector. */
export const MAX_REPORT_AUTHORS = 512;
/** Origins a `ReportBook` remembers; the least recently heard is forgotten first. */
export const MAX_REPORT_ORIGINS = 256;

const hexKey = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const totals = z.object({ sentMessages: count, sentBytes: count, receivedMessages: count, receivedBytes: count }).strict();
const reportedKind = z.enum(REPORTED_LINK_KINDS);

export const telemetryReportSchema = z
  .object({
    peer: hexKey,
    name: z.string().max(64),
    seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    at: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    observer: z.boolean(),
    periodMs: z.number().int().min(100).max(3_600_000),
    mode: z.enum(MODES as [Mode, ...Mode[]]),
    digest: z.string().max(128),
    events: count,
    pending: count,
    traffic: z.object({ server: totals, direct: totals, relay: totals }).strict(),
    rejections: z.partialRecord(z.enum(REJECTION_REASONS), count),
    links: z.array(z.object({ peer: hexKey, kind: reportedKind }).strict()).max(MAX_REPORT_LINKS),
    vv: z.record(hexKey, z.number().int().min(0).max(2 ** 31)).refine((vv) => Object.keys(vv).length <= MAX_REPORT_AUTHORS, 'too many authors'),
    protocol: z.string().regex(/^[1-9][0-9]{0,2}\.[0-9]{1,3}$/).optional(),
    unknown: count.optional(),
  })
  .strict();

/** The one decoder of a report from outside (a socket event); wire messages use the schema through messages.ts. */
export function decodeReport(raw: unknown): Result<TelemetryReport> {
  const parsed = telemetryReportSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return reject('schema', `report ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`);
  }
  return accept(parsed.data as TelemetryReport);
}

/** A report as held by a viewer: `receivedAt` is on the holder's clock (never the origin's). */
export interface HeldReport {
  readonly report: TelemetryReport;
  readonly receivedAt: number;
}

export class ReportBook {
  readonly #byOrigin = new Map<string, HeldReport>();
  readonly #maxOrigins: number;
  /** Reports offered that were older than or equal to the held one (flood duplicates). */
  duplicates = 0;

  constructor(maxOrigins = MAX_REPORT_ORIGINS) {
    this.#maxOrigins = maxOrigins;
  }

  /** Whether `offer` would keep this report (it is newer than the held one): asked before paying for a verification. */
  wouldAccept(report: TelemetryReport): boolean {
    const held = this.#byOrigin.get(report.peer);
    return held === undefined || held.report.seq < report.seq;
  }

  /** Keeps the report if it is newer than the held one for its origin; true when it was (forward it then). */
  offer(report: TelemetryReport, now: number): boolean {
    if (!this.wouldAccept(report)) {
      this.duplicates++;
      return false;
    }
    // Re-insert so Map order is least recently heard first: that one is evicted when full.
    this.#byOrigin.delete(report.peer);
    this.#byOrigin.set(report.peer, { report, receivedAt: now });
    if (this.#byOrigin.size > this.#maxOrigins) {
      const oldest = this.#byOrigin.keys().next().value;
      if (oldest !== undefined) this.#byOrigin.delete(oldest);
    }
    return true;
  }

  get(origin: string): HeldReport | undefined {
    return this.#byOrigin.get(origin);
  }

  all(): HeldReport[] {
    return [...this.#byOrigin.values()];
  }

  get size(): number {
    return this.#byOrigin.size;
  }
}
