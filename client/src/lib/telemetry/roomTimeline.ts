/**
 * A dashboard's picture of the room over time, built from telemetry reports (central from the server, or
 * gossiped): per peer the newest report and its age, and one sample a second of room-wide series —
 * traffic through the server vs between peers, time for an event to reach every peer, events pending,
 * rejections by reason — plus the room graph (nodes, edges) and message flows. Framework-free.
 *
 * Clock skew: every time here is on the viewer's own clock — when the viewer (or the server, translated
 * by the offset of its answer) received a report — never the origin's `at`. Devices' clocks can differ
 * by seconds; receipt times on one clock cannot. The price is resolution: reach time is measured to
 * about one report period (plus gossip delay), an upper bound, never a negative or skewed number.
 */
import { REJECTION_REASONS, reportedProtocol, type HeldReport, type Mode, type RejectionReason, type TelemetryReport } from '@peerlab/shared';

/**
 * A peer whose newest report is older than this is stale: faded, and left out of room-wide sums. At least
 * STALE_MS, and more for a peer that reports less often (a big room): STALE_PERIODS of its own periods.
 */
export const STALE_MS = 3500;
export const STALE_PERIODS = 3;

export function staleAfter(report: TelemetryReport): number {
  return Math.max(STALE_MS, STALE_PERIODS * report.periodMs + 500);
}
/**
 * A peer whose newest report names a link that the other end's newer report no longer has, for this
 * long, is gone (stale) without waiting out its period: a peer that lost a link reports at its next tick,
 * so this covers a tick and the gossip, and a link merely rewired does not flicker stale.
 */
export const DEPARTURE_GRACE_MS = 2500;
/**
 * A report that comes more than this long after the previous one of its peer (a keepalive) has its
 * traffic spread over the samples it covers, rather than piled into one second.
 */
const SPREAD_AFTER_MS = 2000;
/** Seconds of history the charts keep (two minutes fit a projector and a lesson's switch or two). */
export const WINDOW_SAMPLES = 120;
/** Events first seen this soon after the timeline started are not timed (they predate the viewer). */
const WARMUP_MS = 2500;
/** Events awaiting full reach, per author; older ones are dropped (a peer that never catches up). */
const MAX_PENDING_PER_AUTHOR = 200;
/** How long a flow stays in `flows` (the graph animates each for less). */
export const FLOW_LIFETIME_MS = 1500;
/** Most flows emitted per report and link kind, so a busy peer does not flood the picture. */
const MAX_FLOWS_PER_REPORT = 6;

export const SERVER_NODE = 'server';

export type FlowKind = 'direct' | 'relay' | 'server';
export interface Flow {
  readonly from: string;
  readonly to: string;
  readonly kind: FlowKind;
  readonly at: number;
}

export interface PeerRow {
  readonly peer: string;
  readonly name: string;
  readonly observer: boolean;
  readonly ageMs: number;
  readonly stale: boolean;
  readonly report: TelemetryReport;
}

export interface Sample {
  readonly at: number;
  readonly mode: Mode | undefined;
  /** Bytes a second through the server (server links and the relay) and directly between peers. */
  readonly serverBytes: number;
  readonly directBytes: number;
  readonly serverMessages: number;
  readonly directMessages: number;
  /** Longest time an event took to reach every fresh peer, among those that did in this second (ms). */
  readonly reachMs: number | null;
  readonly pending: number;
  readonly rejections: Readonly<Partial<Record<RejectionReason, number>>>;
}

export interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly digest: string;
  readonly stale: boolean;
  readonly server: boolean;
  /** The protocol version the peer reports (MAJOR.MINOR; a report without one is from 1.0). */
  readonly protocol?: string;
  /** Events it holds but does not understand, when its report says (1.1 and later). */
  readonly unknown?: number;
}

export interface GraphEdge {
  readonly a: string;
  readonly b: string;
  readonly kind: FlowKind;
}

interface Counted {
  serverBytes: number;
  directBytes: number;
  serverMessages: number;
  directMessages: number;
}

interface CountedReport extends Counted {
  readonly seq: number;
  readonly receivedAt: number;
}

interface AwaitingReach {
  readonly seq: number;
  readonly firstSeen: number;
  readonly reachedBy: Map<string, number>;
}

function counted(report: TelemetryReport): Counted {
  const { server, direct, relay } = report.traffic;
  // Each server-link message counted once (at the peer end), each relayed one once (at its sender).
  return {
    serverBytes: server.sentBytes + server.receivedBytes + relay.sentBytes,
    directBytes: direct.sentBytes,
    serverMessages: server.sentMessages + server.receivedMessages + relay.sentMessages,
    directMessages: direct.sentMessages,
  };
}

export class RoomTimeline {
  readonly #latest = new Map<string, HeldReport>();
  readonly #counted = new Map<string, CountedReport>();
  readonly #awaiting = new Map<string, { maxSeen: number; entries: AwaitingReach[] }>();
  readonly #startedAt: number;
  #samples: Sample[] = [];
  #flows: Flow[] = [];
  /** Cumulative room totals since the timeline started (the charts' legends show them). */
  readonly totals = { serverBytes: 0, directBytes: 0, serverMessages: 0, directMessages: 0 };

  constructor(now: number) {
    this.#startedAt = now;
  }

  /** Takes a report received at `receivedAt` (viewer's clock); older or repeated seqs are ignored. True when taken. */
  ingest({ report, receivedAt }: HeldReport): boolean {
    const previous = this.#latest.get(report.peer);
    if (previous && previous.report.seq >= report.seq) return false;
    this.#latest.set(report.peer, { report, receivedAt });
    this.#noteReach(report, receivedAt);
    if (previous) this.#noteFlows(previous.report, report, receivedAt);
    return true;
  }

  rows(now: number): PeerRow[] {
    return [...this.#latest.values()]
      .map(({ report, receivedAt }) => ({ peer: report.peer, name: report.name, observer: report.observer, ageMs: Math.max(0, now - receivedAt), stale: now - receivedAt > staleAfter(report) || this.#departed(report, receivedAt, now), report }))
      .sort((a, b) => Number(a.observer) - Number(b.observer) || a.name.localeCompare(b.name) || a.peer.localeCompare(b.peer));
  }

  get samples(): readonly Sample[] {
    return this.#samples;
  }

  flows(now: number): readonly Flow[] {
    this.#flows = this.#flows.filter((flow) => now - flow.at < FLOW_LIFETIME_MS);
    return this.#flows;
  }

  /** One point of every series: call about once a second. `mode` is the room's mode as the viewer knows it. */
  sample(now: number, mode: Mode | undefined): Sample {
    const fresh = this.rows(now).filter((row) => !row.stale);
    const delta: Counted = { serverBytes: 0, directBytes: 0, serverMessages: 0, directMessages: 0 };
    for (const { report, receivedAt } of this.#latest.values()) {
      const before = this.#counted.get(report.peer);
      if (before?.seq === report.seq) continue;
      const current = counted(report);
      const step: Counted = { serverBytes: 0, directBytes: 0, serverMessages: 0, directMessages: 0 };
      for (const key of Object.keys(delta) as (keyof Counted)[]) {
        // A counter that went down is a restarted session: everything it counts now is new.
        step[key] = before && current[key] >= before[key] ? current[key] - before[key] : before ? current[key] : 0;
        this.totals[key] += step[key];
      }
      this.#counted.set(report.peer, { ...current, seq: report.seq, receivedAt });
      const share = before && receivedAt - before.receivedAt > SPREAD_AFTER_MS ? this.#spread(step, before.receivedAt) : 1;
      for (const key of Object.keys(delta) as (keyof Counted)[]) delta[key] += step[key] * share;
    }
    const rejections: Partial<Record<RejectionReason, number>> = {};
    for (const { report } of this.#latest.values()) {
      for (const reason of REJECTION_REASONS) {
        const n = report.rejections[reason];
        if (n) rejections[reason] = (rejections[reason] ?? 0) + n;
      }
    }
    const sample: Sample = {
      at: now,
      mode,
      ...delta,
      reachMs: this.#completeReach(new Set(fresh.map((row) => row.peer))),
      pending: fresh.reduce((sum, row) => sum + row.report.pending, 0),
      rejections,
    };
    this.#samples = [...this.#samples, sample].slice(-WINDOW_SAMPLES);
    return sample;
  }

  /**
   * A keepalive's counters cover the seconds since its peer's previous report: the samples taken since
   * then get their share now, and the share of the sample being taken is returned.
   */
  #spread(step: Counted, since: number): number {
    const covered = this.#samples.reduce((count, sample) => count + (sample.at > since ? 1 : 0), 0);
    const share = 1 / (covered + 1);
    if (covered === 0) return 1;
    this.#samples = this.#samples.map((sample) => {
      if (sample.at <= since) return sample;
      return {
        ...sample,
        serverBytes: sample.serverBytes + step.serverBytes * share,
        directBytes: sample.directBytes + step.directBytes * share,
        serverMessages: sample.serverMessages + step.serverMessages * share,
        directMessages: sample.directMessages + step.directMessages * share,
      };
    });
    return share;
  }

  /**
   * Whether a peer's newest report names a link to a peer whose own report, newer by DEPARTURE_GRACE_MS,
   * no longer names it: the neighbours say it is gone, and it has not said otherwise since.
   */
  #departed(report: TelemetryReport, receivedAt: number, now: number): boolean {
    for (const link of report.links) {
      if (link.kind === 'server') continue;
      const other = this.#latest.get(link.peer);
      if (!other || other.receivedAt <= receivedAt || now - other.receivedAt < DEPARTURE_GRACE_MS) continue;
      if (!other.report.links.some((back) => back.peer === report.peer)) return true;
    }
    return false;
  }

  /** Nodes: the server and every peer that reported; edges: the union of the fresh peers' reported links. */
  graph(now: number): { nodes: GraphNode[]; edges: GraphEdge[] } {
    const rows = this.rows(now);
    const nodes: GraphNode[] = [{ id: SERVER_NODE, label: 'server', digest: '', stale: false, server: true }];
    const known = new Set(rows.map((row) => row.peer));
    for (const row of rows) {
      const unknown = row.report.unknown === undefined ? {} : { unknown: row.report.unknown };
      nodes.push({ id: row.peer, label: row.name || row.peer.slice(0, 6), digest: row.report.digest, stale: row.stale, server: false, protocol: reportedProtocol(row.report), ...unknown });
    }
    const edges = new Map<string, GraphEdge>();
    for (const row of rows) {
      if (row.stale) continue;
      for (const link of row.report.links) {
        const other = link.kind === 'server' ? SERVER_NODE : link.peer;
        if (other !== SERVER_NODE && !known.has(other)) continue;
        const [a, b] = row.peer < other ? [row.peer, other] : [other, row.peer];
        edges.set(`${link.kind}:${a}:${b}`, { a, b, kind: link.kind });
      }
    }
    return { nodes, edges: [...edges.values()] };
  }

  // ---- reach: when every fresh peer's version vector covers an event ----

  #noteReach(report: TelemetryReport, at: number): void {
    for (const [author, seq] of Object.entries(report.vv)) {
      let awaiting = this.#awaiting.get(author);
      if (!awaiting) {
        awaiting = { maxSeen: 0, entries: [] };
        this.#awaiting.set(author, awaiting);
      }
      for (const entry of awaiting.entries) if (entry.seq <= seq && !entry.reachedBy.has(report.peer)) entry.reachedBy.set(report.peer, at);
      if (seq > awaiting.maxSeen) {
        // One entry for the newest seq stands for the batch: its reach bounds every seq below it.
        if (at - this.#startedAt >= WARMUP_MS) awaiting.entries.push({ seq, firstSeen: at, reachedBy: new Map([[report.peer, at]]) });
        awaiting.maxSeen = seq;
        if (awaiting.entries.length > MAX_PENDING_PER_AUTHOR) awaiting.entries.shift();
      }
    }
  }

  #completeReach(fresh: ReadonlySet<string>): number | null {
    if (fresh.size === 0) return null;
    let longest: number | null = null;
    for (const awaiting of this.#awaiting.values()) {
      awaiting.entries = awaiting.entries.filter((entry) => {
        const times = [...fresh].map((peer) => entry.reachedBy.get(peer));
        if (times.some((time) => time === undefined)) return true;
        const reach = Math.max(...(times as number[])) - entry.firstSeen;
        longest = Math.max(longest ?? 0, reach);
        return false;
      });
    }
    return longest;
  }

  // ---- flows: where a report's counters moved since the previous one ----

  #noteFlows(before: TelemetryReport, after: TelemetryReport, at: number): void {
    const peer = after.peer;
    const moved = (kind: 'server' | 'direct' | 'relay', side: 'sentMessages' | 'receivedMessages') => after.traffic[kind][side] > before.traffic[kind][side];
    if (moved('server', 'sentMessages')) this.#flows.push({ from: peer, to: SERVER_NODE, kind: 'server', at });
    if (moved('server', 'receivedMessages')) this.#flows.push({ from: SERVER_NODE, to: peer, kind: 'server', at });
    for (const kind of ['direct', 'relay'] as const) {
      if (!moved(kind, 'sentMessages')) continue;
      for (const link of after.links.filter((l) => l.kind === kind).slice(0, MAX_FLOWS_PER_REPORT)) this.#flows.push({ from: peer, to: link.peer, kind, at });
    }
  }
}
