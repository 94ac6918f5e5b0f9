import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, MAX_PENDING_REPORTS, MemoryNetwork, reportSigningBytes, seededRng, signingBytes, toHex, type Output, type PeerlabNode, type SignedEvent, type TelemetryReport, type VerifyRequest } from '../src/index.ts';
import { handleSync } from '../src/net/driveSync.ts';
import { keyPairFor, makeNode, nodeSigner, nodeVerify, reportMessage, reportOf } from './helpers.ts';

const key = (label: string) => keyPairFor(label).publicKey;
const reportSends = (outputs: readonly Output[]) => outputs.flatMap((o) => (o.type === 'send' && o.message.t === 'report' ? [o.link] : []));
const verifyRequests = (outputs: readonly Output[]) => outputs.flatMap((o) => (o.type === 'verify' ? o.requests : []));
const rejections = (outputs: readonly Output[]) => outputs.flatMap((o) => (o.type === 'rejected' ? [{ link: o.link, reason: o.rejection.reason }] : []));
const answer = (requests: readonly VerifyRequest[]) => ({ type: 'verified' as const, results: requests.map((request) => ({ id: request.id, ok: nodeVerify(request) })) });

/** Carol with two peer links: `b` to bob, `d` to dave. */
function carolBetweenBobAndDave(): PeerlabNode {
  const carol = makeNode('carol');
  carol.handle({ type: 'linkUp', link: 'b', kind: 'direct', peer: key('bob') }, 0);
  carol.handle({ type: 'linkUp', link: 'd', kind: 'direct', peer: key('dave') }, 0);
  return carol;
}

/** A signed wire message with the report's numbers changed after signing (tampered in flight). */
function tampered(report: TelemetryReport): string {
  const message = JSON.parse(reportMessage(report));
  message.report.events += 1000;
  return JSON.stringify(message);
}

describe('report signatures: decoding and signed bytes', () => {
  it('refuses a report message whose signature is missing or not 128 lowercase hex', () => {
    const report = reportOf('alice', 1);
    expect(decodeMessage(reportMessage(report)).ok).toBe(true);
    for (const sig of [undefined, 'ab'.repeat(63), 'ab'.repeat(65), 'AB'.repeat(64), 'zz'.repeat(64), 42]) {
      expect(decodeMessage(JSON.stringify({ t: 'report', report, sig })), String(sig)).toMatchObject({ ok: false, reason: 'schema' });
    }
  });

  it('signs bytes that do not depend on key order, so a decoded report verifies like the one signed', () => {
    const report = reportOf('alice', 3, { vv: { [key('bob')]: 2, [key('alice')]: 7 }, rejections: { schema: 1, bad_signature: 2 } });
    const reordered = Object.fromEntries(Object.entries({ ...report, vv: { [key('alice')]: 7, [key('bob')]: 2 }, rejections: { bad_signature: 2, schema: 1 } }).reverse()) as unknown as TelemetryReport;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(report));
    expect(reportSigningBytes('lab', reordered)).toEqual(reportSigningBytes('lab', report));
    const decoded = decodeMessage(JSON.stringify({ t: 'report', report: reordered, sig: '00'.repeat(64) }));
    expect(decoded.ok && decoded.value.message.t === 'report' && reportSigningBytes('lab', decoded.value.message.report)).toEqual(reportSigningBytes('lab', report));
  });

  it('separates reports from events and binds them to the room', () => {
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const event = { v: 1, room: 'lab', author: key('alice'), seq: 1, lamport: 1, kind: 'chat', body: { text: 'hi', name: 'alice' } };
    // Event bytes are a JSON object; report bytes start with a text no JSON object starts with.
    expect(text(signingBytes(event)).startsWith('{')).toBe(true);
    expect(text(reportSigningBytes('lab', reportOf('alice', 1))).startsWith('{')).toBe(false);
    expect(reportSigningBytes('other', reportOf('alice', 1))).not.toEqual(reportSigningBytes('lab', reportOf('alice', 1)));
  });
});

describe('signed report gossip in the engine', () => {
  it('carries a report from alice to carol through bob, each hop verifying it against alice\'s key', () => {
    const checked: VerifyRequest[] = [];
    const net = new MemoryNetwork(seededRng(5), (request) => {
      checked.push(request);
      return nodeVerify(request);
    });
    for (const name of ['alice', 'bob', 'carol']) net.add(name, makeNode(name));
    net.connect('alice', 'direct', 'bob', 'direct');
    net.connect('bob', 'direct', 'carol', 'direct');
    const report = reportOf('alice', 1, { events: 42 });
    const sent = net.input('alice', { type: 'report', report });
    // The origin signs: its message verifies against its key over the signed bytes.
    const message = sent.find((o) => o.type === 'send' && o.message.t === 'report');
    expect(message?.type === 'send' && message.message.t === 'report' && nodeVerify({ id: 'x', publicKey: key('alice'), message: reportSigningBytes('lab', report), signature: message.message.sig })).toBe(true);
    net.runFor(20);
    expect(net.nodes.get('carol')!.reports().map((held) => held.report)).toEqual([report]);
    expect(net.nodes.get('bob')!.reports().map((held) => held.report)).toEqual([report]);
    const reportChecks = checked.filter((request) => request.publicKey === key('alice'));
    expect(reportChecks).toHaveLength(2); // bob, then carol; alice never checks her own
    expect(reportChecks.every((request) => request.id.startsWith('report:'))).toBe(true);
  });

  it('refuses a report altered in flight or forged in another peer\'s name: counted, not kept, not forwarded', () => {
    const carol = carolBetweenBobAndDave();
    const deliver = (link: string, data: string) => handleSync(carol, { type: 'message', link, data }, 10, nodeVerify);

    const altered = deliver('b', tampered(reportOf('alice', 2)));
    expect(rejections(altered)).toEqual([{ link: 'b', reason: 'bad_signature' }]);
    expect(reportSends(altered)).toEqual([]);

    const forged = deliver('b', reportMessage(reportOf('alice', 3, { events: 0 }), nodeSigner(keyPairFor('bob'))));
    expect(rejections(forged)).toEqual([{ link: 'b', reason: 'bad_signature' }]);
    expect(reportSends(forged)).toEqual([]);

    const otherRoom = deliver('b', reportMessage(reportOf('alice', 4), undefined, 'another-room'));
    expect(rejections(otherRoom)).toEqual([{ link: 'b', reason: 'bad_signature' }]);

    expect(carol.reports()).toEqual([]);
    expect(carol.stats().rejections.bad_signature).toBe(3);
    // A refused seq does not block the genuine report: it is kept and forwarded (not back to dave).
    expect(reportSends(deliver('d', reportMessage(reportOf('alice', 2))))).toEqual(['b']);
    expect(carol.reports().map((held) => held.report.seq)).toEqual([2]);
  });

  it('does not let a tampered copy awaiting its check shadow the genuine copy behind it', () => {
    const carol = carolBetweenBobAndDave();
    const report = reportOf('alice', 5);
    const [bad] = verifyRequests(carol.handle({ type: 'message', link: 'b', data: tampered(report) }, 1));
    const [good] = verifyRequests(carol.handle({ type: 'message', link: 'd', data: reportMessage(report) }, 2));
    // The very same genuine message by another path while it awaits its answer: no second check.
    expect(verifyRequests(carol.handle({ type: 'message', link: 'b', data: reportMessage(report) }, 3))).toEqual([]);
    const settled = carol.handle(answer([bad!, good!]), 4);
    expect(rejections(settled)).toEqual([{ link: 'b', reason: 'bad_signature' }]);
    expect(reportSends(settled)).toEqual(['b']);
    expect(carol.reports().map((held) => held.report)).toEqual([report]);
  });

  it('spends no verification on a report not newer than the one held (replays, the flood\'s other paths)', () => {
    const carol = carolBetweenBobAndDave();
    const first = carol.handle({ type: 'message', link: 'b', data: reportMessage(reportOf('alice', 5)) }, 1);
    expect(verifyRequests(first)).toHaveLength(1);
    carol.handle(answer(verifyRequests(first)), 2);
    expect(carol.reports().map((held) => held.report.seq)).toEqual([5]);

    for (const data of [reportMessage(reportOf('alice', 5)), reportMessage(reportOf('alice', 4)), tampered(reportOf('alice', 5)), tampered(reportOf('alice', 1))]) {
      const outputs = carol.handle({ type: 'message', link: 'd', data }, 3);
      expect(verifyRequests(outputs)).toEqual([]);
      expect(reportSends(outputs)).toEqual([]);
    }
    expect(carol.stats().rejections.bad_signature).toBe(0);
    expect(verifyRequests(carol.handle({ type: 'message', link: 'd', data: reportMessage(reportOf('alice', 6)) }, 4))).toHaveLength(1);
  });

  it('caps the reports awaiting verification, refusing the excess as rate_limited', () => {
    const carol = carolBetweenBobAndDave();
    const requests: VerifyRequest[] = [];
    const refused: { link?: string; reason: string }[] = [];
    for (let i = 0; i < MAX_PENDING_REPORTS + 5; i++) {
      const outputs = carol.handle({ type: 'message', link: 'b', data: reportMessage(reportOf(`origin ${i}`, 1)) }, i);
      requests.push(...verifyRequests(outputs));
      refused.push(...rejections(outputs));
    }
    expect(requests).toHaveLength(MAX_PENDING_REPORTS);
    expect(refused).toEqual(Array.from({ length: 5 }, () => ({ link: 'b', reason: 'rate_limited' })));
    expect(carol.stats().rejections.rate_limited).toBe(5);

    carol.handle(answer(requests), 100);
    expect(carol.reports()).toHaveLength(MAX_PENDING_REPORTS);
    // The same answers again (a late duplicate) change nothing; the answered ones freed their places.
    expect(reportSends(carol.handle(answer(requests), 101))).toEqual([]);
    expect(verifyRequests(carol.handle({ type: 'message', link: 'b', data: reportMessage(reportOf('origin late', 1)) }, 102))).toHaveLength(1);
  });

  it('routes one batch of answers to the events and reports awaiting them', () => {
    const carol = carolBetweenBobAndDave();
    const signer = nodeSigner(keyPairFor('alice'));
    const unsigned = { v: 1, room: 'lab', author: signer.publicKey, seq: 1, lamport: 1, kind: 'chat', body: { text: 'hi', name: 'alice' } };
    const event: SignedEvent = { ...unsigned, sig: toHex(signer.sign(signingBytes(unsigned))) };
    const requests = [
      ...verifyRequests(carol.handle({ type: 'message', link: 'b', data: encodeMessage({ t: 'events', events: [event] }) }, 1)),
      ...verifyRequests(carol.handle({ type: 'message', link: 'b', data: reportMessage(reportOf('alice', 1)) }, 2)),
    ];
    expect(requests).toHaveLength(2);
    expect(new Set(requests.map((request) => request.id)).size).toBe(2);
    carol.handle(answer(requests), 3);
    expect(carol.store.size).toBe(1);
    expect(carol.reports().map((held) => held.report.peer)).toEqual([key('alice')]);
  });

  it('refuses to sign its own report in another peer\'s name', () => {
    const carol = carolBetweenBobAndDave();
    const outputs = carol.handle({ type: 'report', report: reportOf('alice', 1) }, 1);
    expect(rejections(outputs)).toEqual([{ link: undefined, reason: 'schema' }]);
    expect(reportSends(outputs)).toEqual([]);
    expect(reportSends(carol.handle({ type: 'report', report: reportOf('carol', 1) }, 2)).sort()).toEqual(['b', 'd']);
  });
});
