/**
 * The door for new identities (issue 13, sybil joins): one address brings at most the admin's budget of
 * keys new to the room a minute. The bookkeeping alone, then over real Socket.IO: the admin sets it, the
 * room is told, joins beyond it are refused `identity_budget` and counted in /metrics and the room's info,
 * and admitted keys come back freely.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITIES_PER_MINUTE, PROTOCOL_VERSION, admissionSigningBytes, generateKeyPair, nobleSigner, toHex, type Admission, type AdmissionRequest, type JoinRequest, type KeyPair } from '@peerlab/shared';
import { nodeCryptoVerify } from '@peerlab/shared/node';
import { checkForwardedJoin } from '../src/joinProof.ts';
import { IdentityBudget } from '../src/identityBudget.ts';
import { joinProof, metricValue, metricsText, roomInfo, serverPerTest, TestPeer, waitFor } from './helpers.ts';

describe('the identity budget', () => {
  it('admits perMinute new keys per address at once, then one per 60/perMinute seconds', () => {
    const budget = new IdentityBudget(3);
    expect(['a', 'b', 'c'].map((key) => budget.admit(key, '10.0.0.1', 0))).toEqual(['admitted', 'admitted', 'admitted']);
    expect(budget.admit('d', '10.0.0.1', 1_000)).toBe('refused');
    expect(budget.admit('d', '10.0.0.1', 20_000)).toBe('admitted');
    expect(budget.admit('e', '10.0.0.1', 20_000)).toBe('refused');
    expect(budget.state).toEqual({ perMinute: 3, admitted: 4, refused: 2 });
  });

  it('charges a key once, whatever address it comes back from, and each address on its own', () => {
    const budget = new IdentityBudget(1);
    expect(budget.admit('a', '10.0.0.1', 0)).toBe('admitted');
    expect(budget.admit('a', '10.0.0.1', 10)).toBe('known');
    expect(budget.admit('a', '10.0.0.9', 20)).toBe('known');
    expect(budget.admit('b', '10.0.0.2', 30)).toBe('admitted');
    expect(budget.admit('c', '10.0.0.1', 40)).toBe('refused');
    expect(budget.state.admitted).toBe(2);
  });

  it('a new budget starts every address afresh; 0 closes the door to new keys only', () => {
    const budget = new IdentityBudget(1);
    budget.admit('a', 'x', 0);
    expect(budget.admit('b', 'x', 0)).toBe('refused');
    budget.set(2, 1);
    expect(budget.admit('b', 'x', 0)).toBe('admitted');
    budget.set(0, 2);
    expect(budget.admit('c', 'y', 0)).toBe('refused');
    expect(budget.admit('a', 'y', 0)).toBe('known');
  });

  it('defaults to a budget a lab of 16 peers in one tab never reaches', () => {
    const budget = new IdentityBudget();
    expect(budget.perMinute).toBe(DEFAULT_IDENTITIES_PER_MINUTE);
    expect(Array.from({ length: 16 }, (_, i) => budget.admit(`k${i}`, '127.0.0.1', i)).every((door) => door === 'admitted')).toBe(true);
  });
});

/** An identity budget request as an admin page signs it (with `keys`, the admin's or not). */
function admission(keys: KeyPair, room: string, perMinute: number, at = Date.now()): AdmissionRequest {
  return { perMinute, at, sig: toHex(nobleSigner(keys).sign(admissionSigningBytes(room, perMinute, at))) };
}

describe('the server door with a budget', () => {
  const fixture = serverPerTest();

  async function joined(room: string, name: string, adminKeys = generateKeyPair(), keys = generateKeyPair()): Promise<TestPeer> {
    const peer = await TestPeer.joined(fixture.server, room, name, adminKeys, keys);
    fixture.cleanups.push(() => peer.close());
    return peer;
  }

  it('the admin sets it, the room hears it, new keys beyond it are refused and counted, admitted keys rejoin', async () => {
    const adminKeys = generateKeyPair();
    const teacher = await joined('sybils', 'teacher', adminKeys, adminKeys);
    expect(teacher.joinResponse).toMatchObject({ ok: true, admission: { perMinute: DEFAULT_IDENTITIES_PER_MINUTE } });
    const told: Admission[] = [];
    teacher.socket.on('admission', (admission) => told.push(admission));
    const setting = admission(adminKeys, 'sybils', 2);
    teacher.socket.emit('admission', setting);
    await waitFor(() => told.some((a) => a.perMinute === 2), 'the room is told the new budget');

    const refusedBefore = metricValue(await metricsText(fixture.server), 'peerlab_rejections_total', { reason: 'identity_budget' });
    const alice = await joined('sybils', 'alice', adminKeys);
    await joined('sybils', 'bob', adminKeys);
    const mallory = new TestPeer(fixture.server, 'sybils', 'mallory', adminKeys);
    fixture.cleanups.push(() => mallory.close());
    const answer = await mallory.join();
    expect(answer).toMatchObject({ ok: false, reason: 'identity_budget' });
    expect((await roomInfo(fixture.server, 'sybils')).members.map((m) => m.name).sort()).toEqual(['alice', 'bob', 'teacher']);
    expect(metricValue(await metricsText(fixture.server), 'peerlab_rejections_total', { reason: 'identity_budget' })).toBe(refusedBefore + 1);
    expect((await roomInfo(fixture.server, 'sybils')).admission).toMatchObject({ perMinute: 2, refused: 1 });
    await waitFor(() => told.some((a) => a.refused === 1), 'the room is told of the refusal');

    // Alice's key was admitted: she reconnects on a new socket and is in again, at no cost.
    alice.close();
    await joined('sybils', 'alice', adminKeys, alice.keys);
    expect((await roomInfo(fixture.server, 'sybils')).admission.refused).toBe(1);

    // The teacher's request replayed (by anyone, even the teacher's own socket) changes nothing: it is stale.
    teacher.socket.emit('admission', setting);
    await waitFor(() => teacher.refusals.some((r) => r.reason === 'stale_request'), 'the replay is refused');
  });

  it('only the room admin key sets the budget', async () => {
    const adminKeys = generateKeyPair();
    await joined('door2', 'teacher', adminKeys, adminKeys);
    const student = await joined('door2', 'student', adminKeys);
    student.socket.emit('admission', admission(student.keys, 'door2', 0));
    student.socket.emit('admission', { ...admission(adminKeys, 'door2', 5), perMinute: -1 });
    await waitFor(() => student.refusals.length >= 2, 'both refused');
    expect(student.refusals.map((r) => r.reason).sort()).toEqual(['not_admin', 'schema']);
    expect((await roomInfo(fixture.server, 'door2')).admission.perMinute).toBe(DEFAULT_IDENTITIES_PER_MINUTE);
  });
});

describe('a join forwarded to the room’s owner', () => {
  it('must name the address its socket came from, which the budget charges', () => {
    const keys = generateKeyPair();
    const request: JoinRequest = { room: 'fwd', name: 'ada', peer: keys.publicKey, adminKey: keys.publicKey, version: PROTOCOL_VERSION, proof: joinProof(keys, 'fwd', 'sock1') };
    expect(checkForwardedJoin(request, 'sock1', undefined, nodeCryptoVerify)).toMatchObject({ ok: false, reason: 'schema', detail: expect.stringContaining('address') });
    expect(checkForwardedJoin(request, 'sock1', 'x'.repeat(65), nodeCryptoVerify)).toMatchObject({ ok: false, reason: 'schema' });
    expect(checkForwardedJoin(request, 'sock1', '10.0.0.7', nodeCryptoVerify)).toMatchObject({ ok: true, join: { address: '10.0.0.7', socketId: 'sock1' } });
  });
});
