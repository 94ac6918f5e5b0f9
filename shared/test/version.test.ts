import { describe, expect, it } from 'vitest';
import {
  boardView,
  CURRENT_PROTOCOL,
  formatVersion,
  decodeEvent,
  decodeMessage,
  encodeMessage,
  INCOMPATIBLE_RETRY_MS,
  kindsOf,
  MemoryNetwork,
  notUnderstood,
  parseVersion,
  PeerlabNode,
  PROTOCOL_MINOR,
  REFUSED_LINK_GRACE_MS,
  protocolVersion,
  seededRng,
  signingBytes,
  toHex,
  understands,
  type Output,
  type ProtocolVersion,
  type SignedEvent,
} from '../src/index.ts';
import { handleSync } from '../src/net/driveSync.ts';
import { ANNOUNCE_GAP_MS } from '../src/engine/reportAnnouncements.ts';
import { ADMIN, keyPairFor, makeNode, nodeSigner, nodeVerify, reportMessage, reportOf } from './helpers.ts';

const V1_0 = protocolVersion(1, 0);
const V2_0 = protocolVersion(2, 0);
const key = (label: string) => keyPairFor(label).publicKey;

function peer(label: string, protocol: ProtocolVersion = CURRENT_PROTOCOL): PeerlabNode {
  return makeNode(label, { protocol, rng: seededRng(label.charCodeAt(0) * 31 + label.length) });
}

/** Peers over the in-memory network, each with its version; links are made by hand (no overlay). */
function network(nodes: Record<string, ProtocolVersion>): MemoryNetwork {
  const net = new MemoryNetwork(seededRng(11), nodeVerify);
  for (const [name, protocol] of Object.entries(nodes)) net.add(name, peer(name, protocol));
  return net;
}

function paint(net: MemoryNetwork, name: string, x: number, color = 'red'): void {
  const outputs = net.input(name, { type: 'write', kind: 'pixel', body: { x, y: 0, color } });
  expect(outputs.some((o) => o.type === 'rejected')).toBe(false);
}

const sent = (outputs: readonly Output[], t: string) => outputs.flatMap((o) => (o.type === 'send' && o.message.t === t ? [o] : []));

describe('versions: the rule in one place', () => {
  it('knows what each minor of major 1 has, and reads URL versions', () => {
    expect(CURRENT_PROTOCOL).toEqual({ major: 1, minor: PROTOCOL_MINOR, features: ['versioned-report', 'report-announce', 'push-tree', 'hello-pull'] });
    expect(parseVersion('1.1')).toEqual({ major: 1, minor: 1, features: ['versioned-report'] });
    expect(V1_0).toEqual({ major: 1, minor: 0, features: [] });
    expect(parseVersion('1.1')).toEqual({ major: 1, minor: 1, features: ['versioned-report'] });
    expect(understands(V1_0, 'chat')).toBe(true);
    expect(understands(V1_0, 'pixel')).toBe(false);
    expect(understands(CURRENT_PROTOCOL, 'pixel')).toBe(true);
    expect(understands(CURRENT_PROTOCOL, 'sticker')).toBe(false);
    expect(parseVersion('1.0')).toEqual(V1_0);
    expect(parseVersion('1')).toEqual(V1_0);
    expect(parseVersion('1.9')).toEqual(CURRENT_PROTOCOL); // a minor this build does not have: its newest
    expect(parseVersion('2.0')).toMatchObject({ major: 2, minor: 0 });
    for (const bad of ['', '0.1', 'x', '1.0.0', '-1', '1.']) expect(parseVersion(bad), bad).toBeUndefined();
  });

  it('validates the body of every kind this build knows, so kindsOf and the decoder agree', () => {
    const signer = nodeSigner(keyPairFor('alice'));
    for (const kind of kindsOf(CURRENT_PROTOCOL)) {
      const unsigned = { v: 1, room: 'lab', author: signer.publicKey, seq: 1, lamport: 1, kind, body: { nonsense: true } };
      expect(decodeEvent({ ...unsigned, sig: toHex(signer.sign(signingBytes(unsigned))) }), kind).toMatchObject({ ok: false, reason: 'schema' });
    }
  });
});

describe('decoding across versions', () => {
  const hello = { t: 'hello', v: 1, room: 'lab', peer: key('bob'), vv: {} };

  it('reads a hello from before negotiation as 1.0, and ignores hello fields it does not know', () => {
    expect(decodeMessage(JSON.stringify(hello))).toMatchObject({ ok: true, value: { message: hello } });
    const later = decodeMessage(JSON.stringify({ ...hello, minor: 7, features: ['versioned-report', 'teleport'], colour: 'blue' }));
    expect(later.ok && later.value.message).toEqual({ ...hello, minor: 7, features: ['versioned-report', 'teleport'] });
  });

  it('refuses another major by its version before its shape', () => {
    expect(decodeMessage(JSON.stringify({ ...hello, v: 2 }))).toMatchObject({ ok: false, reason: 'unsupported_version' });
    // A future major may change the hello's shape: still refused for its version, not as schema.
    expect(decodeMessage(JSON.stringify({ t: 'hello', v: 3, minor: 1, who: 'bob' }))).toMatchObject({ ok: false, reason: 'unsupported_version', detail: expect.stringContaining('3.1') });
    expect(decodeMessage(JSON.stringify(hello), undefined, V2_0)).toMatchObject({ ok: false, reason: 'unsupported_version' });
  });

  it('refuses events of another major, and a 1.0 node keeps bodies of kinds it does not know as they are', () => {
    const signer = nodeSigner(keyPairFor('alice'));
    const sign = (unsigned: Omit<SignedEvent, 'sig'>): SignedEvent => ({ ...unsigned, sig: toHex(signer.sign(signingBytes(unsigned))) });
    const pixel = sign({ v: 1, room: 'lab', author: signer.publicKey, seq: 1, lamport: 1, kind: 'pixel', body: { x: 99, y: 0, color: 'red' } });
    expect(decodeEvent(pixel)).toMatchObject({ ok: false, reason: 'schema' }); // 1.1 knows the cell is off the board
    expect(decodeEvent(pixel, V1_0)).toMatchObject({ ok: true }); // 1.0 cannot know: kept and forwarded
    expect(decodeEvent(sign({ ...pixel, v: 2 }))).toMatchObject({ ok: false, reason: 'unsupported_version' });
  });

  it('a 1.0 node refuses a report with 1.1 fields (which is why nobody sends it one)', () => {
    const versioned = reportMessage(reportOf('alice', 1, { protocol: '1.1', unknown: 0 }));
    expect(decodeMessage(versioned).ok).toBe(true);
    expect(decodeMessage(versioned, undefined, V1_0)).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeMessage(reportMessage(reportOf('alice', 1)), undefined, V1_0).ok).toBe(true);
  });
});

describe('negotiation: each link records what its remote speaks', () => {
  it('a 1.0 hello is byte for byte the hello of the builds before negotiation; each side records the other', () => {
    const net = network({ neo: CURRENT_PROTOCOL, old: V1_0 });
    const neo = net.nodes.get('neo')!;
    const old = net.nodes.get('old')!;
    const oldHello = sent(old.handle({ type: 'linkUp', link: 'x', kind: 'direct', peer: neo.id }, 0), 'hello')[0]!;
    expect(Object.keys(JSON.parse(oldHello.data)).sort()).toEqual(['peer', 'room', 't', 'v', 'vv']);
    net.connect('neo', 'direct', 'old', 'direct');
    net.runFor(50);
    expect(neo.links().get('old')!.remote).toEqual({ major: 1, minor: 0, features: [] });
    expect(old.links().get('neo')!.remote).toEqual(CURRENT_PROTOCOL);
    expect(neo.stats().rejections.schema + old.stats().rejections.schema).toBe(0);
  });

  it('withholds a 1.1 report from a 1.0 remote, and reads the 1.0 report it gets back', () => {
    const net = network({ neo: CURRENT_PROTOCOL, old: V1_0, other: CURRENT_PROTOCOL });
    net.connect('neo', 'direct', 'old', 'direct');
    net.connect('neo', 'direct', 'other', 'direct');
    net.runFor(50);
    const neo = net.nodes.get('neo')!;
    const out = net.input('neo', { type: 'report', report: reportOf('neo', 1, { peer: neo.id, protocol: '1.1', unknown: 0 }) });
    // Nothing to the 1.0 remote; the newer one hears of it and asks for it.
    expect(sent(out, 'report')).toEqual([]);
    expect(sent(out, 'rhave').map((o) => o.link)).toEqual(['other']);
    const old = net.nodes.get('old')!;
    net.input('old', { type: 'report', report: reportOf('old', 1, { peer: old.id }) });
    // neo just announced over its link to other: the next announcement there waits out the gap.
    net.runFor(ANNOUNCE_GAP_MS + 50);
    expect(net.nodes.get('other')!.reports().map((held) => held.report.peer)).toEqual(expect.arrayContaining([old.id, neo.id]));
    expect(old.reports().map((held) => held.report.peer)).not.toContain(neo.id);
    expect(old.stats().rejections.schema).toBe(0);
  });

  it('a 1.0 node will not write a kind it does not have', () => {
    const old = peer('old', V1_0);
    const out = old.handle({ type: 'write', kind: 'pixel', body: { x: 1, y: 1, color: 'red' } }, 0);
    expect(out).toContainEqual(expect.objectContaining({ type: 'rejected', rejection: expect.objectContaining({ reason: 'schema', fault: 'local' }) }));
    expect(old.store.size).toBe(0);
  });
});

describe('a newer kind through an older peer: A(1.1) – B(1.0) – C(1.1)', () => {
  it('C gets A\'s pixels through B by push; B holds them, does not understand them, and shows none', () => {
    const net = network({ a: CURRENT_PROTOCOL, b: V1_0, c: CURRENT_PROTOCOL });
    net.connect('a', 'direct', 'b', 'direct');
    net.connect('b', 'direct', 'c', 'direct');
    net.runFor(50);
    paint(net, 'a', 1);
    paint(net, 'a', 2, 'blue');
    net.input('a', { type: 'write', kind: 'chat', body: { text: 'hi', name: 'a' } });
    const [a, b, c] = ['a', 'b', 'c'].map((name) => net.nodes.get(name)!) as [PeerlabNode, PeerlabNode, PeerlabNode];
    expect(net.runUntil(() => c.store.size === 3, 5000)).toBe(true);
    expect(new Set([a, b, c].map((node) => node.store.digest())).size).toBe(1);
    expect(boardView(c.store.events()).cells.size).toBe(2);
    expect(notUnderstood(b.store.kindCounts(), b.protocol)).toEqual({ count: 2, kinds: ['pixel'] });
    expect(notUnderstood(c.store.kindCounts(), c.protocol).count).toBe(0);
    const understood = [...b.store.events()].filter((stored) => understands(b.protocol, stored.event.kind));
    expect(boardView(understood).cells.size).toBe(0);
  });

  it('a C that links to B only later gets them by anti-entropy from B alone', () => {
    const net = network({ a: CURRENT_PROTOCOL, b: V1_0, c: CURRENT_PROTOCOL });
    net.connect('a', 'direct', 'b', 'direct');
    paint(net, 'a', 3);
    const b = net.nodes.get('b')!;
    expect(net.runUntil(() => b.store.size === 1, 5000)).toBe(true);
    net.disconnect('a', 'b'); // A is gone: only B holds the pixel now
    net.connect('b', 'direct', 'c', 'direct');
    const c = net.nodes.get('c')!;
    expect(net.runUntil(() => c.store.size === 1, 5000)).toBe(true);
    expect(boardView(c.store.events()).cells.get('3,0')?.color).toBe('red');
  });
});

describe('another major: refused and counted on both ends', () => {
  it('drops the peer link on both sides, counts unsupported_version once each, and leaves the key alone for a while', () => {
    const net = network({ neo: CURRENT_PROTOCOL, next: V2_0 });
    const neo = net.nodes.get('neo')!;
    const next = net.nodes.get('next')!;
    net.connect('neo', 'direct', 'next', 'direct');
    net.runFor(50);
    // Each end read the other's hello before either closed the link: both know why.
    for (const node of [neo, next]) {
      expect(node.stats().rejections.unsupported_version).toBe(1);
      expect([...node.links().values()]).toEqual([expect.objectContaining({ refused: true })]);
    }
    net.runFor(REFUSED_LINK_GRACE_MS);
    for (const node of [neo, next]) expect(node.links().size).toBe(0);
    expect(net.connected('neo', 'next')).toBe(false);
    expect(neo.incompatiblePeers()).toEqual([{ peer: next.id, until: expect.any(Number), detail: `peer speaks protocol 2.0, this node ${formatVersion(CURRENT_PROTOCOL)}: another major version` }]);
    expect(next.incompatiblePeers()[0]!.detail).toBe(`peer speaks protocol ${formatVersion(CURRENT_PROTOCOL)}, this node 2.0: another major version`);
    expect(neo.acceptsDirectLink(next.id)).toBe(false);
    // The overlay does not offer it a link either while the refusal stands, and takes none from it.
    net.autoOverlay = true;
    net.announceRoster();
    net.runFor(INCOMPATIBLE_RETRY_MS / 2);
    expect(neo.stats().rejections.unsupported_version).toBe(1);
    const out = neo.handle({ type: 'linkUp', link: 'again', kind: 'direct', peer: next.id }, net.now);
    expect(out).toEqual([{ type: 'drop', link: 'again', reason: 'incompatible' }]);
    // Afterwards it tries again (the peer may have reloaded with another version), and is refused again.
    net.runFor(INCOMPATIBLE_RETRY_MS);
    expect(neo.stats().rejections.unsupported_version).toBeGreaterThan(1);
  });

  it('the server refuses a client of another major once, keeps its link (signaling) and sends it nothing more', () => {
    const server = new PeerlabNode({ room: 'lab', role: 'server', signer: nodeSigner(keyPairFor('server')), rng: seededRng(3), admin: ADMIN.publicKey });
    const next = peer('next', V2_0);
    server.handle({ type: 'linkUp', link: 'next', kind: 'client' }, 0);
    const hello = sent(next.handle({ type: 'linkUp', link: 'server', kind: 'server' }, 0), 'hello')[0]!;
    const refused = handleSync(server, { type: 'message', link: 'next', data: hello.data }, 0, nodeVerify);
    expect(refused).toContainEqual(expect.objectContaining({ type: 'rejected', link: 'next', rejection: expect.objectContaining({ reason: 'unsupported_version', fault: 'remote' }) }));
    expect(refused.some((o) => o.type === 'drop')).toBe(false);
    expect(server.links().get('next')).toMatchObject({ refused: true });
    // Its events are not even decoded, and an admission or broadcast never goes to it.
    next.handle({ type: 'write', kind: 'chat', body: { text: 'from the future', name: 'next' } }, 0);
    const events = encodeMessage({ t: 'events', events: [...next.store.events()].map((stored) => stored.event) });
    expect(handleSync(server, { type: 'message', link: 'next', data: events }, 0, nodeVerify).filter((o) => o.type === 'rejected')).toEqual([]);
    expect(sent(server.handle({ type: 'admit', peer: next.id }, 0), 'events').filter((o) => o.link === 'next')).toEqual([]);
    expect(server.stats().rejections.unsupported_version).toBe(1);
    expect(server.store.size).toBe(1); // the admission, nothing of next's
  });
});
