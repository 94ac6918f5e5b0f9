import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeMessage, encodeEvents, encodeMessage, eventId, eventText, MAX_MESSAGE_BYTES, PeerlabNode, seededRng, signingBytes, toHex, type SignedEvent } from '../src/index.ts';
import { ADMIN, keyPairFor, makeNode, nodeSigner, nodeVerify } from './helpers.ts';
import { handleSync } from '../src/net/driveSync.ts';

function signedChat(label: string, seq: number, text = 'hi', room = 'lab'): SignedEvent {
  const signer = nodeSigner(keyPairFor(label));
  const unsigned = { v: 1, room, author: signer.publicKey, seq, lamport: seq, kind: 'chat', body: { text, name: label } };
  return { ...unsigned, sig: toHex(signer.sign(signingBytes(unsigned))) };
}

function deliver(node: PeerlabNode, data: string) {
  return handleSync(node, { type: 'message', link: 'x', data }, 0, nodeVerify);
}

function withLink(node: PeerlabNode): PeerlabNode {
  node.handle({ type: 'linkUp', link: 'x', kind: 'direct' }, 0);
  return node;
}

describe('decodeMessage: the one decoder', () => {
  it('refuses non-text, oversized, malformed and off-schema input with typed reasons', () => {
    expect(decodeMessage(42)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeMessage('x'.repeat(MAX_MESSAGE_BYTES + 1))).toMatchObject({ ok: false, reason: 'oversized' });
    expect(decodeMessage('{nope')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(decodeMessage('{"t":"gossip"}')).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeMessage('{"t":"vv","vv":{"zz":1},"reply":true}')).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeMessage(JSON.stringify({ t: 'hello', v: 9, room: 'lab', peer: 'a'.repeat(64), vv: {} }))).toMatchObject({ ok: false, reason: 'unsupported_version' });
  });

  it('keeps the valid events of a batch and reports each invalid one', () => {
    const good = signedChat('alice', 1);
    const badBody = { ...signedChat('bob', 1), body: { text: 5 } };
    const decoded = decodeMessage(JSON.stringify({ t: 'events', events: [good, badBody, { junk: true }] }));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.value.message).toEqual({ t: 'events', events: [good] });
    expect(decoded.value.rejectedEvents.map((r) => r.reason)).toEqual(['schema', 'schema']);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.anything().map((v) => { try { return JSON.stringify(v) ?? ''; } catch { return ''; } })), (raw) => {
        const result = decodeMessage(raw);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});

describe('PeerlabNode validation', () => {
  it('accepts a valid event once, counting the replay as a duplicate', () => {
    const node = withLink(makeNode('carol'));
    const event = signedChat('alice', 1);
    const data = encodeMessage({ t: 'events', events: [event] });
    expect(deliver(node, data).some((o) => o.type === 'accepted')).toBe(true);
    expect(deliver(node, data).some((o) => o.type === 'accepted')).toBe(false);
    expect(node.store.size).toBe(1);
    expect(node.stats().duplicates).toBe(1);
  });

  it('rejects a forged signature and an event tampered after signing', () => {
    const node = withLink(makeNode('carol'));
    const event = signedChat('alice', 1);
    const forged = { ...event, sig: event.sig.slice(0, -1) + (event.sig.endsWith('0') ? '1' : '0') };
    const tampered = { ...event, body: { text: 'pay me', name: 'alice' } };
    deliver(node, encodeMessage({ t: 'events', events: [forged, tampered] }));
    expect(node.store.size).toBe(0);
    expect(node.stats().rejections.bad_signature).toBe(2);
  });

  it('rejects events of another room and mode events not signed by the admin', () => {
    const node = withLink(makeNode('carol'));
    deliver(node, encodeMessage({ t: 'events', events: [signedChat('alice', 1, 'hi', 'elsewhere')] }));
    const mallory = nodeSigner(keyPairFor('mallory'));
    const unsigned = { v: 1, room: 'lab', author: mallory.publicKey, seq: 1, lamport: 1, kind: 'mode', body: { mode: 'client-server', epoch: 1 } };
    deliver(node, encodeMessage({ t: 'events', events: [{ ...unsigned, sig: toHex(mallory.sign(signingBytes(unsigned))) }] }));
    expect(node.stats().rejections.wrong_room).toBe(1);
    expect(node.stats().rejections.not_admin).toBe(1);
    expect(node.mode).toBe('p2p');
  });

  it('refuses data over a link the mode does not route data over, but not control events', () => {
    const server = new PeerlabNode({ room: 'lab', role: 'server', signer: nodeSigner(keyPairFor('server')), rng: seededRng(3), admin: ADMIN.publicKey });
    server.handle({ type: 'linkUp', link: 'x', kind: 'client' }, 0);
    deliver(server, encodeMessage({ t: 'events', events: [signedChat('alice', 1)] }));
    expect(server.stats().rejections.wrong_mode).toBe(1);
    expect(server.store.size).toBe(0);
    const admin = makeNode('admin-tab');
    const [modeEvent] = admin.handle({ type: 'switchMode', mode: 'client-server', admin: nodeSigner(ADMIN) }, 0).flatMap((o) => (o.type === 'accepted' ? o.events.map((s) => s.event) : []));
    deliver(server, encodeMessage({ t: 'events', events: [modeEvent!] }));
    expect(server.mode).toBe('client-server');
    deliver(server, encodeMessage({ t: 'events', events: [signedChat('alice', 1)] }));
    expect(server.store.size).toBe(2);
  });

  it('refuses a mode switch from a non-admin locally and applies the admin’s', () => {
    const node = makeNode('carol');
    const refused = node.handle({ type: 'switchMode', mode: 'hybrid', admin: nodeSigner(keyPairFor('carol')) }, 0);
    expect(refused).toContainEqual(expect.objectContaining({ type: 'rejected' }));
    node.handle({ type: 'switchMode', mode: 'hybrid', admin: nodeSigner(ADMIN) }, 0);
    expect(node.mode).toBe('hybrid');
    expect(node.epoch).toBe(1);
  });

  it('keeps equivocation as proof and settles every peer on the same canonical event', () => {
    const a = signedChat('alice', 1, 'first');
    const b = signedChat('alice', 1, 'second');
    const one = withLink(makeNode('one'));
    const two = withLink(makeNode('two'));
    deliver(one, encodeMessage({ t: 'events', events: [a] }));
    deliver(one, encodeMessage({ t: 'events', events: [b] }));
    deliver(two, encodeMessage({ t: 'events', events: [b] }));
    deliver(two, encodeMessage({ t: 'events', events: [a] }));
    expect(one.store.equivocations).toHaveLength(1);
    expect(one.stats().rejections.equivocation).toBe(1);
    expect(one.store.digest()).toBe(two.store.digest());
    expect(one.store.canonicalAt(a.author, 1)!.id).toBe([eventId(a), eventId(b)].sort()[0]);
  });

  it('never reuses a sequence number after a restart that remembers lastSeq', () => {
    const node = makeNode('dave', { lastSeq: 7, rng: seededRng(1) });
    node.handle({ type: 'write', kind: 'chat', body: { text: 'back', name: 'dave' } }, 0);
    expect([...node.store.events()][0]!.event.seq).toBe(8);
  });
});

describe('encoding events', () => {
  it('writes an events message from each event\'s canonical text, the message JSON.stringify would write', () => {
    const events = [0, 1, 2].map((seq) => ({ v: 1, room: 'lab', author: 'a'.repeat(64), seq: seq + 1, lamport: seq, kind: 'chat', body: { text: `hi "${seq}"\n`, name: 'ä' }, sig: 'b'.repeat(128) }));
    expect(JSON.parse(encodeEvents(events))).toEqual({ t: 'events', events });
    expect(encodeEvents(events)).toBe(`{"t":"events","events":[${events.map(eventText).join(',')}]}`);
    expect(encodeEvents([])).toBe(JSON.stringify({ t: 'events', events: [] }));
    expect(encodeMessage({ t: 'events', events: events.slice(1) })).toBe(encodeEvents(events.slice(1)));
    expect(encodeMessage({ t: 'ping' })).toBe('{"t":"ping"}');
  });
});
