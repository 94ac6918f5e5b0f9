import { describe, expect, it } from 'vitest';
import { CURRENT_PROTOCOL, formatVersion, generateKeyPair, PeerlabNode, protocolVersion, seededRng, tweetnaclSigner, type TelemetryReport } from '@peerlab/shared';
import { protocolFrom } from '../src/lib/config.ts';
import { buildReport } from '../src/lib/session/telemetryReport.ts';
import { RoomTimeline } from '../src/lib/telemetry/roomTimeline.ts';

const at = (search: string) => ({ search }) as Location;

function node(protocol = CURRENT_PROTOCOL): PeerlabNode {
  return new PeerlabNode({ room: 'lab', role: 'peer', signer: tweetnaclSigner(generateKeyPair()), rng: seededRng(1), protocol });
}

const context = { name: 'Ada', observer: false, periodMs: 1000, seq: 1, at: 1 };

describe('&protocol= on the peer view', () => {
  it('reads a version, and says why it ignores anything else', () => {
    expect(protocolFrom(at('?room=r'))).toEqual({ ok: true });
    expect(protocolFrom(at('?protocol=1.0'))).toEqual({ ok: true, protocol: protocolVersion(1, 0) });
    expect(protocolFrom(at('?protocol=2.0'))).toMatchObject({ ok: true, protocol: { major: 2, minor: 0 } });
    expect(protocolFrom(at('?protocol=old'))).toMatchObject({ ok: false, notice: expect.stringContaining('Ignored &protocol=old') });
  });
});

describe('a report says its version only where the version has the field', () => {
  it('1.1 and later report their protocol and what it holds without understanding; 1.0 reports neither', () => {
    const neo = node();
    neo.handle({ type: 'write', kind: 'chat', body: { text: 'hi', name: 'Ada' } }, 0);
    expect(buildReport({ node: neo, ...context })).toMatchObject({ protocol: formatVersion(CURRENT_PROTOCOL), unknown: 0 });
    const old = buildReport({ node: node(protocolVersion(1, 0)), ...context });
    expect('protocol' in old || 'unknown' in old).toBe(false);
  });

  it('the dashboard reads a report without a version as 1.0', () => {
    const timeline = new RoomTimeline(0);
    const zero = { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0 };
    const base = { name: 'x', at: 0, observer: false, periodMs: 1000, mode: 'p2p', digest: 'd', events: 3, pending: 0, traffic: { server: zero, direct: zero, relay: zero }, rejections: {}, links: [], vv: {} } as const;
    const report = (peer: string, extra: Partial<TelemetryReport>): TelemetryReport => ({ ...base, peer, seq: 1, ...extra });
    timeline.ingest({ report: report('a'.repeat(64), {}), receivedAt: 10 });
    timeline.ingest({ report: report('b'.repeat(64), { protocol: '1.1', unknown: 2 }), receivedAt: 10 });
    const nodes = timeline.graph(20).nodes.filter((n) => !n.server);
    expect(nodes.map((n) => [n.protocol, n.unknown])).toEqual([
      ['1.0', undefined],
      ['1.1', 2],
    ]);
  });
});
