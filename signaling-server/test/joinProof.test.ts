/**
 * Identity at the door (issue 13), over real Socket.IO: a join must prove it holds the key it names, for
 * this room, on this connection, now. An intruder naming a member's key is refused `bad_join_proof`,
 * whatever proof it brings (its own key's, the member's own replayed from the member's connection, a
 * stale one, one for another room); the member keeps its entry and its signals; only a proven join of the
 * same key (a reconnect) replaces it; every refusal is counted in /metrics.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, JOIN_PROOF_WINDOW_MS, generateKeyPair, type JoinRequest, type KeyPair, type TelemetryReport } from '@peerlab/shared';
import { JOIN_PROOF_BURST } from '../src/socketHandlers.ts';
import { askJoin, connectedId, joinProof, metricValue, metricsText, rawSocket, roomInfo, signedJoin, serverPerTest, TestPeer, waitFor, type ClientSocket } from './helpers.ts';

const fixture = serverPerTest();

async function member(room: string, name: string, keys = generateKeyPair()): Promise<TestPeer> {
  const peer = await TestPeer.joined(fixture.server, room, name, undefined, keys);
  fixture.cleanups.push(() => peer.close());
  return peer;
}

function intruderSocket(): ClientSocket {
  const socket = rawSocket(fixture.server);
  fixture.cleanups.push(() => socket.disconnect());
  return socket;
}

async function refusedJoins(): Promise<number> {
  return metricValue(await metricsText(fixture.server), 'peerlab_rejections_total', { reason: 'bad_join_proof' });
}

/** The join's fields a page sends for `room` (all but the key it names and the proof). */
function fields(room: string, name: string, adminKey: KeyPair = generateKeyPair()) {
  return { room, name, adminKey: adminKey.publicKey, version: PROTOCOL_VERSION };
}

/** Alice still holds her entry: listed under her name, on her socket, which was never told it was replaced. */
async function expectAliceKeepsHerEntry(alice: TestPeer, room: string): Promise<void> {
  const listed = (await roomInfo(fixture.server, room)).members.filter((m) => m.peer === alice.keys.publicKey);
  expect(listed).toEqual([expect.objectContaining({ name: 'alice' })]);
  expect(alice.socket.connected).toBe(true);
  expect(alice.refusals.map((r) => r.reason)).not.toContain('replaced');
}

/** Carol signals Alice: it reaches Alice's socket (and `elsewhere`, if given, gets nothing). */
async function expectSignalsReachAlice(carol: TestPeer, alice: TestPeer, text: string, elsewhere?: { signals: { data: string }[] }): Promise<void> {
  carol.socket.emit('signal', { to: alice.keys.publicKey, data: text });
  await waitFor(() => alice.signals.some((s) => s.from === carol.keys.publicKey && s.data === text), `alice gets ${text}`);
  if (elsewhere) expect(elsewhere.signals.some((s) => s.data === text)).toBe(false);
}

describe('a join proves its key', () => {
  it('refuses a join in another member’s name signed with the intruder’s own key; the member keeps its entry and its signals', async () => {
    const alice = await member('door', 'alice');
    const carol = await member('door', 'carol');
    const before = await refusedJoins();
    const mallory = intruderSocket();
    const malloryKeys = generateKeyPair();
    const malloryRefusals: string[] = [];
    const mallorySignals: { data: string }[] = [];
    mallory.on('refused', (r) => malloryRefusals.push(r.reason));
    mallory.on('signal', (s) => mallorySignals.push(s));

    // Alice's key named, the proof signed by Mallory's key, for Mallory's own connection and this room.
    const forged = await signedJoin(mallory, alice.keys, fields('door', 'mallory'), { signWith: malloryKeys });
    expect(await askJoin(mallory, forged)).toMatchObject({ ok: false, reason: 'bad_join_proof' });
    await expectAliceKeepsHerEntry(alice, 'door');
    await expectSignalsReachAlice(carol, alice, 'for alice only', { signals: mallorySignals });
    expect(await refusedJoins()).toBe(before + 1);

    // Refused at the door, the socket is no member: nothing it sends is taken as Alice's.
    mallory.emit('signal', { to: carol.keys.publicKey, data: 'from "alice"' });
    mallory.emit('report', { peer: alice.keys.publicKey } as unknown as TelemetryReport);
    await waitFor(() => malloryRefusals.filter((r) => r === 'not_joined').length === 2, 'signal and report refused as not_joined');
    expect(carol.signals.some((s) => s.data === 'from "alice"')).toBe(false);
  });

  it('refuses a join without a proof (a client that does not prove), counted as bad_join_proof', async () => {
    const alice = await member('bare', 'alice');
    const before = await refusedJoins();
    const mallory = intruderSocket();
    const bare = { ...fields('bare', 'mallory'), peer: alice.keys.publicKey };
    expect(await new Promise((resolve) => mallory.emit('join', bare as unknown as JoinRequest, resolve))).toMatchObject({ ok: false, reason: 'bad_join_proof', detail: expect.stringContaining('proof') });
    expect(await askJoin(mallory, { ...bare, proof: { at: Date.now(), sig: 'ab' } })).toMatchObject({ ok: false, reason: 'bad_join_proof' });
    await expectAliceKeepsHerEntry(alice, 'bare');
    expect(await refusedJoins()).toBe(before + 2);
  });

  it('refuses the member’s own proof replayed on another connection', async () => {
    const alice = await member('replay', 'alice');
    const carol = await member('replay', 'carol');
    const mallory = intruderSocket();
    await connectedId(mallory);
    // The very proof Alice's join carried: her key's signature, for this room, now — on her connection.
    const replayed: JoinRequest = { ...fields('replay', 'alice'), peer: alice.keys.publicKey, proof: joinProof(alice.keys, 'replay', alice.socket.id!) };
    expect(await askJoin(mallory, replayed)).toMatchObject({ ok: false, reason: 'bad_join_proof' });
    await expectAliceKeepsHerEntry(alice, 'replay');
    await expectSignalsReachAlice(carol, alice, 'still alice');
  });

  it('refuses a proof for another room', async () => {
    const keys = generateKeyPair();
    const socket = intruderSocket();
    expect(await askJoin(socket, await signedJoin(socket, keys, fields('here', 'x'), { room: 'elsewhere' }))).toMatchObject({ ok: false, reason: 'bad_join_proof' });
    expect(await roomInfo(fixture.server, 'here').catch(() => undefined)).toBeUndefined();
  });

  it('refuses a stale proof and one dated ahead, telling the server’s clock; accepts one inside the window', async () => {
    const keys = generateKeyPair();
    const socket = intruderSocket();
    const before = await refusedJoins();
    const old = await askJoin(socket, await signedJoin(socket, keys, fields('clock', 'x'), { at: Date.now() - JOIN_PROOF_WINDOW_MS - 1000 }));
    expect(old).toMatchObject({ ok: false, reason: 'bad_join_proof', detail: expect.stringContaining('ago') });
    expect(!old.ok && old.serverTime !== undefined && Math.abs(old.serverTime - Date.now()) < 5000).toBe(true);
    const ahead = await askJoin(socket, await signedJoin(socket, keys, fields('clock', 'x'), { at: Date.now() + JOIN_PROOF_WINDOW_MS + 1000 }));
    expect(ahead).toMatchObject({ ok: false, reason: 'bad_join_proof', detail: expect.stringContaining('ahead') });
    expect(await refusedJoins()).toBe(before + 2);
    expect(await askJoin(socket, await signedJoin(socket, keys, fields('clock', 'x'), { at: Date.now() - JOIN_PROOF_WINDOW_MS + 5000 }))).toMatchObject({ ok: true, created: true });
  });

  it('a proven join of the same key on a new connection (a reconnect) replaces the old socket, which is told and closed', async () => {
    const alice = await member('again', 'alice');
    const carol = await member('again', 'carol');
    const back = await member('again', 'alice', alice.keys);
    await waitFor(() => alice.refusals.some((r) => r.reason === 'replaced'), 'the old socket told it was replaced');
    await waitFor(() => !alice.socket.connected, 'the old socket closed');
    expect((await roomInfo(fixture.server, 'again')).members.filter((m) => m.peer === alice.keys.publicKey)).toHaveLength(1);
    await expectSignalsReachAlice(carol, back, 'to the new socket', alice);
  });

  it('checks at most a few proofs a second per socket: past the burst, joins are refused unchecked', async () => {
    const keys = generateKeyPair();
    const socket = intruderSocket();
    const wrong = await signedJoin(socket, keys, fields('budget', 'x'), { signWith: generateKeyPair() });
    const answers = [];
    for (let i = 0; i <= JOIN_PROOF_BURST; i++) answers.push(await askJoin(socket, wrong));
    expect(answers.map((a) => !a.ok && a.reason)).toEqual([...Array<string>(JOIN_PROOF_BURST).fill('bad_join_proof'), 'rate_limited']);
  });
});
