/**
 * The registry of the rooms this process owns: each room's authority (loaded lazily from SQLite on
 * first use) and its members, one socket per peer key (a newer socket for the same key replaces the
 * older one). Members may sit on any process: a socket id reaches them through the Socket.IO adapter.
 */
import { ROOM_PATTERN, type KeyPair, type Member, type ServerRefusalReason, type Verifier } from '@peerlab/shared';
import type { PeerlabDatabase } from './database.ts';
import { IdentityBudget } from './identityBudget.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { RoomAuthority } from './roomAuthority.ts';

export interface RoomTransport {
  /** Sends one engine message to these sockets, encoded once. */
  deliver(socketIds: readonly string[], data: string): void;
  /** Tells one socket that something it sent was refused. */
  refuse(socketId: string, reason: ServerRefusalReason, detail: string): void;
}

interface MemberEntry {
  readonly member: Member;
  readonly socketId: string;
}

export class Room {
  readonly members = new Map<string, MemberEntry>();
  /** When an `admission` event last went to the room for refused joins (they are told at most once a second). */
  admissionToldAt = Number.NEGATIVE_INFINITY;
  admissionTimer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    readonly name: string,
    readonly authority: RoomAuthority,
    /** How many new identities one address may bring in a minute (identityBudget.ts). */
    readonly admission: IdentityBudget,
  ) {}

  memberList(): Member[] {
    return [...this.members.values()].map((entry) => entry.member);
  }

  socketIdOf(peer: string): string | undefined {
    return this.members.get(peer)?.socketId;
  }

  /** Stops what the room has pending: its authority (without flushing) and a queued admission notice. */
  close(): void {
    clearTimeout(this.admissionTimer);
    this.admissionTimer = undefined;
    this.authority.close();
  }
}

export interface RoomsDeps {
  readonly db: PeerlabDatabase;
  readonly verifier: Verifier;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly serverKeys: KeyPair;
  readonly transport: RoomTransport;
  /** This process's fencing token in the database (its process id). */
  readonly owner: string;
  /** Whether this process may load the room (it holds the room's lease); always true on one process. */
  mayLoad(name: string): boolean;
  /** The database says another process claimed the room: it was unloaded here. */
  onFenced(name: string): void;
}

export class Rooms {
  readonly #rooms = new Map<string, Room>();

  constructor(private readonly deps: RoomsDeps) {}

  /** The server's signature verifier (native Ed25519), for checks outside a room's authority. */
  get verifier(): Verifier {
    return this.deps.verifier;
  }

  get size(): number {
    return this.#rooms.size;
  }

  get serverKey(): string {
    return this.deps.serverKeys.publicKey;
  }

  /** A loaded room, or the stored one loaded now; undefined when the room was never created. */
  get(name: string): Room | undefined {
    const loaded = this.#rooms.get(name);
    if (loaded) return loaded;
    if (!ROOM_PATTERN.test(name) || !this.deps.mayLoad(name)) return undefined;
    const row = this.deps.db.getRoom(name);
    return row ? this.#load(name, row.admin) : undefined;
  }

  /** Whether the room's authority runs in this process now. */
  isLoaded(name: string): boolean {
    return this.#rooms.has(name);
  }

  names(): string[] {
    return [...this.#rooms.keys()];
  }

  /** Drops a room's authority without flushing (its lease is gone: it may no longer commit). */
  unload(name: string): Room | undefined {
    const room = this.#rooms.get(name);
    if (!room) return undefined;
    room.close();
    this.#rooms.delete(name);
    return room;
  }

  /** The room, created with `adminKey` as its admin when it does not exist yet (only where `mayLoad`). */
  getOrCreate(name: string, adminKey: string): { room: Room; created: boolean } {
    const existing = this.get(name);
    if (existing) return { room: existing, created: false };
    if (!this.deps.mayLoad(name)) throw new Error(`room ${name} is not owned by this process`);
    const { row, created } = this.deps.db.createRoom(name, adminKey, Date.now());
    if (created) this.deps.logger.info({ room: name, admin: row.admin.slice(0, 8) }, 'room created');
    return { room: this.#load(name, row.admin), created };
  }

  /** Registers a member; returns the socket id it replaced, if any. */
  addMember(room: Room, member: Member, socketId: string): string | undefined {
    const previous = room.members.get(member.peer)?.socketId;
    room.members.set(member.peer, { member, socketId });
    return previous !== socketId ? previous : undefined;
  }

  /** Removes a member only if `socketId` is still the one holding its key. */
  removeMember(room: Room, peer: string, socketId: string): boolean {
    if (room.members.get(peer)?.socketId !== socketId) return false;
    room.members.delete(peer);
    return true;
  }

  connectionCount(): number {
    let n = 0;
    for (const room of this.#rooms.values()) n += room.members.size;
    return n;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.#rooms.values()].map((room) => room.authority.flush()));
  }

  close(): void {
    for (const room of this.#rooms.values()) room.close();
  }

  #load(name: string, admin: string): Room {
    const { transport } = this.deps;
    let room: Room | undefined;
    const authority = new RoomAuthority(name, admin, this.deps.serverKeys, {
      db: this.deps.db,
      verifier: this.deps.verifier,
      metrics: this.deps.metrics,
      logger: this.deps.logger,
      send: (links, data) => {
        const socketIds: string[] = [];
        for (const link of links) {
          const socketId = room?.socketIdOf(link);
          if (socketId !== undefined) socketIds.push(socketId);
        }
        if (socketIds.length > 0) transport.deliver(socketIds, data);
      },
      refuse: (link, rejection) => {
        const socketId = room?.socketIdOf(link);
        if (socketId !== undefined) transport.refuse(socketId, rejection.reason, rejection.detail);
      },
      owner: this.deps.owner,
      fenced: () => {
        if (room) clearTimeout(room.admissionTimer);
        if (this.#rooms.get(name) === room) this.#rooms.delete(name);
        this.deps.onFenced(name);
      },
    }, this.deps.db.roomGeneration(name));
    const admission = this.deps.db.admission(name);
    room = new Room(name, authority, new IdentityBudget(admission?.perMinute, admission?.setAt));
    this.#rooms.set(name, room);
    return room;
  }
}
