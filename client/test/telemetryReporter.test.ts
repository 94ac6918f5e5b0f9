import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKeyPair, keepaliveTicks, PeerlabNode, REPORT_INTERVAL_MS, seededRng, tweetnaclSigner, type Input } from '@peerlab/shared';
import { reportsCentrally, TelemetryReporter } from '../src/lib/session/telemetryReporter.ts';
import { viewerState } from '../src/lib/session/telemetryReport.ts';

afterEach(() => {
  vi.useRealTimers();
});

function peer(): PeerlabNode {
  return new PeerlabNode({ room: 'room', role: 'peer', signer: tweetnaclSigner(generateKeyPair()), rng: seededRng(1) });
}

describe('where reports go', () => {
  it('goes to the server only while it serves the room centrally', () => {
    expect(reportsCentrally('client-server', true)).toBe(true);
    expect(reportsCentrally('hybrid', true)).toBe(true);
    expect(reportsCentrally('p2p', true)).toBe(false);
    expect(reportsCentrally('client-server', false)).toBe(false);
  });

  it('the viewer state changes with what a viewer reads, not with traffic', () => {
    const node = peer();
    const before = viewerState(node);
    node.handle({ type: 'linkUp', link: 'peer:x', kind: 'direct', peer: 'b'.repeat(64) }, 0);
    const linked = viewerState(node);
    expect(linked).not.toBe(before);
    node.handle({ type: 'tick' }, 5000); // heartbeats: traffic, nothing a viewer reads
    expect(viewerState(node)).toBe(linked);
    node.handle({ type: 'write', kind: 'chat', body: { text: 'hi', name: 'Ada' } }, 6000);
    expect(viewerState(node)).not.toBe(linked);
  });
});

describe('the telemetry reporter', () => {
  it('feeds a report to the engine at once, then a keepalive while nothing changes, until stopped; p2p keeps it off the server', () => {
    vi.useFakeTimers();
    const node = peer();
    const server = { joined: true, report: vi.fn() };
    const applied: Input[] = [];
    let wall = 1_000;
    const reporter = new TelemetryReporter({ node, name: 'Ada', observer: false, server, wall: () => wall, members: () => 1, apply: (input) => applied.push(input) });
    vi.advanceTimersByTime(REPORT_INTERVAL_MS - 1);
    expect(applied).toEqual([]);
    vi.advanceTimersByTime(1);
    const keepalive = keepaliveTicks(1);
    for (let tick = 1; tick <= keepalive; tick++) {
      wall += REPORT_INTERVAL_MS;
      vi.advanceTimersByTime(REPORT_INTERVAL_MS);
    }
    expect(applied.map((input) => (input.type === 'report' ? [input.report.name, input.report.seq, input.report.periodMs] : input.type))).toEqual([
      ['Ada', 1_000, keepalive * REPORT_INTERVAL_MS],
      ['Ada', 1_000 + keepalive * REPORT_INTERVAL_MS, keepalive * REPORT_INTERVAL_MS],
    ]);
    // A write changes what viewers read: reported at the next tick.
    node.handle({ type: 'write', kind: 'chat', body: { text: 'hi', name: 'Ada' } }, wall);
    wall += REPORT_INTERVAL_MS;
    vi.advanceTimersByTime(REPORT_INTERVAL_MS);
    expect(applied).toHaveLength(3);
    expect(node.mode).toBe('p2p');
    expect(server.report).not.toHaveBeenCalled();
    reporter.stop();
    vi.advanceTimersByTime(10 * keepalive * REPORT_INTERVAL_MS);
    expect(applied).toHaveLength(3);
  });
});
