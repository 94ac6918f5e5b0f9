/**
 * Every socket handler of the server under fuzzing (issue 13), over real Socket.IO: a joined client sends
 * mutations of valid payloads of each event (join, peer, signal, relay, report, reset, admission) and some
 * random ones, while an honest member stays in the room. No handler may fail (`internal` stays 0), every
 * refusal is counted by reason, and afterwards the honest member is still listed and a newcomer's write
 * still reaches it. `npm run fuzz` sends 100,000 frames; the suite FUZZ_FRAMES (5,000 by default).
 */
import { describe, expect, it } from 'vitest';
import { generateKeyPair, mutateFrame, mutatePayload, randomFrame, randomInt, seededRng, type TelemetryReport } from '@peerlab/shared';
import { metricValue, metricsText, roomInfo, serverPerTest, signedJoin, TestPeer, waitFor } from '../helpers.ts';

const fixture = serverPerTest();
const FRAMES = Number(process.env.FUZZ_FRAMES ?? 5_000);
const SEED = Number(process.env.FUZZ_SEED ?? 4242);
/** A round trip every so many frames: the fuzzer never runs ahead of what the server has handled. */
const FRAMES_PER_ROUND_TRIP = 200;
/** Under the socket's budget (rateLimit.ts, 2,000 a second): frames reach the handlers, not only the limiter. */
const FRAMES_PER_SECOND = 1_500;
const EVENTS = ['join', 'peer', 'signal', 'relay', 'report', 'reset', 'admission'] as const;

const zero = { sentMessages: 0, sentBytes: 0, receivedMessages: 0, receivedBytes: 0 };

/** One valid payload of each event, as the fuzzer's peer would send it. */
async function validPayloads(fuzzer: TestPeer, honest: string): Promise<Record<(typeof EVENTS)[number], unknown>> {
  const sent = fuzzer.feed({ type: 'write', kind: 'chat', body: { text: 'a valid write', name: fuzzer.name } }).find((output) => output.type === 'send');
  const engineMessage = sent?.type === 'send' ? sent.data : '{"t":"have"}';
  const report: TelemetryReport = { peer: fuzzer.keys.publicKey, name: fuzzer.name, seq: 1, at: 1, observer: false, periodMs: 1000, mode: 'client-server', digest: 'd', events: 0, pending: 0, traffic: { server: zero, direct: zero, relay: zero }, rejections: {}, links: [], vv: {} };
  return {
    join: await signedJoin(fuzzer.socket, fuzzer.keys, { room: fuzzer.room, name: fuzzer.name, adminKey: fuzzer.adminKeys.publicKey, version: 1 }),
    peer: engineMessage,
    signal: { to: honest, data: '{"type":"offer","sdp":"v=0"}' },
    relay: { to: honest, data: engineMessage },
    report,
    reset: { generation: 0, sig: 'ab'.repeat(64) },
    admission: { perMinute: 10, at: Date.now(), sig: 'cd'.repeat(64) },
  };
}

describe('fuzzing the server', () => {
  it(`${FRAMES} mutated and random payloads over real Socket.IO: no handler fails, the room still works`, async () => {
    const room = 'fuzzed';
    const admin = generateKeyPair();
    const alice = await TestPeer.joined(fixture.server, room, 'alice', admin);
    fixture.cleanups.push(() => alice.close());
    // In client-server the server's authority reads every engine message a member sends: fuzz it there.
    alice.switchMode('client-server');
    await waitFor(async () => (await roomInfo(fixture.server, room)).mode === 'client-server', 'the room in client-server');
    const rng = seededRng(SEED);
    let fuzzers = 0;
    const newFuzzer = async (): Promise<TestPeer> => {
      const fuzzer = await TestPeer.joined(fixture.server, room, `mallory${fuzzers++}`, admin);
      fixture.cleanups.push(() => fuzzer.close());
      return fuzzer;
    };
    let fuzzer = await newFuzzer();
    let valid = await validPayloads(fuzzer, alice.keys.publicKey);

    const started = Date.now();
    for (let i = 0; i < FRAMES; i++) {
      const name = EVENTS[randomInt(rng, EVENTS.length)]!;
      const roll = rng.next();
      const payload = roll < 0.1 ? randomFrame(rng) : typeof valid[name] === 'string' ? mutateFrame(valid[name], rng) : mutatePayload(valid[name], rng);
      // Socket.IO's typed emit knows each event's payload; the fuzzer's are wrong on purpose.
      (fuzzer.socket.emit as (event: string, ...args: unknown[]) => void)(roll < 0.02 ? `no-such-event-${i % 7}` : name, payload);
      if (i % FRAMES_PER_ROUND_TRIP === FRAMES_PER_ROUND_TRIP - 1) {
        // An acknowledged join (refused, malformed) proves the server has handled every frame before it.
        const answered = await fuzzer.socket.timeout(5_000).emitWithAck('join', {} as never).then(() => true, () => false);
        const ahead = started + ((i + 1) / FRAMES_PER_SECOND) * 1000 - Date.now();
        if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead));
        if (!answered || !fuzzer.socket.connected) {
          fuzzer.close();
          fuzzer = await newFuzzer();
          valid = await validPayloads(fuzzer, alice.keys.publicKey);
        }
      }
    }

    const metrics = await metricsText(fixture.server);
    if (process.env.FUZZ_VERBOSE) console.log(metrics.split('\n').filter((line) => line.startsWith('peerlab_rejections_total') && !line.endsWith(' 0')).join('\n'), { fuzzers });
    expect(metricValue(metrics, 'peerlab_rejections_total', { reason: 'internal' }), 'a handler threw').toBe(0);
    const refused = ['schema', 'malformed', 'oversized', 'not_joined', 'bad_join_proof', 'stale_request', 'not_admin', 'forged_report', 'rate_limited'].reduce((sum, reason) => sum + metricValue(metrics, 'peerlab_rejections_total', { reason }), 0);
    expect(refused, 'most mutations are refused, and counted by reason').toBeGreaterThan(FRAMES / 4);

    // The honest member is still the holder of its key, and the room still carries a newcomer's write to it.
    expect((await roomInfo(fixture.server, room)).members.map((member) => member.peer)).toContain(alice.keys.publicKey);
    const carol = await TestPeer.joined(fixture.server, room, 'carol', admin);
    fixture.cleanups.push(() => carol.close());
    await waitFor(() => carol.node.mode === 'client-server', 'the newcomer learnt the mode');
    carol.write('after the fuzz');
    await waitFor(() => alice.chatTexts().includes('after the fuzz'), 'the newcomer’s write reached the honest member', 10_000);
  }, 30_000 + FRAMES / FRAMES_PER_SECOND * 2_000);
});
