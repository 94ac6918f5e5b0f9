/**
 * A peer that behaves like the browser's ServerLink + PeerSession across server crashes: socket.io-client
 * reconnects by itself; after every (re)connect it joins again and brings the engine's `server` link up,
 * and on disconnect takes it down. Engine messages go out only while joined (what was written meanwhile
 * stays pending in the engine, which re-sends it through the hello exchange). Given several server
 * URLs it fails over to the next one when reconnecting to the current one keeps failing.
 *
 * It records the server's acks of its own events and every own event it sent, per connection.
 */
import { io as connect } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  PeerlabNode,
  decodeMessage,
  generateKeyPair,
  handleSync,
  seededRng,
  tweetnaclSigner,
  type Input,
  type KeyPair,
  type Mode,
  type Output,
} from '@peerlab/shared';
import { joinProof, nodeSigner, nodeVerify25519, type ClientSocket } from './helpers.ts';

/** Reconnection attempts to one URL before trying the next (only with several URLs). */
const ATTEMPTS_PER_URL = 3;
/** How often the engine gets a `tick` (anti-entropy, as the browser's session drives `nextWakeup`). */
const TICK_MS = 200;

export class ReconnectingPeer {
  readonly keys: KeyPair;
  readonly node: PeerlabNode;
  /** Seqs of own events the server acknowledged. */
  readonly acked = new Set<number>();
  /** Own event seqs sent over each connection (index = connection number, from 0). */
  readonly sentPerConnection: Set<number>[] = [];
  readonly refusals: { reason: string; detail: string }[] = [];
  readonly signals: { from: string; data: string }[] = [];
  /** URL index of each successful join, in order. */
  readonly joins: number[] = [];
  socket: ClientSocket | undefined;
  joined = false;
  #urlIndex: number;
  #closed = false;
  readonly #ticker: NodeJS.Timeout;

  constructor(
    readonly urls: readonly string[],
    readonly room: string,
    readonly name: string,
    readonly adminKeys: KeyPair = generateKeyPair(),
    startAt = 0,
  ) {
    this.keys = generateKeyPair();
    this.node = new PeerlabNode({ room, role: 'peer', signer: nodeSigner(this.keys), rng: seededRng(11) });
    this.#urlIndex = startAt % urls.length;
    this.#ticker = setInterval(() => this.feed({ type: 'tick' }), TICK_MS);
    this.#open();
  }

  get url(): string {
    return this.urls[this.#urlIndex]!;
  }

  get urlIndex(): number {
    return this.#urlIndex;
  }

  feed(input: Input): Output[] {
    const outputs = handleSync(this.node, input, Date.now(), nodeVerify25519);
    for (const output of outputs) {
      if (output.type !== 'send' || output.link !== 'server' || !this.joined) continue;
      if (output.message.t === 'events') {
        const sent = this.sentPerConnection[this.sentPerConnection.length - 1]!;
        for (const event of output.message.events) if (event.author === this.keys.publicKey) sent.add(event.seq);
      }
      this.socket?.emit('peer', output.data);
    }
    return outputs;
  }

  write(text: string): number {
    this.feed({ type: 'write', kind: 'chat', body: { text, name: this.name } });
    return this.node.lastSeq;
  }

  switchMode(mode: Mode): void {
    this.feed({ type: 'switchMode', mode, admin: tweetnaclSigner(this.adminKeys) });
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#ticker);
    this.socket?.disconnect();
  }

  #open(): void {
    const several = this.urls.length > 1;
    const socket: ClientSocket = connect(this.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 400,
      ...(several ? { reconnectionAttempts: ATTEMPTS_PER_URL } : {}),
    });
    this.socket = socket;
    socket.on('connect', () => this.#join(socket));
    socket.on('disconnect', () => {
      if (this.joined) this.feed({ type: 'linkDown', link: 'server' });
      this.joined = false;
    });
    socket.io.on('reconnect_failed', () => {
      if (this.#closed || this.socket !== socket) return;
      socket.disconnect();
      this.#urlIndex = (this.#urlIndex + 1) % this.urls.length;
      this.#open();
    });
    socket.on('peer', (data) => {
      if (!this.joined || this.socket !== socket) return;
      const decoded = decodeMessage(data);
      if (decoded.ok && decoded.value.message.t === 'ack') {
        for (const ack of decoded.value.message.acks) if (ack.author === this.keys.publicKey) this.acked.add(ack.seq);
      }
      this.feed({ type: 'message', link: 'server', data });
    });
    socket.on('refused', (refusal) => this.refusals.push(refusal));
    socket.on('signal', (message) => this.signals.push(message));
  }

  #join(socket: ClientSocket): void {
    if (this.#closed || this.socket !== socket || socket.id === undefined) return;
    // Each connection proves the key anew: a proof is bound to the connection id.
    const proof = joinProof(this.keys, this.room, socket.id);
    const request = { room: this.room, name: this.name, peer: this.keys.publicKey, adminKey: this.adminKeys.publicKey, version: PROTOCOL_VERSION, proof };
    socket.timeout(5000).emit('join', request, (error, response) => {
      if (this.#closed || this.socket !== socket || !socket.connected) return;
      if (error) return this.#join(socket); // no answer in time: ask again on the same connection
      if (!response.ok) throw new Error(`${this.name}: join refused: ${response.reason} ${response.detail}`);
      this.joined = true;
      this.joins.push(this.#urlIndex);
      this.sentPerConnection.push(new Set());
      this.feed({ type: 'setAdmin', admin: response.admin });
      this.feed({ type: 'setServer', server: response.server });
      this.feed({ type: 'linkUp', link: 'server', kind: 'server' });
    });
  }
}
