/**
 * A lossless link (the driver says so at link-up: the server's Socket.IO link to a member in its own
 * process) is answered without repeats: what was sent on it is on its way, so a summary that does not
 * show it yet gets only the rest, and no summary back unless the remote holds something this node lacks.
 * A lossy link keeps the plain anti-entropy answer, and a new link starts from nothing.
 */
import { describe, expect, it } from 'vitest';
import { encodeMessage, handleSync, PROTOCOL_VERSION, type Output, type PeerlabNode, type SignedEvent, type VersionVector } from '../src/index.ts';
import { ADMIN, keyPairFor, makeNode, nodeSigner, nodeVerify } from './helpers.ts';

const CLIENT = keyPairFor('client');

function serverInClientServer(): PeerlabNode {
  const server = makeNode('server', { role: 'server' });
  server.handle({ type: 'switchMode', mode: 'client-server', admin: nodeSigner(ADMIN) }, 0);
  server.handle({ type: 'admit', peer: CLIENT.publicKey }, 1);
  return server;
}

/** Events the outputs send on `link`, and the summaries. */
function sentOn(outputs: readonly Output[], link: string): { events: number; summaries: number } {
  let events = 0;
  let summaries = 0;
  for (const output of outputs) {
    if (output.type !== 'send' || output.link !== link) continue;
    if (output.message.t === 'events') events += output.message.events.length;
    if (output.message.t === 'vv') summaries++;
  }
  return { events, summaries };
}

const hello = (vv: VersionVector) => encodeMessage({ t: 'hello', v: PROTOCOL_VERSION, room: 'lab', peer: CLIENT.publicKey, vv });
const summary = (vv: VersionVector, reply: boolean) => encodeMessage({ t: 'vv', vv, reply });

describe('a lossless link', () => {
  it('answers a stale summary with nothing already sent, and sends no summary back when the remote holds nothing new', () => {
    const server = serverInClientServer();
    const held = server.store.size;
    expect(held).toBe(2); // the mode switch and the client's certificate
    server.handle({ type: 'linkUp', link: 'c', kind: 'client', lossless: true }, 10);
    expect(sentOn(server.handle({ type: 'message', link: 'c', data: hello({}) }, 11), 'c').events).toBe(held);
    // The client's periodic summary still names nothing: those events are on their way.
    expect(sentOn(server.handle({ type: 'message', link: 'c', data: summary({}, true) }, 12), 'c')).toEqual({ events: 0, summaries: 0 });
    // What is new since is pushed once, and not repeated either.
    const pushed = server.handle({ type: 'write', kind: 'chat', body: { text: 'after', name: 'server' } }, 13);
    expect(sentOn(pushed, 'c').events).toBe(1);
    expect(sentOn(server.handle({ type: 'message', link: 'c', data: summary({}, true) }, 14), 'c')).toEqual({ events: 0, summaries: 0 });
  });

  it('sends no summary back for what the remote sent before its summary and this node is still verifying', () => {
    const server = serverInClientServer();
    server.handle({ type: 'linkUp', link: 'c', kind: 'client', lossless: true }, 10);
    server.handle({ type: 'message', link: 'c', data: hello({}) }, 11);
    const client = makeNode('client');
    const [own] = client.handle({ type: 'write', kind: 'chat', body: { text: 'mine', name: 'c' } }, 12).flatMap((o) => (o.type === 'accepted' ? o.events.map((s) => s.event) : []));
    const received = server.handle({ type: 'message', link: 'c', data: encodeMessage({ t: 'events', events: [own!] }) }, 13);
    expect(received.some((output) => output.type === 'verify')).toBe(true); // awaiting its check
    expect(sentOn(server.handle({ type: 'message', link: 'c', data: summary({ [CLIENT.publicKey]: 1 }, true) }, 14), 'c')).toEqual({ events: 0, summaries: 0 });
  });

  it('answers with its summary when the remote holds something this node lacks', () => {
    const server = serverInClientServer();
    server.handle({ type: 'linkUp', link: 'c', kind: 'client', lossless: true }, 10);
    server.handle({ type: 'message', link: 'c', data: hello({}) }, 11);
    const answer = server.handle({ type: 'message', link: 'c', data: summary({ [CLIENT.publicKey]: 3 }, true) }, 12);
    expect(sentOn(answer, 'c')).toEqual({ events: 0, summaries: 1 });
  });

  it('a new link after a reconnect starts from nothing: everything is offered again', () => {
    const server = serverInClientServer();
    server.handle({ type: 'linkUp', link: 'c', kind: 'client', lossless: true }, 10);
    server.handle({ type: 'message', link: 'c', data: hello({}) }, 11);
    server.handle({ type: 'linkDown', link: 'c' }, 12);
    server.handle({ type: 'linkUp', link: 'c', kind: 'client', lossless: true }, 13);
    expect(sentOn(server.handle({ type: 'message', link: 'c', data: hello({}) }, 14), 'c').events).toBe(server.store.size);
  });
});

describe('a lossy link', () => {
  it('answers every summary with what it names as missing, and with a summary back', () => {
    const server = serverInClientServer();
    server.handle({ type: 'linkUp', link: 'c', kind: 'client' }, 10);
    server.handle({ type: 'message', link: 'c', data: hello({}) }, 11);
    expect(sentOn(server.handle({ type: 'message', link: 'c', data: summary({}, true) }, 12), 'c')).toEqual({ events: server.store.size, summaries: 1 });
  });
});

describe('what the authority sends a peer', () => {
  it('is taken in one batch with the mode switch that routes it, before that switch is verified', () => {
    const server = serverInClientServer();
    const chat = server.handle({ type: 'write', kind: 'chat', body: { text: 'in client-server', name: 'server' } }, 2);
    const events = [...server.store.events()].map((stored) => stored.event as SignedEvent);
    expect(chat.some((output) => output.type === 'accepted')).toBe(true);
    const peer = makeNode('client');
    handleSync(peer, { type: 'setServer', server: server.id }, 3, nodeVerify);
    handleSync(peer, { type: 'linkUp', link: 'server', kind: 'server' }, 4, nodeVerify);
    expect(peer.mode).toBe('p2p');
    // The chat is checked on receipt, while this peer still believes the room is in p2p.
    handleSync(peer, { type: 'message', link: 'server', data: encodeMessage({ t: 'events', events }) }, 5, nodeVerify);
    expect(peer.mode).toBe('client-server');
    expect(peer.store.size).toBe(events.length);
    expect(peer.stats().rejections.wrong_mode).toBe(0);
  });
});
