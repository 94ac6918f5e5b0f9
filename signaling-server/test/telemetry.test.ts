import { describe, expect, it } from 'vitest';
import { generateKeyPair, type RoomTelemetry, type TelemetryReport } from '@peerlab/shared';
import { REPORT_BURST } from '../src/socketHandlers.ts';
import { getJson, metricValue, metricsText, rawSocket, serverPerTest, TestPeer, waitFor } from './helpers.ts';

const fixture = serverPerTest();

const zero = { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0 };
function report(peer: string, seq: number): TelemetryReport {
  return { peer, name: 'x', seq, at: seq, observer: false, periodMs: 1000, mode: 'client-server', digest: 'd', events: 0, pending: 0, traffic: { server: zero, direct: zero, relay: zero }, rejections: {}, links: [], vv: {} };
}

async function telemetry(room: string, since = 0): Promise<RoomTelemetry> {
  return (await getJson<RoomTelemetry>(fixture.server, `/api/rooms/${room}/telemetry?since=${since}`)).body;
}

describe('central telemetry', () => {
  it('keeps the latest report per peer with the server receipt time, and serves history after `since`', async () => {
    const alice = await TestPeer.joined(fixture.server, 'obs', 'alice');
    fixture.cleanups.push(() => alice.close());
    alice.socket.emit('report', report(alice.keys.publicKey, 1));
    await waitFor(async () => (await telemetry('obs')).latest.length === 1, 'first report stored');
    const first = await telemetry('obs');
    expect(first.latest[0]!.report.seq).toBe(1);
    expect(first.latest[0]!.receivedAt).toBeLessThanOrEqual(first.now);
    alice.socket.emit('report', report(alice.keys.publicKey, 2));
    await waitFor(async () => (await telemetry('obs')).latest[0]?.report.seq === 2, 'second report replaces the first');
    const after = await telemetry('obs', first.latest[0]!.receivedAt);
    expect(after.history.map((held) => held.report.seq)).toEqual([2]);
    const light = (await getJson<RoomTelemetry>(fixture.server, '/api/rooms/obs/telemetry?history=0')).body;
    expect(light.history).toEqual([]);
    expect(light.latest.map((held) => held.report.seq)).toEqual([2]);
  });

  it('refuses reports before join, for another peer, malformed or too frequent — each counted by reason', async () => {
    const stranger = rawSocket(fixture.server);
    fixture.cleanups.push(() => stranger.disconnect());
    const strangerRefusals: string[] = [];
    stranger.on('refused', (refusal) => strangerRefusals.push(refusal.reason));
    await waitFor(() => stranger.connected, 'stranger connected');
    stranger.emit('report', report(generateKeyPair().publicKey, 1));
    await waitFor(() => strangerRefusals.includes('not_joined'), 'report before join refused');

    const bob = await TestPeer.joined(fixture.server, 'obs2', 'bob');
    fixture.cleanups.push(() => bob.close());
    bob.socket.emit('report', report(generateKeyPair().publicKey, 1));
    bob.socket.emit('report', { ...report(bob.keys.publicKey, 1), digest: 42 } as unknown as TelemetryReport);
    // The two refused above spent budget too: a burst of REPORT_BURST reports in all, then one too many.
    for (let seq = 3; seq <= REPORT_BURST + 1; seq++) bob.socket.emit('report', report(bob.keys.publicKey, seq));
    await waitFor(() => bob.refusals.length >= 3, 'three refusals');
    expect(bob.refusals.map((refusal) => refusal.reason)).toEqual(['forged_report', 'schema', 'rate_limited']);
    const stored = await telemetry('obs2');
    expect(stored.latest.map((held) => held.report.seq)).toEqual([REPORT_BURST]);
    const metrics = await metricsText(fixture.server);
    expect(metricValue(metrics, 'peerlab_rejections_total', { reason: 'forged_report' })).toBe(1);
    expect(await telemetry('nobody')).toMatchObject({ latest: [], history: [] });
  });

  it('acknowledges every report, taken or refused, so a page can keep one in flight', async () => {
    const carol = await TestPeer.joined(fixture.server, 'obs4', 'carol');
    fixture.cleanups.push(() => carol.close());
    const acked = (payload: TelemetryReport): Promise<void> => new Promise((resolve) => carol.socket.emit('report', payload, () => resolve()));
    await acked(report(carol.keys.publicKey, 1));
    await acked(report(generateKeyPair().publicKey, 2)); // refused as forged_report, still answered
    expect(carol.refusals.map((refusal) => refusal.reason)).toEqual(['forged_report']);
    expect((await telemetry('obs4')).latest.map((held) => held.report.seq)).toEqual([1]);
  });

  it('answers a poll with `latestSince` with only the newest reports received after it', async () => {
    const alice = await TestPeer.joined(fixture.server, 'obs3', 'alice');
    const bob = await TestPeer.joined(fixture.server, 'obs3', 'bob');
    fixture.cleanups.push(() => alice.close(), () => bob.close());
    alice.socket.emit('report', report(alice.keys.publicKey, 1));
    await waitFor(async () => (await telemetry('obs3')).latest.length === 1, 'alice stored');
    const first = await telemetry('obs3');
    bob.socket.emit('report', report(bob.keys.publicKey, 1));
    await waitFor(async () => (await telemetry('obs3')).latest.length === 2, 'bob stored');
    const since = first.latest[0]!.receivedAt;
    const changed = (await getJson<RoomTelemetry>(fixture.server, `/api/rooms/obs3/telemetry?history=0&latestSince=${since}`)).body;
    expect(changed.latest.map((held) => held.report.peer)).toEqual([bob.keys.publicKey]);
    // Without it, every peer's newest, as before.
    expect((await telemetry('obs3')).latest).toHaveLength(2);
  });
});
