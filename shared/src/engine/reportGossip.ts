/**
 * Telemetry reports over gossip: the newest report per origin (telemetry.ts) and its signature, the
 * reports awaiting their signature check (reportSignature.ts), and how a report spreads. Dedup comes
 * first, so a copy not newer than the held report of its origin (another path, a replay) costs neither a
 * verification nor a forward. Pure: the node signs, sends and counts.
 *
 * How a report spreads over a peer link depends on the remote:
 * - a remote with feature `report-announce` (1.2) gets an announcement (`rhave`: origin, seq) and asks
 *   (`rwant`) for what it lacks, from one announcer at a time (reportWants.ts). Each node so receives each
 *   report about once: a report costs the room one copy per node plus an announcement of a few dozen bytes
 *   per link, instead of one copy per link, and per node that grows with its degree, not with the room;
 * - an older remote gets it pushed whole, as before (flooding with dedup).
 * A new 1.2 neighbour is announced every report held, so a dashboard that just joined sees the room at once.
 */
import type { LinkKind } from './mode.ts';
import { isPeerLink, type LinkState } from './linkTable.ts';
import { MAX_ANNOUNCED_REPORTS, MAX_REPORT_AGE_MS } from './messages.ts';
import { PendingReports, type PendingAdd, type PendingReport } from './reportSignature.ts';
import { REPORT_WANT_TIMEOUT_MS, ReportWants, type Asks } from './reportWants.ts';
import { isVersionedReport, MAX_REPORT_ORIGINS, ReportBook, type HeldReport, type TelemetryReport } from './telemetry.ts';
import { CURRENT_PROTOCOL, hasFeature, type ProtocolVersion } from './version.ts';

export type { Asks } from './reportWants.ts';

/** An ask repeated this soon after an answer is not answered again: under the asker's timeout, so its retry is. */
const ANSWER_AGAIN_AFTER_MS = REPORT_WANT_TIMEOUT_MS / 2;

/** How a newly kept report goes out: pushed whole to older remotes, announced to those with `report-announce`. */
export interface ReportPlan {
  readonly push: readonly string[];
  readonly announce: readonly string[];
}

/** Where a report to keep comes from: undefined `sig` and `link` for this node's own. */
export interface ReportSource {
  readonly sig: string | undefined;
  readonly link: string | undefined;
  /** ms the forwarder had held it (feature `report-announce`). */
  readonly age?: number;
}

/** A report to send in answer to an ask, with how long this node has held it. */
export interface ReportAnswer {
  readonly report: TelemetryReport;
  readonly sig: string;
  readonly age: number;
}

/** Whether reports over a link go by announcement: both ends read `rhave`/`rwant` (feature `report-announce`). */
export function announces(local: ProtocolVersion, remote: ProtocolVersion | undefined): boolean {
  return hasFeature(local, 'report-announce') && hasFeature(remote, 'report-announce');
}

export class ReportGossip {
  /** Newest telemetry report per origin, heard by gossip (and this node's own). */
  readonly #book = new ReportBook();
  /** The signature of each held report (an own report is held unsigned until some link carries it). */
  readonly #sigs = new Map<string, { seq: number; sig: string }>();
  /** Gossiped reports waiting for their signature check. */
  readonly #pending: PendingReports;
  /** link -> origin -> newest seq the remote is known to hold (it announced or sent it, or we sent it). */
  readonly #remoteHas = new Map<string, Map<string, { seq: number; at: number }>>();
  readonly #wants = new ReportWants();
  /** The protocol this node speaks: announcements only where it has the feature too. */
  readonly #local: ProtocolVersion;

  constructor(room: string, local: ProtocolVersion = CURRENT_PROTOCOL) {
    this.#pending = new PendingReports(room);
    this.#local = local;
  }

  /** Whether reports over a link to `remote` go by announcement. */
  announcesTo(remote: ProtocolVersion | undefined): boolean {
    return announces(this.#local, remote);
  }

  /** The newest report of each origin (receivedAt on the driver's clock). */
  all(): HeldReport[] {
    return this.#book.all();
  }

  /** A gossiped report: `stale` when not newer than the held one, else whether to ask for its verification. */
  receive(report: TelemetryReport, sig: string, link: string, age = 0): PendingAdd | { readonly kind: 'stale' } {
    if (!this.#book.wouldAccept(report)) return { kind: 'stale' };
    return this.#pending.add(report, sig, link, age);
  }

  /** The pending report a verify result is about; undefined for an event's id or a stale answer. */
  take(id: string): PendingReport | undefined {
    return this.#pending.take(id);
  }

  /**
   * Keeps a verified (or own) report if it is newer than the held one of its origin, and returns where it
   * goes: every peer link that carries all data (`carriesAll`), but not the one it came from, nor its
   * origin's, nor one whose remote already holds it. Signed whole, a newer report form cannot be cut down
   * for an older remote: it is withheld from a remote without the feature. A forwarded report's age is
   * taken off its receipt time. Undefined when it was not newer. Asks it settles or starts go to `asks`.
   */
  accept(report: TelemetryReport, from: ReportSource, now: number, links: Iterable<[string, LinkState]>, carriesAll: (kind: LinkKind) => boolean, asks: Asks): ReportPlan | undefined {
    const { sig, link: source, age = 0 } = from;
    if (!this.#book.offer(report, now - Math.min(age, MAX_REPORT_AGE_MS))) return undefined;
    if (sig !== undefined) this.#sigs.set(report.peer, { seq: report.seq, sig });
    else this.#sigs.delete(report.peer);
    this.#wants.held(report.peer, report.seq, now, asks);
    // Only once verified: a forged copy must not make us withhold the genuine one from its sender.
    if (source !== undefined) this.#noteHas(source, report.peer, report.seq, 0);
    const versioned = isVersionedReport(report);
    const push: string[] = [];
    const announce: string[] = [];
    for (const [linkId, link] of links) {
      if (linkId === source || link.peer === report.peer || !isPeerLink(link.kind) || !carriesAll(link.kind) || link.refused) continue;
      if (versioned && !hasFeature(link.remote, 'versioned-report')) continue;
      if ((this.#remoteHas.get(linkId)?.get(report.peer)?.seq ?? 0) >= report.seq) continue;
      (this.announcesTo(link.remote) ? announce : push).push(linkId);
    }
    return { push, announce };
  }

  /** This node's own report got its signature (it is sent now): kept to answer asks. */
  signed(report: TelemetryReport, sig: string): void {
    const held = this.#book.get(report.peer);
    if (held?.report.seq === report.seq) this.#sigs.set(report.peer, { seq: report.seq, sig });
  }

  /** We sent (or announced to a remote that will ask for) this report over `link`. */
  sent(link: string, report: TelemetryReport, now: number): void {
    this.#noteHas(link, report.peer, report.seq, now);
  }

  /** `link` announced these reports: the origins to ask it for now (newer than held, not asked elsewhere). */
  announced(link: string, reports: readonly (readonly [string, number])[], self: string, now: number): string[] {
    const ask: string[] = [];
    for (const [origin, seq] of reports) {
      this.#noteHas(link, origin, seq, 0);
      if (origin === self) continue;
      const held = this.#book.get(origin);
      if (held && held.report.seq >= seq) continue;
      if (this.#wants.announced(origin, seq, link, now)) ask.push(origin);
    }
    return ask;
  }

  /**
   * `link` asked for these origins' reports: the held ones it does not hold yet, at most once per report
   * and ANSWER_AGAIN_AFTER_MS (so an ask cannot be turned into a stream of answers, while an asker whose
   * answer was lost, asking again after its timeout, is answered).
   */
  asked(link: string, origins: readonly string[], remote: ProtocolVersion | undefined, now: number): ReportAnswer[] {
    const answers: ReportAnswer[] = [];
    for (const origin of new Set(origins)) {
      const held = this.#book.get(origin);
      const signed = this.#sigs.get(origin);
      if (!held || !signed || signed.seq !== held.report.seq) continue;
      if (isVersionedReport(held.report) && !hasFeature(remote, 'versioned-report')) continue;
      const has = this.#remoteHas.get(link)?.get(origin);
      if (has && has.seq >= held.report.seq && now < has.at + ANSWER_AGAIN_AFTER_MS) continue;
      this.#noteHas(link, origin, held.report.seq, now);
      answers.push({ report: held.report, sig: signed.sig, age: Math.round(Math.max(0, Math.min(MAX_REPORT_AGE_MS, now - held.receivedAt))) });
    }
    return answers;
  }

  /** A new neighbour with `report-announce`: every signed report held (but its own, and old ones), to announce. */
  heldFor(remotePeer: string | undefined, now: number): [string, number][] {
    const held: [string, number][] = [];
    for (const { report, receivedAt } of this.#book.all()) {
      if (report.peer === remotePeer || now - receivedAt > MAX_REPORT_AGE_MS) continue;
      if (this.#sigs.get(report.peer)?.seq === report.seq) held.push([report.peer, report.seq]);
    }
    return held.slice(-MAX_ANNOUNCED_REPORTS);
  }

  /** A report asked of `link` failed its signature check: ask another announcer. */
  failed(origin: string, link: string, now: number, asks: Asks): void {
    this.#wants.failed(origin, link, now, asks);
  }

  linkDown(link: string, now: number, asks: Asks): void {
    this.#remoteHas.delete(link);
    this.#wants.linkDown(link, now, asks);
  }

  expire(now: number, asks: Asks): void {
    this.#wants.expire(now, asks);
  }

  /** When an ask runs out of time (the node wakes then). */
  nextDeadline(): number | undefined {
    return this.#wants.nextDeadline();
  }

  #noteHas(link: string, origin: string, seq: number, at: number): void {
    let has = this.#remoteHas.get(link);
    if (!has) {
      has = new Map();
      this.#remoteHas.set(link, has);
    }
    const known = has.get(origin);
    // Bounded like the book: a remote naming made-up origins cannot grow this without end.
    if (!known && has.size >= MAX_REPORT_ORIGINS) return;
    if (!known || known.seq < seq) has.set(origin, { seq, at });
    else if (known.seq === seq && at > known.at) known.at = at;
  }
}

