/**
 * What the server writes, counted in /metrics by Socket.IO event and engine message: each event goes to
 * each member once, even to a member so busy that its periodic summaries lag far behind what is on its
 * way to it (as a page at full CPU does), and every refusal reason is listed from the start.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  PeerlabNode,
  SERVER_REFUSAL_REASONS,
  generateKeyPair,
  handleSync,
  seededRng,
  type Input,
  type JoinResponse,
  type KeyPair,
} from '@peerlab/shared';
import type { PeerlabServer } from '../src/server.ts';
import { engineMessageType, payloadBytes } from '../src/socketTraffic.ts';
import { metricValue, signedJoin, metricsText, nodeSigner, nodeVerify25519, startServer, tempEnv, TestPeer, waitFor, waitForServerMode, type ClientSocket, type TestEnv } from './helpers.ts';

let env: TestEnv;
let server: PeerlabServer;
const closers: (() => void)[] = [];

beforeEach(async () => {
  env = tempEnv();
  server = await startServer(env);
});

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await server.close();
  env.cleanup();
});

/** How far behind a busy member reads what the server sent it: more than one anti-entropy round. */
const READ_DELAY_MS = 1500;

/**
 * A member whose page is busy: it reads each message from the server READ_DELAY_MS late, while its
 * engine's clock keeps ticking, so its periodic summaries name only what it read by then.
 */
class BusyMember {
  readonly keys: KeyPair = generateKeyPair();
  readonly node: PeerlabNode;
  readonly socket: ClientSocket;
  readonly #ticker: NodeJS.Timeout;
  joined = false;

  constructor(room: string) {
    this.node = new PeerlabNode({ room, role: 'peer', signer: nodeSigner(this.keys), rng: seededRng(5) });
    this.socket = connect(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
    this.socket.on('peer', (data) => setTimeout(() => this.feed({ type: 'message', link: 'server', data }), READ_DELAY_MS));
    this.#ticker = setInterval(() => this.feed({ type: 'tick' }), 100);
    closers.push(() => {
      clearInterval(this.#ticker);
      this.socket.disconnect();
    });
  }

  async join(room: string): Promise<void> {
    const request = await signedJoin(this.socket, this.keys, { room, name: 'busy', adminKey: this.keys.publicKey, version: PROTOCOL_VERSION });
    const response = await new Promise<JoinResponse>((resolve) =>
      this.socket.emit('join', request, (answer) => {
        // Linked up in the ack callback itself: the server's hello may follow in the same read.
        if (answer.ok) {
          this.feed({ type: 'setAdmin', admin: answer.admin });
          this.feed({ type: 'setServer', server: answer.server });
          this.feed({ type: 'linkUp', link: 'server', kind: 'server' });
        }
        resolve(answer);
      }),
    );
    if (!response.ok) throw new Error('busy member could not join');
    this.joined = true;
  }

  feed(input: Input): void {
    for (const output of handleSync(this.node, input, Date.now(), nodeVerify25519)) {
      if (output.type === 'send' && output.link === 'server' && this.socket.connected) this.socket.emit('peer', output.data);
    }
  }
}

describe('server traffic', () => {
  it('sends each event to each member once, however far a busy member’s summaries lag', { timeout: 30_000 }, async () => {
    const adminKeys = generateKeyPair();
    const alice = await TestPeer.joined(server, 'busy', 'alice', adminKeys);
    closers.push(() => alice.close());
    alice.switchMode('client-server');
    await waitForServerMode(server, 'busy', 'client-server');
    const busy = new BusyMember('busy');
    await busy.join('busy');
    await waitFor(() => busy.node.mode === 'client-server', 'the busy member in client-server', 10_000);
    const before = metricValue(await metricsText(server), 'peerlab_sent_bytes_total', { event: 'peer', message: 'events' });

    const written: string[] = [];
    for (let i = 0; i < 40; i++) {
      written.push(alice.write(`chat ${i}`).id);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitFor(() => written.every((id) => busy.node.store.has(id)), 'the busy member holds every chat', 15_000);
    // Let its later summaries (all caught up now) arrive too: none of them may bring anything again.
    await new Promise((resolve) => setTimeout(resolve, READ_DELAY_MS + 500));

    const sent = metricValue(await metricsText(server), 'peerlab_sent_bytes_total', { event: 'peer', message: 'events' }) - before;
    // Each chat once to the busy member (alice wrote it) and nothing else new in the room meanwhile.
    const once = written.reduce((sum, id) => sum + JSON.stringify(busy.node.store.get(id)!.event).length, 0);
    expect(sent).toBeGreaterThanOrEqual(once);
    expect(sent).toBeLessThan(once * 1.15); // the `events` wrapper of each message; a repeat would double it
    const metrics = await metricsText(server);
    expect(metricValue(metrics, 'peerlab_received_messages_total', { event: 'peer', message: 'events' })).toBeGreaterThanOrEqual(40);
    expect(metricValue(metrics, 'peerlab_sent_messages_total', { event: 'peer', message: 'ack' })).toBeGreaterThan(0);
  });

  it('lists every refusal reason in /metrics from the start, at 0', async () => {
    const metrics = await metricsText(server);
    for (const reason of SERVER_REFUSAL_REASONS) expect(metrics).toContain(`peerlab_rejections_total{reason="${reason}"} 0`);
  });
});

describe('socket traffic labels', () => {
  it('reads the engine message type off its first field, anything else as other', () => {
    expect(engineMessageType('{"t":"events","events":[]}')).toBe('events');
    expect(engineMessageType('{"t":"ack","acks":[]}')).toBe('ack');
    expect(engineMessageType('{"t":"none"}')).toBe('other');
    expect(engineMessageType('{"t":"made-up-type"}')).toBe('other');
    expect(engineMessageType('not json')).toBe('other');
  });

  it('counts text as its length and objects as their JSON, skipping the ack callback', () => {
    expect(payloadBytes(['abc'])).toBe(3);
    expect(payloadBytes([{ to: 'x', data: 'yz' }, () => undefined])).toBe(JSON.stringify({ to: 'x', data: 'yz' }).length);
  });
});
