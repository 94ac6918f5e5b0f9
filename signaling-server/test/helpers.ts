/**
 * Test fixtures: a real server on port 0 with a temp SQLite file, and real PeerlabNode clients over
 * real socket.io-client connections. Waiting is always "poll a predicate with a bounded timeout".
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, beforeEach } from 'vitest';
import {
  PROTOCOL_VERSION,
  PeerlabNode,
  engineRoomId,
  eventId,
  generateKeyPair,
  handleSync,
  joinProofBytes,
  seededRng,
  signingBytes,
  fromHex,
  toHex,
  tweetnaclSigner,
  type ClientToServerEvents,
  type Input,
  type JoinProof,
  type JoinRequest,
  type JoinResponse,
  type KeyPair,
  type Member,
  type Mode,
  type Output,
  type ServerToClientEvents,
  type SignedEvent,
  type Signer,
  type VerifyRequest,
  type StoredEvent,
  type UnsignedEvent,
} from '@peerlab/shared';
import { nodeCryptoPoolVerifier } from '@peerlab/shared/node';
import { checkJoinAtEntry, type ProvenJoin } from '../src/joinProof.ts';
import { createPeerlabServer, type PeerlabServer } from '../src/server.ts';
import type { RoomInfo } from '../src/http.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export async function waitFor(predicate: () => boolean | Promise<boolean>, label: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface TestEnv {
  readonly dir: string;
  readonly dbFile: string;
  readonly clientDist: string;
  cleanup(): void;
}

export function tempEnv(options: { withClient?: boolean } = {}): TestEnv {
  const dir = mkdtempSync(join(tmpdir(), 'peerlab-server-'));
  const clientDist = join(dir, 'dist');
  if (options.withClient) {
    mkdirSync(join(clientDist, 'assets'), { recursive: true });
    writeFileSync(join(clientDist, 'index.html'), '<!doctype html><title>Peerlab test client</title>');
    writeFileSync(join(clientDist, 'assets', 'app.js'), 'console.log("peerlab");');
  }
  return { dir, dbFile: join(dir, 'data', 'peerlab.sqlite'), clientDist, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function startServer(env: TestEnv): Promise<PeerlabServer> {
  return createPeerlabServer({ port: 0, host: '127.0.0.1', dbFile: env.dbFile, clientDist: env.clientDist });
}

export async function getJson<T = unknown>(server: PeerlabServer, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, server.url));
  return { status: response.status, body: (await response.json()) as T };
}

export async function roomInfo(server: PeerlabServer, room: string): Promise<RoomInfo> {
  const { status, body } = await getJson<RoomInfo>(server, `/api/rooms/${room}`);
  if (status !== 200) throw new Error(`room ${room}: HTTP ${status}`);
  return body;
}

export async function waitForServerMode(server: PeerlabServer, room: string, mode: Mode, epoch?: number): Promise<void> {
  await waitFor(async () => {
    const info = await roomInfo(server, room);
    return info.mode === mode && (epoch === undefined || info.epoch === epoch);
  }, `server holds ${room} in ${mode}`);
}

export async function metricsText(server: PeerlabServer): Promise<string> {
  return (await fetch(new URL('/metrics', server.url))).text();
}

/** The value of one sample in Prometheus text, 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[3] ?? '').split(',').filter(Boolean);
    if (wanted.every((label) => present.includes(label)) && present.length === wanted.length) return Number(match[4]);
  }
  return 0;
}

export function rawSocket(server: PeerlabServer): ClientSocket {
  return connect(server.url, { transports: ['websocket'], forceNew: true, reconnection: false });
}

/** The socket's connection id, once connected: what a join's proof is bound to. */
export async function connectedId(socket: ClientSocket): Promise<string> {
  await waitFor(() => socket.connected && socket.id !== undefined, 'socket connected');
  return socket.id!;
}

/** What a test may make wrong in a join's proof on purpose; each field says what the proof lies about. */
export interface ProofTampering {
  /** Sign with this key instead of the one the join names (a join in another member's name). */
  readonly signWith?: KeyPair;
  /** Sign for this connection id instead of the socket's (a proof carried over from another connection). */
  readonly socketId?: string;
  /** Sign for this room instead of the join's. */
  readonly room?: string;
  /** Date the proof so (ms since the epoch) instead of now. */
  readonly at?: number;
}

/** A join proof by `keys` (or `tampering.signWith`) for `room` on connection `socketId`, made now unless told otherwise. */
export function joinProof(keys: KeyPair, room: string, socketId: string, tampering: ProofTampering = {}): JoinProof {
  const at = tampering.at ?? Date.now();
  const claim = { room: tampering.room ?? room, peer: keys.publicKey, socket: tampering.socketId ?? socketId, at };
  return { at, sig: toHex(nodeSigner(tampering.signWith ?? keys).sign(joinProofBytes(claim))) };
}

export type JoinFields = Omit<JoinRequest, 'peer' | 'proof'>;

/** A join of `keys` on `socket` (once connected), its proof signed for that connection unless `tampering` says otherwise. */
export async function signedJoin(socket: ClientSocket, keys: KeyPair, fields: JoinFields, tampering: ProofTampering = {}): Promise<JoinRequest> {
  const socketId = await connectedId(socket);
  return { ...fields, peer: keys.publicKey, proof: joinProof(keys, fields.room, socketId, tampering) };
}

/**
 * A join proven for `socketId` as the door proves it (checkJoinAtEntry), for tests that call a directory
 * directly: the only way to make the ProvenJoin the directories take.
 */
export async function provenJoin(keys: KeyPair, fields: Omit<JoinRequest, 'proof'>, socketId: string): Promise<ProvenJoin> {
  const request: JoinRequest = { ...fields, proof: joinProof(keys, fields.room, socketId) };
  const checked = await checkJoinAtEntry(request, socketId, '127.0.0.1', Date.now(), nodeCryptoPoolVerifier);
  if (!checked.ok) throw new Error(`join not proven: ${checked.detail}`);
  return checked.join;
}

/** Sends a join and waits for its answer. */
export function askJoin(socket: ClientSocket, request: JoinRequest): Promise<JoinResponse> {
  return new Promise((resolve) => socket.emit('join', request, resolve));
}

/** A signed event built by hand (for forgery tests). */
export function signEvent(pair: KeyPair, unsigned: Omit<UnsignedEvent, 'v'>): SignedEvent {
  const full: UnsignedEvent = { v: PROTOCOL_VERSION, ...unsigned };
  return { ...full, sig: toHex(tweetnaclSigner(pair).sign(signingBytes(full))) };
}

export { eventId };

/**
 * Test peers sign and verify with node:crypto's native, synchronous Ed25519 (tweetnacl takes ~5 ms a
 * signature in Node, which would make a 1,000-event burst test take many seconds). Same RFC 8032 bytes.
 */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export function nodeSigner(pair: KeyPair): Signer {
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, Buffer.from(fromHex(pair.secretKey).subarray(0, 32))]), format: 'der', type: 'pkcs8' });
  return { publicKey: pair.publicKey, sign: (message) => new Uint8Array(nodeSign(null, message, key)) };
}

const publicKeys = new Map<string, KeyObject>();
export function nodeVerify25519(request: VerifyRequest): boolean {
  try {
    let key = publicKeys.get(request.publicKey);
    if (!key) {
      key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, Buffer.from(fromHex(request.publicKey))]), format: 'der', type: 'spki' });
      publicKeys.set(request.publicKey, key);
    }
    return nodeVerify(null, request.message, key, fromHex(request.signature));
  } catch {
    return false;
  }
}

/** One browser-like peer: a real engine node driven over a real Socket.IO connection. */
export class TestPeer {
  readonly keys: KeyPair;
  readonly node: PeerlabNode;
  readonly socket: ClientSocket;
  readonly refusals: { reason: string; detail: string }[] = [];
  readonly accepted: StoredEvent[] = [];
  readonly signals: { from: string; data: string }[] = [];
  readonly relays: { from: string; data: string }[] = [];
  members: readonly Member[] = [];
  joinResponse: JoinResponse | undefined;
  /** Called after every engine message from the server has been handled. */
  afterMessage: (() => void) | undefined;

  constructor(
    readonly server: PeerlabServer,
    readonly room: string,
    readonly name: string,
    /** The admin key this peer proposes (and holds, if it creates the room). */
    readonly adminKeys: KeyPair = generateKeyPair(),
    keys?: KeyPair,
    /** The room's generation this peer believes in (its engine room id names it). */
    generation = 0,
  ) {
    this.keys = keys ?? generateKeyPair();
    this.node = new PeerlabNode({ room: engineRoomId(room, generation), role: 'peer', signer: nodeSigner(this.keys), rng: seededRng(7) });
    this.socket = rawSocket(server);
    this.socket.on('peer', (data) => {
      this.feed({ type: 'message', link: 'server', data });
      this.afterMessage?.();
    });
    this.socket.on('members', (members) => (this.members = members));
    this.socket.on('refused', (refusal) => this.refusals.push(refusal));
    this.socket.on('signal', (message) => this.signals.push(message));
    this.socket.on('relay', (message) => this.relays.push(message));
  }

  static async joined(server: PeerlabServer, room: string, name: string, adminKeys?: KeyPair, keys?: KeyPair, generation = 0): Promise<TestPeer> {
    const peer = new TestPeer(server, room, name, adminKeys, keys, generation);
    const response = await peer.join();
    if (!response.ok) throw new Error(`join refused: ${response.reason} ${response.detail}`);
    return peer;
  }

  /** Joins, with a proof signed for this connection (or made wrong on purpose by `tampering`). */
  async join(passcode?: string, tampering: ProofTampering = {}): Promise<JoinResponse> {
    const fields = { room: this.room, name: this.name, adminKey: this.adminKeys.publicKey, version: PROTOCOL_VERSION };
    const request = await signedJoin(this.socket, this.keys, passcode === undefined ? fields : { ...fields, passcode }, tampering);
    return new Promise((resolve) => {
      this.socket.emit('join', request, (response) => {
        // In the ack callback itself: the server's hello may be in the same read, right behind the ack.
        this.joinResponse = response;
        if (response.ok) {
          this.members = response.members;
          this.feed({ type: 'setAdmin', admin: response.admin });
          this.feed({ type: 'setServer', server: response.server });
          this.feed({ type: 'linkUp', link: 'server', kind: 'server' });
        }
        resolve(response);
      });
    });
  }

  feed(input: Input): Output[] {
    const outputs = handleSync(this.node, input, Date.now(), nodeVerify25519);
    for (const output of outputs) {
      if (output.type === 'send' && output.link === 'server') this.socket.emit('peer', output.data);
      if (output.type === 'accepted') this.accepted.push(...output.events);
    }
    return outputs;
  }

  write(text: string): StoredEvent {
    const outputs = this.feed({ type: 'write', kind: 'chat', body: { text, name: this.name } });
    const accepted = outputs.find((output) => output.type === 'accepted');
    if (!accepted || accepted.type !== 'accepted') throw new Error('write not accepted locally');
    return accepted.events[0]!;
  }

  switchMode(mode: Mode): Output[] {
    // The reference signer for the admin key, as the brief's client does.
    return this.feed({ type: 'switchMode', mode, admin: tweetnaclSigner(this.adminKeys) });
  }

  setService(running: boolean): Output[] {
    return this.feed({ type: 'setService', running, admin: tweetnaclSigner(this.adminKeys) });
  }

  chatTexts(): string[] {
    return [...this.node.store.events()].filter((s) => s.event.kind === 'chat').map((s) => (s.event.body as { text: string }).text).sort();
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** Events a node holds, not counting the server's membership certificates (one per admitted peer). */
export function heldExceptAdmissions(node: PeerlabNode): number {
  let count = 0;
  for (const stored of node.store.events()) if (stored.event.kind !== 'admit') count++;
  return count;
}

/** The room's event count on the server, not counting membership certificates. */
export function eventsExceptAdmissions(info: RoomInfo): number {
  const admissions = Object.values(info.accepted).reduce((sum, kinds) => sum + (kinds.admit ?? 0), 0);
  return info.eventCount - admissions;
}

/** A test file's server: a fresh one (in its own temp dir) for each test, closed after it with what the test registered in `cleanups`. */
export interface ServerPerTest {
  readonly server: PeerlabServer;
  readonly env: TestEnv;
  readonly cleanups: (() => void)[];
}

export function serverPerTest(envOptions: Parameters<typeof tempEnv>[0] = {}): ServerPerTest {
  // Filled in by beforeEach, before any test reads it.
  const fixture = { cleanups: [] } as unknown as { -readonly [K in keyof ServerPerTest]: ServerPerTest[K] };
  beforeEach(async () => {
    fixture.env = tempEnv(envOptions);
    fixture.server = await startServer(fixture.env);
  });
  afterEach(async () => {
    for (const cleanup of fixture.cleanups.splice(0)) cleanup();
    await fixture.server.close();
    fixture.env.cleanup();
  });
  return fixture;
}
