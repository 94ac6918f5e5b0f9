import { describe, expect, it } from 'vitest';
import type { TelemetryReport } from '@peerlab/shared';
import { DEPARTURE_GRACE_MS, RoomTimeline, SERVER_NODE, STALE_MS, staleAfter } from '../src/lib/telemetry/roomTimeline.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const S = 'f'.repeat(64);
const zero = { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0 };

function report(peer: string, seq: number, extra: Partial<TelemetryReport> = {}): TelemetryReport {
  return { peer, name: peer === A ? 'Ada' : 'Bob', seq, at: 0, observer: false, periodMs: 1000, mode: 'client-server', digest: 'd1', events: 0, pending: 0, traffic: { server: zero, direct: zero, relay: zero }, rejections: {}, links: [], vv: {}, ...extra };
}

describe('RoomTimeline', () => {
  it('sums traffic deltas by where it went: server links and relay vs direct', () => {
    const timeline = new RoomTimeline(0);
    timeline.ingest({ report: report(A, 1), receivedAt: 100 });
    timeline.sample(1000, 'client-server');
    const traffic = { server: { sentMessages: 2, sentBytes: 300, receivedMessages: 1, receivedBytes: 200 }, direct: { ...zero, sentMessages: 1, sentBytes: 50 }, relay: { ...zero, sentMessages: 1, sentBytes: 10 } };
    timeline.ingest({ report: report(A, 2, { traffic }), receivedAt: 1100 });
    const sample = timeline.sample(2000, 'client-server');
    expect(sample).toMatchObject({ serverBytes: 510, directBytes: 50, serverMessages: 4, directMessages: 1 });
    expect(timeline.totals.serverBytes).toBe(510);
  });

  it('times an event from its first sighting to the report that shows every fresh peer holding it', () => {
    const timeline = new RoomTimeline(0);
    timeline.ingest({ report: report(A, 1, { vv: { [A]: 1 } }), receivedAt: 3000 });
    timeline.ingest({ report: report(B, 1, { vv: {} }), receivedAt: 3100 });
    expect(timeline.sample(3500, 'p2p').reachMs).toBeNull();
    timeline.ingest({ report: report(B, 2, { vv: { [A]: 1 } }), receivedAt: 4200 });
    expect(timeline.sample(4500, 'p2p').reachMs).toBe(1200);
  });

  it('marks a peer stale after STALE_MS and leaves its links out of the graph', () => {
    const timeline = new RoomTimeline(0);
    timeline.ingest({ report: report(A, 1, { links: [{ peer: S, kind: 'server' }, { peer: B, kind: 'direct' }] }), receivedAt: 0 });
    timeline.ingest({ report: report(B, 1, { links: [{ peer: S, kind: 'server' }] }), receivedAt: STALE_MS });
    const fresh = timeline.graph(10);
    expect(fresh.edges).toEqual(expect.arrayContaining([{ a: A, b: SERVER_NODE, kind: 'server' }, { a: A, b: B, kind: 'direct' }, { a: B, b: SERVER_NODE, kind: 'server' }]));
    const later = timeline.graph(STALE_MS + 100);
    expect(later.nodes.find((node) => node.id === A)?.stale).toBe(true);
    expect(later.edges).toEqual([{ a: B, b: SERVER_NODE, kind: 'server' }]);
    expect(timeline.rows(STALE_MS + 100).map((row) => [row.name, row.stale])).toEqual([['Ada', true], ['Bob', false]]);
  });

  it('ignores an older or repeated report of a peer', () => {
    const timeline = new RoomTimeline(0);
    timeline.ingest({ report: report(A, 5, { pending: 3 }), receivedAt: 100 });
    timeline.ingest({ report: report(A, 4, { pending: 9 }), receivedAt: 200 });
    expect(timeline.rows(300)[0]).toMatchObject({ ageMs: 200, report: { seq: 5, pending: 3 } });
  });

  it('gives a peer that reports less often (a big room) more time before calling it stale', () => {
    expect(staleAfter(report(A, 1))).toBe(STALE_MS);
    expect(staleAfter(report(A, 1, { periodMs: 3000 }))).toBe(9500);
    const timeline = new RoomTimeline(0);
    timeline.ingest({ report: report(A, 1, { periodMs: 3000 }), receivedAt: 0 });
    expect(timeline.rows(5000)[0]?.stale).toBe(false);
    expect(timeline.rows(10_000)[0]?.stale).toBe(true);
  });

  it('spreads a keepalive\'s traffic over the seconds it covers, and keeps the totals exact', () => {
    const timeline = new RoomTimeline(0);
    timeline.ingest({ report: report(A, 1), receivedAt: 500 });
    for (let at = 1000; at <= 9000; at += 1000) timeline.sample(at, 'p2p');
    const traffic = { server: zero, direct: { ...zero, sentMessages: 10, sentBytes: 1000 }, relay: zero };
    timeline.ingest({ report: report(A, 2, { traffic }), receivedAt: 9500 });
    timeline.sample(10_000, 'p2p');
    // Ten seconds of it: a tenth to each sample since the previous report, none piled into the last.
    expect(timeline.samples.map((sample) => sample.directBytes)).toEqual(Array.from({ length: 10 }, () => 100));
    expect(timeline.totals.directBytes).toBe(1000);
  });

  it('calls a peer gone once its neighbours\' newer reports drop their links to it, and not before the grace', () => {
    const timeline = new RoomTimeline(0);
    timeline.ingest({ report: report(A, 1, { periodMs: 10_000, links: [{ peer: B, kind: 'direct' }] }), receivedAt: 1000 });
    timeline.ingest({ report: report(B, 1, { periodMs: 10_000, links: [{ peer: A, kind: 'direct' }] }), receivedAt: 1000 });
    // B lost its link to A (A closed its page): B says so; A says nothing more.
    timeline.ingest({ report: report(B, 2, { periodMs: 10_000, links: [] }), receivedAt: 5000 });
    const stale = (now: number) => Object.fromEntries(timeline.rows(now).map((row) => [row.name, row.stale]));
    expect(stale(5000 + DEPARTURE_GRACE_MS - 1)).toEqual({ Ada: false, Bob: false });
    expect(stale(5000 + DEPARTURE_GRACE_MS)).toEqual({ Ada: true, Bob: false });
    expect(timeline.graph(5000 + DEPARTURE_GRACE_MS).nodes.find((node) => node.id === A)?.stale).toBe(true);
    // A link merely rewired: A reports its own change, and is fresh again.
    timeline.ingest({ report: report(A, 2, { periodMs: 10_000, links: [] }), receivedAt: 8000 });
    expect(stale(8100)).toEqual({ Ada: false, Bob: false });
  });
});
