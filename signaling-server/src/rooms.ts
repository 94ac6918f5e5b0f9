/**
 * The registry of rooms: each room's authority (loaded lazily from SQLite on first use) and its
 * members, one socket per peer key (a newer socket for the same key replaces the older one).
 */
import { ROOM_PATTERN, type KeyPair, type Member, type Verifier } from '@peerlab/shared';
import type { PeerlabDatabase } from './database.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { RoomAuthority } from './roomAuthority.ts';

export interface RoomTransport {
  /** Sends an engine message to one socket. */
  deliver(socketId: string, data: string): void;
  /** Tells one socket that something it sent was refused. */
  refuse(socketId: string, reason: string, detail: string): void;
}

interface MemberEntry {
  readonly member: Member;
  readonly socketId: string;
}

export class Room {
  readonly members = new Map<string, MemberEntry>();
  constructor(
    readonly name: string,
    readonly authority: RoomAuthority,
  ) {}

  memberList(): Member[] {
    return [...this.members.values()].map((entry) => entry.member);
  }

  socketIdOf(peer: string): string | undefined {
    return this.members.get(peer)?.socketId;
  }
}

export interface RoomsDeps {
  readonly db: PeerlabDatabase;
  readonly verifier: Verifier;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly serverKeys: KeyPair;
  readonly transport: RoomTransport;
}

export class Rooms {
  readonly #rooms = new Map<string, Room>();

  constructor(private readonly deps: RoomsDeps) {}

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
    if (!ROOM_PATTERN.test(name)) return undefined;
    const row = this.deps.db.getRoom(name);
    return row ? this.#load(name, row.admin) : undefined;
  }

  /** The room, created with `adminKey` as its admin when it does not exist yet. */
  getOrCreate(name: string, adminKey: string): { room: Room; created: boolean } {
    const existing = this.get(name);
    if (existing) return { room: existing, created: false };
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
    for (const room of this.#rooms.values()) room.authority.close();
  }

  #load(name: string, admin: string): Room {
    const { transport } = this.deps;
    let room: Room | undefined;
    const authority = new RoomAuthority(name, admin, this.deps.serverKeys, {
      db: this.deps.db,
      verifier: this.deps.verifier,
      metrics: this.deps.metrics,
      logger: this.deps.logger,
      send: (link, data) => {
        const socketId = room?.socketIdOf(link);
        if (socketId !== undefined) transport.deliver(socketId, data);
      },
      refuse: (link, rejection) => {
        const socketId = room?.socketIdOf(link);
        if (socketId !== undefined) transport.refuse(socketId, rejection.reason, rejection.detail);
      },
    });
    room = new Room(name, authority);
    this.#rooms.set(name, room);
    return room;
  }
}
