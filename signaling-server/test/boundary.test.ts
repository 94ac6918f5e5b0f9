import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, encodeMessage, generateKeyPair, tweetnaclVerify, signingBytes } from '@peerlab/shared';
import { TokenBucket } from '../src/rateLimit.ts';
import {
  askJoin,
  signedJoin,
  getJson,
  metricValue,
  metricsText,
  nodeSigner,
  rawSocket,
  serverPerTest,
  roomInfo,
  signEvent,
  startServer,
  tempEnv,
  TestPeer,
  waitFor,
  waitForServerMode,
  type ClientSocket,
  eventsExceptAdmissions,
} from './helpers.ts';

const fixture = serverPerTest({ withClient: true });

async function peer(room: string, name: string, adminKeys = generateKeyPair()): Promise<TestPeer> {
  const p = await TestPeer.joined(fixture.server, room, name, adminKeys);
  fixture.cleanups.push(() => p.close());
  return p;
}

function socket(): ClientSocket {
  const s = rawSocket(fixture.server);
  fixture.cleanups.push(() => s.disconnect());
  return s;
}

function collectRefusals(s: ClientSocket): { reason: string; detail: string }[] {
  const refusals: { reason: string; detail: string }[] = [];
  s.on('refused', (r) => refusals.push(r));
  return refusals;
}

async function rejections(reason: string): Promise<number> {
  return metricValue(await metricsText(fixture.server), 'peerlab_rejections_total', { reason });
}

describe('HTTP endpoints', () => {
  it('answers /healthz, /metrics, the room API and the client with SPA fallback', async () => {
    const health = await getJson<{ status: string; uptimeSeconds: number; rooms: number; connections: number }>(fixture.server, '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', rooms: 0, connections: 0 });
    expect(typeof health.body.uptimeSeconds).toBe('number');

    await peer('web', 'alice');
    const after = await getJson<{ rooms: number; connections: number }>(fixture.server, '/healthz');
    expect(after.body).toMatchObject({ rooms: 1, connections: 1 });

    const metrics = await fetch(new URL('/metrics', fixture.server.url));
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    for (const name of ['peerlab_connections', 'peerlab_rooms', 'peerlab_events_accepted_total', 'peerlab_relay_bytes_total', 'peerlab_relay_messages_total', 'peerlab_rejections_total']) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(metricValue(text, 'peerlab_connections')).toBe(1);
    expect(metricValue(text, 'peerlab_rooms')).toBe(1);

    expect((await getJson(fixture.server, '/api/rooms/nope')).status).toBe(404);
    expect((await getJson(fixture.server, '/api/rooms/bad%20name')).status).toBe(404);
    expect((await getJson(fixture.server, '/api/other')).status).toBe(404);

    for (const path of ['/', '/present', '/present?room=web', '/some/deep/link']) {
      const response = await fetch(new URL(path, fixture.server.url));
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('Peerlab test client');
    }
    const asset = await fetch(new URL('/assets/app.js', fixture.server.url));
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(await asset.text()).toContain('peerlab');
    const traversal = await fetch(new URL('/..%2f..%2fetc%2fpasswd', fixture.server.url));
    expect(await traversal.text()).toContain('Peerlab test client');
  });

  it('explains a missing client build with a 503', async () => {
    const bare = tempEnv();
    const other = await startServer(bare);
    try {
      const response = await fetch(new URL('/present', other.url));
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('npm run build');
      expect((await fetch(new URL('/healthz', other.url))).status).toBe(200);
    } finally {
      await other.close();
      bare.cleanup();
    }
  });
});

describe('bad input is refused, counted, and survived', () => {
  it('refuses bad joins, including a missing ack and a bad room name', async () => {
    const s = socket();
    const refusals = collectRefusals(s);
    const keys = generateKeyPair();
    const good = await signedJoin(s, keys, { room: 'ok', name: 'x', adminKey: keys.publicKey, version: PROTOCOL_VERSION });
    const ask = (request: unknown): Promise<unknown> => new Promise((resolve) => s.emit('join', request as never, resolve as never));
    expect(await ask({ ...good, room: 'bad room!' })).toMatchObject({ ok: false, reason: 'schema' });
    expect(await ask({ ...good, peer: 'zz' })).toMatchObject({ ok: false, reason: 'schema' });
    expect(await ask('nonsense')).toMatchObject({ ok: false, reason: 'schema' });
    expect(await ask({ ...good, version: 0 })).toMatchObject({ ok: false, reason: 'schema' });
    (s.emit as (...args: unknown[]) => void)('join', { ...good, room: '' }); // no ack callback
    await waitFor(() => refusals.length === 1, 'refusal without an ack');
    (s.emit as (...args: unknown[]) => void)('join'); // nothing at all
    await waitFor(() => refusals.length === 2, 'refusal of an empty join');
    expect(await ask(good)).toMatchObject({ ok: true, created: true });
    // The same join again (a page whose ack timed out) is answered again; another room or key is refused.
    expect(await ask(good)).toMatchObject({ ok: true, created: false });
    expect(await ask({ ...good, room: 'other' })).toMatchObject({ ok: false, reason: 'already_joined' });
    expect(await ask({ ...good, peer: generateKeyPair().publicKey })).toMatchObject({ ok: false, reason: 'already_joined' });
    expect(await rejections('schema')).toBeGreaterThanOrEqual(5);
    expect((await getJson(fixture.server, '/api/rooms/bad room!')).status).toBe(404);
  });

  it('lets a page of another major version join, lists its version, and its engine link refuses its hello', async () => {
    await peer('future', 'alice');
    const s = socket();
    const refusals = collectRefusals(s);
    const keys = generateKeyPair();
    // Another major proves its key like every join (the same build, its engine speaking another version).
    const joined = await askJoin(s, await signedJoin(s, keys, { room: 'future', name: 'next', adminKey: keys.publicKey, version: 2 }));
    expect(joined).toMatchObject({ ok: true, members: expect.arrayContaining([{ peer: keys.publicKey, name: 'next', version: 2 }]) });
    s.emit('peer', encodeMessage({ t: 'hello', v: 2, minor: 0, room: 'future', peer: keys.publicKey, vv: {} }));
    await waitFor(() => refusals.some((r) => r.reason === 'unsupported_version'), 'the hello refused');
    expect(refusals.find((r) => r.reason === 'unsupported_version')!.detail).toContain('peer speaks protocol 2.0, this node 1.');
    // Nothing more from it is read (the refusal was counted once), and nothing it signs enters the room.
    s.emit('peer', encodeMessage({ t: 'vv', vv: {}, reply: true }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await rejections('unsupported_version')).toBe(1);
    expect(refusals.filter((r) => r.reason === 'unsupported_version')).toHaveLength(1);
  });

  it('refuses bad peer messages and forged events, counted by reason', async () => {
    const adminKeys = generateKeyPair();
    const alice = await peer('attack', 'alice', adminKeys);
    alice.switchMode('client-server');
    await waitForServerMode(fixture.server, 'attack', 'client-server');

    const loose = socket();
    const looseRefusals = collectRefusals(loose);
    loose.emit('peer', '{}');
    await waitFor(() => looseRefusals.some((r) => r.reason === 'not_joined'), 'not_joined');

    const emit = alice.socket.emit.bind(alice.socket) as (...args: unknown[]) => void;
    emit('peer', 42);
    emit('peer', { t: 'events' });
    emit('peer', null);
    emit('peer');
    emit('peer', 'this is not json');
    emit('peer', '{"t":"nope"}');
    emit('peer', 'x'.repeat(300 * 1024));
    await waitFor(() => alice.refusals.length >= 7, 'seven refusals');
    const reasons = alice.refusals.map((r) => r.reason);
    expect(reasons.filter((r) => r === 'malformed')).toHaveLength(5);
    expect(reasons).toContain('schema');
    expect(reasons).toContain('oversized');

    // A valid event with one flipped signature byte.
    const mallory = generateKeyPair();
    const genuine = signEvent(mallory, { room: 'attack', author: mallory.publicKey, seq: 1, lamport: 1, kind: 'chat', body: { text: 'forged', name: 'm' } });
    const flipped = (parseInt(genuine.sig.slice(0, 2), 16) ^ 0x01).toString(16).padStart(2, '0');
    const forged = { ...genuine, sig: flipped + genuine.sig.slice(2) };
    expect(tweetnaclVerify({ id: 'x', publicKey: forged.author, message: signingBytes(forged), signature: forged.sig })).toBe(false);
    emit('peer', encodeMessage({ t: 'events', events: [forged] }));
    await waitFor(() => alice.refusals.some((r) => r.reason === 'bad_signature'), 'bad_signature');
    // An event for another room.
    const elsewhere = signEvent(mallory, { room: 'other', author: mallory.publicKey, seq: 1, lamport: 1, kind: 'chat', body: { text: 'x', name: 'm' } });
    emit('peer', encodeMessage({ t: 'events', events: [elsewhere] }));
    await waitFor(() => alice.refusals.some((r) => r.reason === 'wrong_room'), 'wrong_room');

    expect(await rejections('malformed')).toBe(5);
    expect(await rejections('oversized')).toBe(1);
    expect(await rejections('bad_signature')).toBe(1);
    expect(await rejections('wrong_room')).toBe(1);
    expect(await rejections('not_joined')).toBe(1);
    expect(await rejections('schema')).toBeGreaterThanOrEqual(1);
    const info = await roomInfo(fixture.server, 'attack');
    expect(eventsExceptAdmissions(info)).toBe(1); // only the mode event
    expect((await getJson(fixture.server, '/healthz')).body).toMatchObject({ status: 'ok' });

    // The connection still works for honest traffic.
    const written = alice.write('still here');
    await waitFor(() => alice.node.ackPositionOf(written.id) !== undefined, 'honest write acked');
  });

  it('refuses garbage on signal and relay without crashing', async () => {
    const alice = await peer('junk', 'alice');
    const emit = alice.socket.emit.bind(alice.socket) as (...args: unknown[]) => void;
    emit('signal');
    emit('signal', 'x');
    emit('signal', { to: 'nobody', data: 'x' });
    emit('signal', { to: generateKeyPair().publicKey, data: 'x'.repeat(70 * 1024) });
    emit('relay', { to: 5, data: [] });
    emit('relay', null);
    await waitFor(() => alice.refusals.length >= 6, 'six refusals');
    expect(alice.refusals.map((r) => r.reason)).toEqual(['schema', 'schema', 'schema', 'oversized', 'schema', 'schema']);
    expect((await getJson(fixture.server, '/healthz')).status).toBe(200);
  });
});

describe('signaling and relay', () => {
  it('forwards signals between members and refuses unknown peers', async () => {
    const alice = await peer('sig', 'alice');
    const bob = await peer('sig', 'bob');
    alice.socket.emit('signal', { to: bob.keys.publicKey, data: '{"type":"offer"}' });
    await waitFor(() => bob.signals.length === 1, 'bob gets the signal');
    expect(bob.signals[0]).toEqual({ from: alice.keys.publicKey, data: '{"type":"offer"}' });

    const stranger = await peer('elsewhere', 'carol');
    alice.socket.emit('signal', { to: stranger.keys.publicKey, data: 'x' });
    await waitFor(() => alice.refusals.some((r) => r.reason === 'unknown_peer'), 'unknown_peer');
    expect(stranger.signals).toEqual([]);
  });

  it('relays engine messages only in hybrid mode, counting bytes', async () => {
    const adminKeys = generateKeyPair();
    const alice = await peer('relay', 'alice', adminKeys);
    const bob = await peer('relay', 'bob');
    alice.socket.emit('relay', { to: bob.keys.publicKey, data: 'early' });
    await waitFor(() => alice.refusals.some((r) => r.reason === 'relay_disabled'), 'relay refused in p2p');
    alice.switchMode('hybrid');
    await waitForServerMode(fixture.server, 'relay', 'hybrid');
    alice.socket.emit('relay', { to: bob.keys.publicKey, data: 'hello via server' });
    await waitFor(() => bob.relays.length === 1, 'bob gets the relay');
    expect(bob.relays[0]).toEqual({ from: alice.keys.publicKey, data: 'hello via server' });
    // A sender with no direct link says so, and the recipient is told.
    alice.socket.emit('relay', { to: bob.keys.publicKey, data: 'alone', alone: true });
    await waitFor(() => bob.relays.length === 2, 'bob gets the second relay');
    expect(bob.relays[1]).toEqual({ from: alice.keys.publicKey, data: 'alone', alone: true });
    const text = await metricsText(fixture.server);
    expect(metricValue(text, 'peerlab_relay_messages_total')).toBe(2);
    expect(metricValue(text, 'peerlab_relay_bytes_total')).toBe('hello via server'.length + 'alone'.length);
    expect(metricValue(text, 'peerlab_rejections_total', { reason: 'relay_disabled' })).toBe(1);
  });
});

describe('rate limiting', () => {
  it('token bucket: burst, then refill at the rate', () => {
    const bucket = new TokenBucket(2000, 4000, 0);
    let taken = 0;
    while (bucket.take(0)) taken++;
    expect(taken).toBe(4000);
    expect(bucket.refusedInWindow).toBe(1);
    expect(bucket.flooding).toBe(false);
    expect(bucket.take(1)).toBe(true); // 1 ms refills 2 tokens
    expect(bucket.take(1)).toBe(true);
    expect(bucket.take(1)).toBe(false);
    expect(bucket.take(10_000)).toBe(true);
    const flooded = new TokenBucket(2000, 10, 0);
    for (let i = 0; i < 4010; i++) flooded.take(0);
    expect(flooded.flooding).toBe(true);
  });

  it('a flooding socket is refused rate_limited and then disconnected', async () => {
    const alice = await peer('flood', 'alice');
    for (let i = 0; i < 20_000; i++) alice.socket.emit('signal', { to: alice.keys.publicKey, data: 'x' });
    await waitFor(() => !alice.socket.connected, 'flooder disconnected', 10_000);
    expect(alice.refusals.some((r) => r.reason === 'rate_limited')).toBe(true);
    expect(await rejections('rate_limited')).toBeGreaterThan(0);
    expect((await getJson(fixture.server, '/healthz')).status).toBe(200);
  });
});

describe('test signer', () => {
  it('node:crypto signatures verify with tweetnacl (same RFC 8032 bytes)', () => {
    const pair = generateKeyPair();
    const message = new TextEncoder().encode('peerlab');
    const signature = Buffer.from(nodeSigner(pair).sign(message)).toString('hex');
    expect(tweetnaclVerify({ id: 'x', publicKey: pair.publicKey, message, signature })).toBe(true);
  });
});

describe('a join asked twice', () => {
  it('at once (the second may come while the first is pending): both are answered, the member listed once', async () => {
    const s = socket();
    const keys = generateKeyPair();
    const good = await signedJoin(s, keys, { room: 'twice', name: 'x', adminKey: keys.publicKey, version: PROTOCOL_VERSION });
    const ask = (): Promise<unknown> => askJoin(s, good);
    const [first, second] = await Promise.all([ask(), ask()]);
    expect(first).toMatchObject({ ok: true, created: true });
    expect(second).toMatchObject({ ok: true, admin: keys.publicKey });
    expect((await roomInfo(fixture.server, 'twice')).members).toHaveLength(1);
    expect(await rejections('already_joined')).toBe(0);
  });
});
