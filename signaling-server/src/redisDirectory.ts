/**
 * Rooms shared by several server processes through Redis. Each room keeps ONE authority (one total
 * order): the process holding the room's lease (roomLeases.ts). Any process accepts sockets for any
 * room; what a socket sends for a room owned elsewhere is forwarded to the owner over the process bus
 * (processBus.ts), and the owner's replies reach the socket through the Socket.IO Redis adapter.
 *
 * One timer keeps it all true:
 * - leases this process holds are renewed; a lease it fails to renew is dropped with the room;
 * - for each room with sockets here but owned elsewhere, the lease is read: when it is free the room
 *   is taken over (claimed in the database, loaded, then served), and when its holder changed the
 *   sockets here join the new owner again. Their engines then re-send, through the hello exchange,
 *   whatever the old owner had not committed.
 *
 * Joins are proven at the door (joinProof.ts) by the process holding the socket; the owner checks a
 * forwarded join's signature again before it registers anyone, so nothing on the bus can replace a
 * member's entry with a socket that did not prove the key.
 */
import type { AdmissionRequest, JoinResponse, ResetRequest, RoomInfo, VerifyRequest } from '@peerlab/shared';
import type { PeerlabDatabase } from './database.ts';
import { checkForwardedJoin, type ProvenJoin } from './joinProof.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { ProcessBus, type BusEnvelope } from './processBus.ts';
import type { RoomDirectory } from './roomDirectory.ts';
import { RoomLeases, type Redis } from './roomLeases.ts';
import type { RoomService } from './roomService.ts';
import type { Rooms } from './rooms.ts';
import type { MemberRef } from './roomTypes.ts';

/** Default lease lifetime: how long the rooms of a dead process wait before another takes them over. */
export const DEFAULT_LEASE_MS = 3000;

interface LocalMember {
  readonly peer: string;
  /** The join the socket proved, to join it again to a new owner. */
  readonly join: ProvenJoin;
}

export interface RedisDirectoryDeps {
  readonly redis: Redis;
  readonly process: string;
  readonly leaseMs: number;
  readonly db: PeerlabDatabase;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** A synchronous signature check (node:crypto), for the joins other processes forward. */
  readonly verifyNow: (request: VerifyRequest) => boolean;
}

export class RedisDirectory implements RoomDirectory {
  readonly shared = true;
  readonly process: string;
  readonly #leases: RoomLeases;
  readonly #deps: RedisDirectoryDeps;
  #bus: ProcessBus | undefined;
  #service: RoomService | undefined;
  #rooms: Rooms | undefined;
  /** Rooms whose lease this process holds. */
  readonly #owned = new Set<string>();
  /** For rooms owned elsewhere: the process this one's sockets are joined through. */
  readonly #owners = new Map<string, string>();
  /** Sockets of this process, by room, then socket id. */
  readonly #local = new Map<string, Map<string, LocalMember>>();
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #closed = false;

  constructor(deps: RedisDirectoryDeps) {
    this.#deps = deps;
    this.process = deps.process;
    this.#leases = new RoomLeases(deps.redis, deps.process, deps.leaseMs);
  }

  /** Subscribes to this process's channel and starts the lease timer; rooms and service come late (they need the directory). */
  async start(rooms: Rooms, service: RoomService): Promise<void> {
    this.#rooms = rooms;
    this.#service = service;
    this.#bus = await ProcessBus.open(this.#deps.redis, this.process, this.#deps.logger, (message) => this.#onBus(message));
    // A third of the lease: two renewals may fail before the lease lapses.
    this.#timer = setInterval(() => void this.#check(), Math.max(100, Math.floor(this.#deps.leaseMs / 3)));
  }

  mayLoad(room: string): boolean {
    return this.#owned.has(room);
  }

  ownedRooms(): number {
    return this.#owned.size;
  }

  async join(join: ProvenJoin): Promise<JoinResponse | undefined> {
    const { request, socketId } = join;
    // Long enough for a dead owner's lease to lapse and this or another process to take the room.
    const deadline = Date.now() + 2 * this.#deps.leaseMs + 2000;
    while (!this.#closed && Date.now() < deadline) {
      const owner = await this.#ownerOf(request.room, true);
      if (owner === this.process) return this.#service!.join(join);
      if (owner !== undefined) {
        const answer = await this.#bus!.request(owner, { op: 'join', room: request.room, request, socketId, address: join.address });
        const value = answer?.value as JoinResponse | 'not_owner' | undefined;
        if (value !== undefined && value !== 'not_owner') {
          this.#owners.set(request.room, owner);
          return value;
        }
        this.#owners.delete(request.room);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.#deps.logger.warn({ room: request.room, socket: socketId }, 'no owner answered a join in time');
    return undefined;
  }

  linkUp(ref: MemberRef, join: ProvenJoin): void {
    let members = this.#local.get(ref.room);
    if (!members) this.#local.set(ref.room, (members = new Map()));
    members.set(ref.socketId, { peer: ref.peer, join });
    this.#toOwner(ref.room, 'linkUp', { ref }, () => this.#service!.linkUp(ref));
  }

  peer(ref: MemberRef, data: string): void {
    this.#toOwner(ref.room, 'peer', { ref, data }, () => this.#service!.peer(ref, data));
  }

  signal(ref: MemberRef, to: string, data: string): void {
    this.#toOwner(ref.room, 'signal', { ref, to, data }, () => this.#service!.signal(ref, to, data));
  }

  relay(ref: MemberRef, to: string, data: string, alone = false): void {
    this.#toOwner(ref.room, 'relay', { ref, to, data, alone }, () => this.#service!.relay(ref, to, data, alone));
  }

  reset(ref: MemberRef, request: ResetRequest): void {
    this.#toOwner(ref.room, 'reset', { ref, request }, () => this.#service!.reset(ref, request));
  }

  setAdmission(ref: MemberRef, request: AdmissionRequest): void {
    this.#toOwner(ref.room, 'admission', { ref, request }, () => this.#service!.setAdmission(ref, request));
  }

  leave(ref: MemberRef): void {
    const members = this.#local.get(ref.room);
    members?.delete(ref.socketId);
    if (members?.size === 0) this.#local.delete(ref.room);
    this.#toOwner(ref.room, 'leave', { ref }, () => this.#service!.leave(ref));
  }

  async info(room: string): Promise<RoomInfo | undefined> {
    if (!this.#deps.db.getRoom(room)) return undefined;
    const owner = await this.#ownerOf(room, true);
    if (owner === this.process) return this.#service!.info(room);
    if (owner === undefined) return undefined;
    const answer = await this.#bus!.request(owner, { op: 'info', room });
    const value = answer?.value as RoomInfo | 'not_owner' | null | undefined;
    return value === undefined || value === null || value === 'not_owner' ? undefined : value;
  }

  fenced(room: string): void {
    this.#deps.logger.warn({ room }, 'another process claimed the room in the database; dropping it');
    this.#owned.delete(room);
    this.#owners.delete(room);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all([...this.#owned].map((room) => this.#leases.release(room).catch(() => undefined)));
    this.#owned.clear();
    await this.#bus?.close();
  }

  /** Runs `here` when this process owns the room, else forwards `op` to the owner it joined through. */
  #toOwner(room: string, op: string, fields: Record<string, unknown>, here: () => void): void {
    if (this.#owned.has(room)) return here();
    const owner = this.#owners.get(room);
    // No known owner: the timer finds (or becomes) one and joins this room's sockets to it again.
    if (owner !== undefined) void this.#bus!.send(owner, { op, room, ...fields });
  }

  /** The room's owner; with `take`, this process takes a free lease (and loads the room). */
  async #ownerOf(room: string, take: boolean): Promise<string | undefined> {
    if (this.#owned.has(room)) return this.process;
    const cached = this.#owners.get(room);
    if (cached !== undefined) return cached;
    try {
      const holder = await this.#leases.owner(room);
      if (holder !== undefined || !take) return holder;
      if (await this.#leases.acquire(room)) {
        this.#take(room);
        return this.process;
      }
      return await this.#leases.owner(room);
    } catch (error) {
      this.#deps.logger.warn({ err: error, room }, 'could not read the room lease');
      return undefined;
    }
  }

  /** This process now holds the lease: claim and load the room, then serve the sockets here. */
  #take(room: string): void {
    this.#owned.add(room);
    this.#owners.delete(room);
    const rooms = this.#rooms!;
    rooms.unload(room);
    rooms.get(room); // claims the room in the database, then loads its log (if it exists yet)
    this.#deps.logger.info({ room }, 'took over room');
    this.#rejoinLocal(room);
  }

  #drop(room: string): void {
    this.#owned.delete(room);
    this.#owners.delete(room);
    this.#rooms!.unload(room);
    this.#deps.logger.warn({ room }, 'lost the room lease; dropped the room');
  }

  /** Joins every socket of this process in `room` to its current owner again (no ack: they are joined). */
  #rejoinLocal(room: string): void {
    const members = this.#local.get(room);
    if (!members) return;
    for (const [socketId, { peer, join }] of members) {
      const ref: MemberRef = { room, peer, socketId };
      if (this.#owned.has(room)) {
        this.#service!.join(join);
        this.#service!.linkUp(ref);
      } else {
        const owner = this.#owners.get(room);
        if (owner === undefined) continue;
        void this.#bus!.send(owner, { op: 'join', room, request: join.request, socketId, address: join.address });
        void this.#bus!.send(owner, { op: 'linkUp', room, ref });
      }
    }
  }

  async #check(): Promise<void> {
    if (this.#checking || this.#closed) return;
    this.#checking = true;
    try {
      for (const room of [...this.#owned]) {
        let held = false;
        try {
          held = await this.#leases.renew(room);
        } catch (error) {
          // Redis unreachable: keep serving until the lease would have lapsed; the database fence
          // stops this process from committing once another has claimed the room.
          this.#deps.logger.warn({ err: error, room }, 'could not renew the room lease');
          continue;
        }
        if (!held && this.#owned.has(room)) this.#drop(room);
      }
      for (const room of [...this.#local.keys()]) {
        if (this.#owned.has(room)) continue;
        let holder: string | undefined;
        try {
          holder = await this.#leases.owner(room);
          if (holder === undefined && (await this.#leases.acquire(room))) {
            this.#take(room);
            continue;
          }
          holder ??= await this.#leases.owner(room);
        } catch (error) {
          this.#deps.logger.warn({ err: error, room }, 'could not check the room lease');
          continue;
        }
        if (holder === undefined || holder === this.#owners.get(room)) continue;
        this.#owners.set(room, holder);
        this.#deps.logger.info({ room, owner: holder }, 'room has a new owner; joining its sockets there');
        this.#rejoinLocal(room);
      }
    } finally {
      this.#checking = false;
    }
  }

  #onBus(message: BusEnvelope): void {
    const room = typeof message.room === 'string' ? message.room : undefined;
    if (room === undefined) return;
    const service = this.#service!;
    const owned = this.#owned.has(room);
    const ref = message.ref as MemberRef;
    switch (message.op) {
      case 'join': {
        if (!owned) return this.#bus!.answer(message, 'not_owner');
        const checked = checkForwardedJoin(message.request, message.socketId, message.address, this.#deps.verifyNow);
        if (checked.ok) return this.#bus!.answer(message, service.join(checked.join));
        this.#deps.metrics.rejected(checked.reason);
        this.#deps.logger.warn({ room, reason: checked.reason, detail: checked.detail }, 'refused a forwarded join');
        const refusal: JoinResponse = { ok: false, reason: checked.reason, detail: checked.detail };
        return this.#bus!.answer(message, refusal);
      }
      case 'info':
        return this.#bus!.answer(message, owned ? (service.info(room) ?? null) : 'not_owner');
      case 'linkUp':
        if (owned) service.linkUp(ref);
        return;
      case 'peer':
        if (owned) service.peer(ref, message.data as string);
        return;
      case 'signal':
        if (owned) service.signal(ref, message.to as string, message.data as string);
        return;
      case 'relay':
        if (owned) service.relay(ref, message.to as string, message.data as string, message.alone === true);
        return;
      case 'reset':
        if (owned) service.reset(ref, message.request as ResetRequest);
        return;
      case 'admission':
        if (owned) service.setAdmission(ref, message.request as AdmissionRequest);
        return;
      case 'leave':
        if (owned) service.leave(ref);
        return;
      default:
        this.#deps.logger.warn({ op: message.op }, 'unknown message from another process; dropped');
    }
  }
}
