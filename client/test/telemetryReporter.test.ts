import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKeyPair, PeerlabNode, seededRng, tweetnaclSigner, type Input } from '@peerlab/shared';
import { REPORT_INTERVAL_MS, REPORTS_PER_PERIOD } from '../src/lib/session/telemetryReport.ts';
import { ReportCadence, reportEvery, reportsCentrally, TelemetryReporter } from '../src/lib/session/telemetryReporter.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('the report cadence', () => {
  it('reports every tick in a small room, every few ticks in a big one', () => {
    expect(reportEvery(0)).toBe(1);
    expect(reportEvery(REPORTS_PER_PERIOD - 1)).toBe(1);
    expect(reportEvery(REPORTS_PER_PERIOD)).toBe(2);
    expect(reportEvery(3 * REPORTS_PER_PERIOD)).toBe(4);
  });

  it('skips ticks in a big room, and the period says how long a report stands for', () => {
    const cadence = new ReportCadence();
    const members = 2 * REPORTS_PER_PERIOD; // every 3 ticks
    const slots = [1, 2, 3, 4, 5, 6, 7].map((tick) => cadence.tick(members, tick * 1000));
    expect(slots.map((slot) => slot !== undefined)).toEqual([true, false, false, true, false, false, true]);
    expect(slots[0]?.periodMs).toBe(3 * REPORT_INTERVAL_MS);
  });

  it('numbers reports from the wall clock, always increasing', () => {
    const cadence = new ReportCadence();
    expect(cadence.tick(0, 5_000)?.seq).toBe(5_000);
    expect(cadence.tick(0, 4_000)?.seq).toBe(5_001); // the clock went back: still newer
    expect(cadence.tick(0, 9_000)?.seq).toBe(9_000);
  });

  it('goes to the server only while it serves the room centrally', () => {
    expect(reportsCentrally('client-server', true)).toBe(true);
    expect(reportsCentrally('hybrid', true)).toBe(true);
    expect(reportsCentrally('p2p', true)).toBe(false);
    expect(reportsCentrally('client-server', false)).toBe(false);
  });
});

describe('the telemetry reporter', () => {
  it('feeds a report to the engine every interval until stopped; p2p keeps it off the server', () => {
    vi.useFakeTimers();
    const identity = generateKeyPair();
    const node = new PeerlabNode({ room: 'room', role: 'peer', signer: tweetnaclSigner(identity), rng: seededRng(1) });
    const server = { joined: true, report: vi.fn() };
    const applied: Input[] = [];
    let wall = 1_000;
    const reporter = new TelemetryReporter({ node, name: 'Ada', observer: false, server, wall: () => wall, members: () => 1, apply: (input) => applied.push(input) });
    vi.advanceTimersByTime(REPORT_INTERVAL_MS - 1);
    expect(applied).toEqual([]);
    vi.advanceTimersByTime(1);
    wall = 2_000;
    vi.advanceTimersByTime(REPORT_INTERVAL_MS);
    expect(applied.map((input) => (input.type === 'report' ? [input.report.name, input.report.seq] : input.type))).toEqual([
      ['Ada', 1_000],
      ['Ada', 2_000],
    ]);
    expect(node.mode).toBe('p2p');
    expect(server.report).not.toHaveBeenCalled();
    reporter.stop();
    vi.advanceTimersByTime(10 * REPORT_INTERVAL_MS);
    expect(applied).toHaveLength(2);
  });
});
