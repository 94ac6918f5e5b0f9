/**
 * Deferred signing: with an asynchronous signer (WebCrypto in a page) the engine never signs or awaits;
 * it emits `sign` requests and is fed `signed` results, in any order. Seq and Lamport time are fixed at
 * write time, own events enter the state in write order, a failed signature loses only its own write
 * and leaves no gap in the author's log.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INITIAL_BALANCE,
  reportSigningBytes,
  signingBytes,
  toHex,
  type AsyncSigner,
  type KeyPair,
  type Output,
  type PeerlabNode,
  type SignRequest,
  type SignResult,
  type SignedEvent,
  type UnsignedEvent,
} from '../src/index.ts';
import { handleSync } from '../src/net/driveSync.ts';
import { ADMIN, keyPairFor, makeNode, nodeSigner, nodeVerify, reportOf } from './helpers.ts';

/** A key the engine must not sign with itself: it only reads the public key and asks the driver. */
function deferred(pair: KeyPair): AsyncSigner {
  return {
    publicKey: pair.publicKey,
    signBatch: () => {
      throw new Error('the engine called the asynchronous signer');
    },
  };
}

/** What the driver does with a request: signs it with the key it names. */
function signed(request: SignRequest, pairs: readonly KeyPair[] = [keyPairFor('alice'), ADMIN]): SignResult {
  const pair = pairs.find((candidate) => candidate.publicKey === request.publicKey)!;
  return { id: request.id, ok: true, sig: toHex(nodeSigner(pair).sign(request.message)) };
}

const signRequests = (outputs: readonly Output[]): SignRequest[] => outputs.flatMap((o) => (o.type === 'sign' ? o.requests : []));
const accepted = (outputs: readonly Output[]): SignedEvent[] => outputs.flatMap((o) => (o.type === 'accepted' ? o.events.map((stored) => stored.event) : []));
const chat = (text: string) => ({ type: 'write' as const, kind: 'chat', body: { text, name: 'alice' } });
const texts = (events: readonly SignedEvent[]) => events.map((event) => (event.body as { text: string }).text);

function alice(): PeerlabNode {
  return makeNode('alice', { signer: deferred(keyPairFor('alice')) });
}

/** Whether the event's signature is alice's over its own signed bytes. */
function verifies(event: SignedEvent): boolean {
  const unsigned: UnsignedEvent = { v: event.v, room: event.room, author: event.author, seq: event.seq, lamport: event.lamport, kind: event.kind, body: event.body };
  return nodeVerify({ id: 'x', publicKey: event.author, message: signingBytes(unsigned), signature: event.sig });
}

describe('deferred signing', () => {
  it('asks the driver to sign the write, fixed at write time, and holds nothing until the answer', () => {
    const node = alice();
    const outputs = node.handle(chat('hello'), 1);
    const [request, ...more] = signRequests(outputs);
    expect(more).toEqual([]);
    expect(request?.publicKey).toBe(node.id);
    expect(new TextDecoder().decode(request!.message)).toBe(new TextDecoder().decode(signingBytes({ v: 1, room: 'lab', author: node.id, seq: 1, lamport: 1, kind: 'chat', body: { text: 'hello', name: 'alice' } })));
    expect(accepted(outputs)).toEqual([]);
    expect(node.store.size).toBe(0);
    expect(node.pendingCount).toBe(1);
    expect(node.lastSeq).toBe(0);

    const after = node.handle({ type: 'signed', results: [signed(request!)] }, 2);
    const [event] = accepted(after);
    expect(event).toMatchObject({ seq: 1, lamport: 1, author: node.id });
    expect(verifies(event!)).toBe(true);
    expect(after.find((o) => o.type === 'accepted')).toMatchObject({ local: true });
    expect(node.lastSeq).toBe(1);
    expect(node.pendingCount).toBe(1); // held now, still unconfirmed by any link
  });

  it('numbers writes at write time and lets them in in write order, whatever order the signatures come back', () => {
    const node = alice();
    const requests = ['one', 'two', 'three'].flatMap((text, i) => signRequests(node.handle(chat(text), i)));
    expect(requests).toHaveLength(3);
    expect(node.pendingCount).toBe(3);
    expect(accepted(node.handle({ type: 'signed', results: [signed(requests[2]!)] }, 5))).toEqual([]);
    expect(texts(accepted(node.handle({ type: 'signed', results: [signed(requests[0]!)] }, 6)))).toEqual(['one']);
    const rest = accepted(node.handle({ type: 'signed', results: [signed(requests[1]!)] }, 7));
    expect(texts(rest)).toEqual(['two', 'three']);
    expect(rest.map((event) => [event.seq, event.lamport])).toEqual([[2, 2], [3, 3]]);
    expect(rest.every(verifies)).toBe(true);
    expect(node.store.versionVector(() => true)).toEqual({ [node.id]: 3 });
  });

  it('counts writes awaiting a signature as pending until a link confirms holding them', () => {
    const node = alice();
    node.handle({ type: 'linkUp', link: 'peer:bob', kind: 'direct', peer: keyPairFor('bob').publicKey }, 0);
    const requests = ['a', 'b'].flatMap((text) => signRequests(node.handle(chat(text), 1)));
    expect(node.pendingCount).toBe(2);
    node.handle({ type: 'signed', results: requests.map((request) => signed(request)) }, 2);
    expect(node.pendingCount).toBe(2);
    // Bob's summary says he holds alice's first two events.
    node.handle({ type: 'message', link: 'peer:bob', data: JSON.stringify({ t: 'vv', vv: { [node.id]: 2 }, reply: false }) }, 3);
    expect(node.pendingCount).toBe(0);
  });

  it('takes received events while its own wait, and numbers the next write past what it received', () => {
    const node = alice();
    const bob = makeNode('bob');
    node.handle({ type: 'linkUp', link: 'peer:bob', kind: 'direct', peer: bob.id }, 0);
    bob.handle({ type: 'linkUp', link: 'peer:alice', kind: 'direct', peer: node.id }, 0);
    const [first] = signRequests(node.handle(chat('mine, lamport 1'), 1));
    // Bob has written five times; his events reach alice while hers awaits its signature.
    for (let i = 0; i < 5; i++) bob.handle({ type: 'write', kind: 'chat', body: { text: `bob ${i}`, name: 'bob' } }, 1);
    const bobEvents = [...bob.store.events()].map((stored) => stored.event);
    handleSync(node, { type: 'message', link: 'peer:bob', data: JSON.stringify({ t: 'events', events: bobEvents }) }, 2, nodeVerify);
    expect(node.store.size).toBe(5);
    const [second] = signRequests(node.handle(chat('mine, after bob'), 3));
    const results = node.handle({ type: 'signed', results: [signed(second!), signed(first!)] }, 4);
    const own = accepted(results);
    expect(own.map((event) => [event.seq, event.lamport])).toEqual([[1, 1], [2, 6]]);
    expect(node.store.size).toBe(7);
    // Both go to bob as a push, in write order.
    const pushed = results.flatMap((o) => (o.type === 'send' && o.message.t === 'events' ? o.message.events : []));
    expect(pushed.map((event) => event.seq)).toEqual([1, 2]);
  });

  it('refuses a write whose signing failed, locally, and renumbers the writes behind it so the log has no gap', () => {
    const node = alice();
    const requests = ['lost', 'kept 1', 'kept 2'].flatMap((text, i) => signRequests(node.handle(chat(text), i)));
    // The later two come back first; then the first one fails.
    expect(accepted(node.handle({ type: 'signed', results: [signed(requests[1]!), signed(requests[2]!)] }, 3))).toEqual([]);
    const outputs = node.handle({ type: 'signed', results: [{ id: requests[0]!.id, ok: false }] }, 4);
    expect(outputs.find((o) => o.type === 'rejected')).toMatchObject({ rejection: { reason: 'bad_signature', fault: 'local' } });
    expect(accepted(outputs)).toEqual([]);
    const again = signRequests(outputs);
    expect(again).toHaveLength(2);
    expect(again.map((request) => request.id)).not.toContain(requests[1]!.id);
    expect(node.pendingCount).toBe(2);
    // A stale answer (the old numbering) is ignored; the new ones let both in at seq 1 and 2.
    expect(accepted(node.handle({ type: 'signed', results: [signed(requests[1]!)] }, 5))).toEqual([]);
    const events = accepted(node.handle({ type: 'signed', results: again.map((request) => signed(request)) }, 6));
    expect(texts(events)).toEqual(['kept 1', 'kept 2']);
    expect(events.map((event) => event.seq)).toEqual([1, 2]);
    expect(events.every(verifies)).toBe(true);
    expect(node.store.versionVector(() => true)).toEqual({ [node.id]: 2 });
    expect(node.lastSeq).toBe(2);
    // Another peer takes them as any events: the log it sees is gap-free too.
    const bob = makeNode('bob');
    bob.handle({ type: 'linkUp', link: 'peer:alice', kind: 'direct', peer: node.id }, 7);
    handleSync(bob, { type: 'message', link: 'peer:alice', data: JSON.stringify({ t: 'events', events }) }, 7, nodeVerify);
    expect(bob.store.versionVector(() => true)).toEqual({ [node.id]: 2 });
  });

  it('treats a malformed signature from the driver as a failure to sign', () => {
    const node = alice();
    const [request] = signRequests(node.handle(chat('x'), 1));
    const outputs = node.handle({ type: 'signed', results: [{ id: request!.id, ok: true, sig: 'not hex' }] }, 2);
    expect(outputs.find((o) => o.type === 'rejected')).toMatchObject({ rejection: { reason: 'bad_signature', fault: 'local' } });
    expect(node.store.size).toBe(0);
    expect(node.pendingCount).toBe(0);
  });

  it('signs admin events through the driver too, a renumbered one with its epoch moved to its new seq', () => {
    const node = alice();
    const admin = deferred(ADMIN);
    const [hybrid] = signRequests(node.handle({ type: 'switchMode', mode: 'hybrid', admin }, 1));
    const [clientServer] = signRequests(node.handle({ type: 'switchMode', mode: 'client-server', admin }, 2));
    expect(hybrid?.publicKey).toBe(ADMIN.publicKey);
    const outputs = node.handle({ type: 'signed', results: [{ id: hybrid!.id, ok: false }, signed(clientServer!)] }, 3);
    const [resigned] = signRequests(outputs);
    const done = node.handle({ type: 'signed', results: [signed(resigned!)] }, 4);
    const [event] = accepted(done);
    expect(event).toMatchObject({ author: ADMIN.publicKey, seq: 1, kind: 'mode', body: { mode: 'client-server', epoch: 1 } });
    expect(done.find((o) => o.type === 'mode')).toMatchObject({ mode: 'client-server', epoch: 1 });
    expect(node.mode).toBe('client-server');
  });

  it('counts transfers awaiting a signature in the local overdraft check', () => {
    const node = alice();
    const transfer = (amount: number) => ({ type: 'write' as const, kind: 'transfer', body: { from: 'alice', to: 'bob', amount, memo: '' } });
    expect(signRequests(node.handle(transfer(INITIAL_BALANCE - 20), 1))).toHaveLength(1);
    const refused = node.handle(transfer(30), 2);
    expect(signRequests(refused)).toEqual([]);
    expect(refused.find((o) => o.type === 'rejected')).toMatchObject({ rejection: { reason: 'overdraft', fault: 'local' } });
    expect(signRequests(node.handle(transfer(20), 3))).toHaveLength(1);
  });

  it('signs its own report through the driver, and sends it over the links still up when the signature is back', () => {
    const node = alice();
    for (const peer of ['bob', 'carol']) node.handle({ type: 'linkUp', link: `peer:${peer}`, kind: 'direct', peer: keyPairFor(peer).publicKey }, 0);
    const report = reportOf('alice', 1);
    const outputs = node.handle({ type: 'report', report }, 1);
    expect(outputs.some((o) => o.type === 'send' && o.message.t === 'report')).toBe(false);
    const [request] = signRequests(outputs);
    expect(request!.message).toEqual(reportSigningBytes('lab', report));
    node.handle({ type: 'linkDown', link: 'peer:carol' }, 2);
    const sent = node.handle({ type: 'signed', results: [signed(request!)] }, 3).flatMap((o) => (o.type === 'send' && o.message.t === 'report' ? [o] : []));
    expect(sent.map((o) => o.link)).toEqual(['peer:bob']);
    const message = sent[0]!.message;
    expect(message.t === 'report' && nodeVerify({ id: 'x', publicKey: node.id, message: reportSigningBytes('lab', report), signature: message.sig })).toBe(true);
  });

  it('with a synchronous signer, signs inline: no sign request, the event held in the same call', () => {
    const node = makeNode('alice');
    const outputs = node.handle(chat('inline'), 1);
    expect(signRequests(outputs)).toEqual([]);
    expect(accepted(outputs).map((event) => event.seq)).toEqual([1]);
  });

  it('property: any order of answers and any failures keep every write not refused, in write order, numbered 1..n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (writes, picks, fails) => {
        const node = alice();
        let open: SignRequest[] = [];
        const failedTexts = new Set<string>();
        const asked = new Map<string, string>(); // request id -> text
        let refused = 0;
        const ask = (requests: readonly SignRequest[]) => {
          for (const request of requests) {
            asked.set(request.id, JSON.parse(new TextDecoder().decode(request.message)).body.text);
            open.push(request);
          }
        };
        for (let i = 0; i < writes; i++) ask(signRequests(node.handle(chat(`w${i}`), i)));
        // Answer one open request at a time, in an arbitrary order, failing some (each write fails at most once).
        for (let step = 0; open.length > 0 && step < 200; step++) {
          const request = open.splice(picks[step % picks.length]! % open.length, 1)[0]!;
          const text = asked.get(request.id)!;
          const fail = fails[step % fails.length]! && !failedTexts.has(text) && failedTexts.size < writes - 1;
          if (fail) failedTexts.add(text);
          const outputs = node.handle({ type: 'signed', results: [fail ? { id: request.id, ok: false } : signed(request)] }, 100 + step);
          refused += outputs.filter((o) => o.type === 'rejected' && o.rejection.reason === 'bad_signature').length;
          const renumbered = signRequests(outputs);
          // A re-asked write's old request is gone: it must not be answered any more.
          const texts = new Set(renumbered.map((r) => asked.get(r.id) ?? JSON.parse(new TextDecoder().decode(r.message)).body.text));
          open = open.filter((r) => !texts.has(asked.get(r.id)!));
          ask(renumbered);
        }
        const held = [...node.store.events()].map((stored) => stored.event).sort((a, b) => a.seq - b.seq);
        const written = Array.from({ length: writes }, (_, i) => `w${i}`);
        // Kept in write order; a write that never failed is always kept (one that failed while queued
        // behind another failure is signed again with its new number, and may be kept too).
        expect(texts(held)).toEqual(written.filter((text) => texts(held).includes(text)));
        for (const text of written) if (!failedTexts.has(text)) expect(texts(held)).toContain(text);
        expect(held.length + refused).toBe(writes);
        expect(held.map((event) => event.seq)).toEqual(held.map((_, i) => i + 1));
        expect(held.every(verifies)).toBe(true);
        expect(node.pendingCount).toBe(held.length);
      }),
      { seed: 11, numRuns: 60 },
    );
  });
});
