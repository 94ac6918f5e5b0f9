/**
 * The contract every RoomDirectory keeps, as one suite run against each implementation (directory.test.ts):
 * whatever process owns a room, a member's join, link-up, engine messages, signals, relays, reset and
 * leave reach the room's owner, and the owner's answers reach the member's socket by its id. The suite
 * drives the directory under test directly (the socket handlers validated the payloads and proved the
 * joins before: joins here are proven as they do), over real Socket.IO client sockets that only listen.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import {
  PROTOCOL_VERSION,
  generateKeyPair,
  resetSigningBytes,
  toHex,
  tweetnaclSigner,
  type JoinRequest,
  type KeyPair,
  type Member,
  type RoomReset,
  type ServerRefusal,
} from '@peerlab/shared';
import type { RoomDirectory } from '../src/roomDirectory.ts';
import type { MemberRef, PeerlabIo } from '../src/roomTypes.ts';
import { provenJoin, waitFor, type ClientSocket } from './helpers.ts';

/** What a directory under test runs in: the directory, where members' sockets connect, who owns rooms. */
export interface DirectoryHarness {
  /** The directory the suite calls. */
  readonly directory: RoomDirectory;
  /** Where the members' sockets connect (the process of `directory`). */
  readonly url: string;
  /** That process's Socket.IO server: a joined socket enters its room's broadcasts there, as the socket handlers do. */
  readonly io: PeerlabIo;
  /** The id of the process whose authority runs the suite's rooms (shown as `owner` by `info`). */
  owner(): string;
  /**
   * Runs before the first join of each room, with that join's request: e.g. another process creates the
   * room with that joiner's admin key and so owns it, and the join under test is then forwarded there.
   */
  prepare?(first: Omit<JoinRequest, 'proof'>): Promise<void>;
  close(): Promise<void>;
}

/** A listening member: its socket, keys and what the server told it. */
class Listener {
  readonly socket: ClientSocket;
  readonly keys: KeyPair;
  readonly peers: string[] = [];
  readonly signals: { from: string; data: string }[] = [];
  readonly refusals: ServerRefusal[] = [];
  readonly resets: RoomReset[] = [];
  members: readonly Member[] = [];

  constructor(url: string, keys: KeyPair = generateKeyPair()) {
    this.keys = keys;
    this.socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    this.socket.on('peer', (data) => this.peers.push(data));
    this.socket.on('members', (members) => (this.members = members));
    this.socket.on('signal', (message) => this.signals.push(message));
    this.socket.on('refused', (refusal) => this.refusals.push(refusal));
    this.socket.on('reset', (notice) => this.resets.push(notice));
  }

  async connected(): Promise<void> {
    await waitFor(() => this.socket.connected, 'socket connected');
  }

  request(room: string, name: string, adminKey = this.keys.publicKey): Omit<JoinRequest, 'proof'> {
    return { room, name, peer: this.keys.publicKey, adminKey, version: PROTOCOL_VERSION };
  }

  ref(room: string): MemberRef {
    return { room, peer: this.keys.publicKey, socketId: this.socket.id! };
  }

  refused(reason: string): boolean {
    return this.refusals.some((refusal) => refusal.reason === reason);
  }
}

export function directoryContract(name: string, start: () => Promise<DirectoryHarness>): void {
  describe(`${name} keeps the room directory contract`, () => {
    let harness: DirectoryHarness;
    const listeners: Listener[] = [];
    let roomCount = 0;
    const prepared = new Set<string>();

    const room = async (): Promise<string> => `contract${++roomCount}`;

    const member = async (keys?: KeyPair): Promise<Listener> => {
      const listener = new Listener(harness.url, keys);
      listeners.push(listener);
      await listener.connected();
      return listener;
    };

    /** Joins `listener` to `name` through the directory and brings its engine link up, as the socket handlers do. */
    const joined = async (listener: Listener, name: string, label: string, adminKey?: string) => {
      const request = listener.request(name, label, adminKey);
      if (!prepared.has(name)) {
        prepared.add(name);
        await harness.prepare?.(request);
      }
      const join = await provenJoin(listener.keys, request, listener.socket.id!);
      const response = await harness.directory.join(join);
      if (!response?.ok) throw new Error(`join refused: ${JSON.stringify(response)}`);
      harness.io.in(listener.socket.id!).socketsJoin(name);
      harness.directory.linkUp(listener.ref(name), join);
      return response;
    };

    // One harness for the suite (each test has its own room): starting and closing Redis-backed servers
    // per test would mostly measure their start-up.
    beforeAll(async () => {
      harness = await start();
    });

    afterEach(() => {
      for (const listener of listeners.splice(0)) listener.socket.disconnect();
    });

    afterAll(async () => {
      await harness.close();
    });

    it('joins members: the room is created with the first joiner’s admin key, and everyone is told who is in', async () => {
      const name = await room();
      const [alice, bob] = [await member(), await member()];
      const first = await joined(alice, name, 'alice');
      expect(first).toMatchObject({ ok: true, admin: alice.keys.publicKey, mode: 'p2p', epoch: 0, generation: 0 });
      const second = await joined(bob, name, 'bob', bob.keys.publicKey);
      expect(second).toMatchObject({ ok: true, created: false, admin: alice.keys.publicKey });
      if (second.ok) expect(second.members.map((m) => m.name)).toEqual(expect.arrayContaining(['alice', 'bob']));
      await waitFor(() => alice.members.some((m) => m.name === 'bob'), 'alice told bob joined');
      const info = await harness.directory.info(name);
      expect(info).toMatchObject({ room: name, admin: alice.keys.publicKey, owner: harness.owner() });
      expect(info!.members.map((m) => m.name)).toEqual(expect.arrayContaining(['alice', 'bob']));
    });

    it('answers no info for a room never created', async () => {
      expect(await harness.directory.info('never-created')).toBeUndefined();
    });

    it('links a member up to the room’s authority, which says hello and refuses bad engine messages back to the socket', async () => {
      const name = await room();
      const alice = await member();
      await joined(alice, name, 'alice');
      await waitFor(() => alice.peers.some((data) => data.startsWith('{"t":"hello"')), 'the authority’s hello');
      harness.directory.peer(alice.ref(name), 'this is not json');
      await waitFor(() => alice.refused('malformed'), 'malformed refused to alice');
    });

    it('carries a signal to another member and refuses one for a stranger', async () => {
      const name = await room();
      const [alice, bob] = [await member(), await member()];
      await joined(alice, name, 'alice');
      await joined(bob, name, 'bob');
      harness.directory.signal(alice.ref(name), bob.keys.publicKey, '{"type":"offer"}');
      await waitFor(() => bob.signals.some((s) => s.from === alice.keys.publicKey && s.data === '{"type":"offer"}'), 'bob gets the signal');
      harness.directory.signal(alice.ref(name), generateKeyPair().publicKey, '{"type":"offer"}');
      await waitFor(() => alice.refused('unknown_peer'), 'unknown_peer refused to alice');
    });

    it('relays only in hybrid', async () => {
      const name = await room();
      const [alice, bob] = [await member(), await member()];
      await joined(alice, name, 'alice');
      await joined(bob, name, 'bob');
      harness.directory.relay(alice.ref(name), bob.keys.publicKey, '{"t":"ping"}');
      await waitFor(() => alice.refused('relay_disabled'), 'relay_disabled refused to alice');
    });

    it('resets the room for everyone on the admin key’s signature, and refuses another key’s', async () => {
      const name = await room();
      const [alice, bob] = [await member(), await member()];
      await joined(alice, name, 'alice');
      await joined(bob, name, 'bob');
      harness.directory.reset(bob.ref(name), { generation: 0, sig: toHex(tweetnaclSigner(bob.keys).sign(resetSigningBytes(name, 0))) });
      await waitFor(() => bob.refused('not_admin'), 'not_admin refused to bob');
      harness.directory.reset(alice.ref(name), { generation: 0, sig: toHex(tweetnaclSigner(alice.keys).sign(resetSigningBytes(name, 0))) });
      await waitFor(() => alice.resets.length > 0 && bob.resets.length > 0, 'both told of the reset');
      expect(bob.resets).toEqual([{ generation: 1 }]);
      expect((await harness.directory.info(name))?.generation).toBe(1);
    });

    it('leaves: the member is gone and the others are told', async () => {
      const name = await room();
      const [alice, bob] = [await member(), await member()];
      await joined(alice, name, 'alice');
      await joined(bob, name, 'bob');
      await waitFor(() => alice.members.some((m) => m.name === 'bob'), 'alice sees bob');
      harness.directory.leave(bob.ref(name));
      await waitFor(() => !alice.members.some((m) => m.name === 'bob'), 'alice told bob left');
      await waitFor(async () => !(await harness.directory.info(name))?.members.some((m) => m.name === 'bob'), 'bob gone from the room');
    });

    it('a newer socket with the same key replaces the older one, which is told why', async () => {
      const name = await room();
      const first = await member();
      const keys = first.keys;
      const second = await member(keys);
      await joined(first, name, 'alice');
      await joined(second, name, 'alice');
      await waitFor(() => first.refused('replaced'), 'the first socket is told it was replaced');
      const info = await harness.directory.info(name);
      expect(info!.members.filter((m) => m.peer === keys.publicKey)).toHaveLength(1);
    });
  });
}
