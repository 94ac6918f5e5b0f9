/**
 * Builds this peer's telemetry report from its engine: state, traffic by link kind, rejections, links and
 * version vector. Framework-free (the Node bots report too); the driver decides when and where to send it.
 */
import {
  formatVersion,
  hasFeature,
  MAX_REPORT_AUTHORS,
  MAX_REPORT_LINKS,
  notUnderstood,
  REJECTION_REASONS,
  REPORTED_LINK_KINDS,
  type PeerlabNode,
  type RejectionReason,
  type ReportedLinkKind,
  type TelemetryReport,
} from '@peerlab/shared';

/** The cadence's numbers (reportCadence.ts in the engine), for the client's readers. */
export { REPORT_INTERVAL_MS, REPORTS_PER_PERIOD } from '@peerlab/shared';

export interface ReportContext {
  readonly node: PeerlabNode;
  readonly name: string;
  readonly observer: boolean;
  readonly periodMs: number;
  readonly seq: number;
  readonly at: number;
}

/**
 * What viewers read of this peer, traffic counters aside, as one text that changes when any of it does:
 * the cadence reports at the next tick after a change (a keepalive refreshes the counters). Cheap: the
 * store's digest is cached, and the rest is a few numbers and the links.
 */
export function viewerState(node: PeerlabNode): string {
  const { rejections } = node.stats();
  const refused = REJECTION_REASONS.filter((reason) => rejections[reason] > 0).map((reason) => `${reason}:${rejections[reason]}`);
  const links: string[] = [];
  for (const link of node.links().values()) if (link.peer !== undefined && link.kind !== 'client') links.push(`${link.kind}:${link.peer}`);
  return [node.mode, node.store.digest(), node.store.size, node.pendingCount, refused.join(','), links.join(',')].join('|');
}

export function buildReport({ node, name, observer, periodMs, seq, at }: ReportContext): TelemetryReport {
  const stats = node.stats();
  const traffic = {} as Record<ReportedLinkKind, TelemetryReport['traffic'][ReportedLinkKind]>;
  for (const kind of REPORTED_LINK_KINDS) {
    traffic[kind] = {
      sentMessages: stats.sent[kind].messages,
      sentBytes: stats.sent[kind].bytes,
      receivedMessages: stats.received[kind].messages,
      receivedBytes: stats.received[kind].bytes,
    };
  }
  const rejections: Partial<Record<RejectionReason, number>> = {};
  for (const reason of REJECTION_REASONS) if (stats.rejections[reason] > 0) rejections[reason] = stats.rejections[reason];
  const links: { peer: string; kind: ReportedLinkKind }[] = [];
  for (const link of node.links().values()) {
    if (link.peer === undefined || link.kind === 'client') continue;
    links.push({ peer: link.peer, kind: link.kind });
  }
  const vv = Object.fromEntries(Object.entries(node.store.versionVector()).slice(0, MAX_REPORT_AUTHORS));
  // A 1.0 node's report has no version fields (its neighbours read their absence as 1.0).
  const version = hasFeature(node.protocol, 'versioned-report') ? { protocol: formatVersion(node.protocol), unknown: notUnderstood(node.store.kindCounts(), node.protocol).count } : {};
  return {
    peer: node.id,
    name,
    seq,
    at,
    observer,
    periodMs,
    mode: node.mode,
    digest: node.store.digest(),
    events: node.store.size,
    pending: node.pendingCount,
    traffic,
    rejections,
    links: links.slice(0, MAX_REPORT_LINKS),
    vv,
    ...version,
  };
}
