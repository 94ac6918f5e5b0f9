/**
 * Signed telemetry reports (issue 5): the origin signs its report, and a receiver checks the signature
 * against `report.peer` before it keeps or forwards the report, so no peer can put numbers in another
 * peer's name on the presenter's dashboard.
 *
 * `PendingReports` holds the reports waiting for their (asynchronous) verification. It is bounded, and
 * the node only adds a report the `ReportBook` would accept, so stale or replayed copies of a flood cost
 * no verification. Pure, like the rest of the engine.
 */
import { canonicalJson, utf8 } from './encoding.ts';
import type { TelemetryReport } from './telemetry.ts';
import type { VerifyRequest } from '../ports/ports.ts';

/**
 * Domain separation: an event's signed bytes are a canonical JSON object (they start with `{`), these
 * start with this text, so a report signature can never pass for an event's, nor the reverse.
 */
const REPORT_SIGNING_PREFIX = 'peerlab/report/v1\n';

/**
 * What an origin signs: the prefix, then the room and the report as canonical JSON (sorted keys, so the
 * bytes do not depend on the key order a decoder produced). The room is signed but not sent: a report
 * from one room cannot be replayed into another.
 */
export function reportSigningBytes(room: string, report: TelemetryReport): Uint8Array {
  return utf8(reportSigningText(room, report));
}

function reportSigningText(room: string, report: TelemetryReport): string {
  return REPORT_SIGNING_PREFIX + canonicalJson({ room, report });
}

/**
 * Reports awaiting verification at once. Honest traffic keeps this near the number of origins heard in
 * one verifier round trip; a flood of forged reports stops here instead of growing memory (and the
 * reports over the cap are refused, as the flooding link's fault).
 */
export const MAX_PENDING_REPORTS = 64;

/** Verify request ids of reports; event ids are 32 hex digits, so the two can never collide. */
const REPORT_REQUEST_PREFIX = 'report:';

export interface PendingReport {
  readonly report: TelemetryReport;
  readonly sig: string;
  /** The link it arrived on: blamed if the signature is bad, skipped when it is forwarded. */
  readonly link: string;
  /** ms the forwarder had held it (feature `report-announce`; 0 when not said). */
  readonly age: number;
}

export type PendingAdd =
  | { readonly kind: 'verify'; readonly request: VerifyRequest }
  /** The very same report and signature already await their answer (another path of the flood). */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'full' };

export class PendingReports {
  readonly #room: string;
  readonly #max: number;
  readonly #pending = new Map<string, PendingReport & { readonly text: string }>();
  #nextId = 0;

  constructor(room: string, max = MAX_PENDING_REPORTS) {
    this.#room = room;
    this.#max = max;
  }

  add(report: TelemetryReport, sig: string, link: string, age = 0): PendingAdd {
    const text = reportSigningText(this.#room, report);
    // Compared by content, not by (origin, seq) alone: a tampered copy that arrived first must not
    // shadow the genuine one behind it.
    for (const pending of this.#pending.values()) if (pending.sig === sig && pending.text === text) return { kind: 'duplicate' };
    if (this.#pending.size >= this.#max) return { kind: 'full' };
    const id = `${REPORT_REQUEST_PREFIX}${this.#nextId++}`;
    this.#pending.set(id, { report, sig, link, age, text });
    return { kind: 'verify', request: { id, publicKey: report.peer, message: utf8(text), signature: sig } };
  }

  /** Removes and returns the report a verify result is about; undefined for an event's id or a stale answer. */
  take(id: string): PendingReport | undefined {
    if (!id.startsWith(REPORT_REQUEST_PREFIX)) return undefined;
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    this.#pending.delete(id);
    return { report: pending.report, sig: pending.sig, link: pending.link, age: pending.age };
  }

  get size(): number {
    return this.#pending.size;
  }
}
