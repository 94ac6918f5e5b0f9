/**
 * What the owner of a room does for its members, wherever their sockets are: join, link up, feed the
 * authority, carry signals and relayed messages, leave. Inputs are plain data (a member reference and
 * the payload, already validated at the socket boundary), so the same calls serve a local socket and
 * one whose process forwarded them over Redis. Replies reach sockets by id through `io.to(id)`, which
 * the Socket.IO adapter delivers on whichever process holds the socket.
 */
import { admissionSigningBytes, type AdmissionRequest, type JoinRequest, type JoinResponse, type Mode, type ResetRequest, type RoomInfo, type ServerRefusalReason } from '@peerlab/shared';
import { createHash } from 'node:crypto';
import type { PeerlabDatabase } from './database.ts';
import type { ProvenJoin } from './joinProof.ts';
import type { Room, Rooms } from './rooms.ts';
import { resetRoom, type RoomResetDeps } from './roomReset.ts';
import type { MemberRef } from './roomTypes.ts';

export function roomInfo(rooms: Rooms, name: string, owner: string): RoomInfo | undefined {
  const room = rooms.get(name);
  if (!room) return undefined;
  const { authority } = room;
  const accepted = {} as Record<Mode, Record<string, number>>;
  for (const [mode, byKind] of Object.entries(authority.accepted) as [Mode, Record<string, number>][]) accepted[mode] = { ...byKind };
  return {
    room: name,
    mode: authority.node.mode,
    epoch: authority.node.epoch,
    generation: authority.generation,
    admin: authority.admin,
    server: rooms.serverKey,
    members: room.memberList(),
    eventCount: authority.node.store.size,
    digest: authority.node.store.digest(),
    lastOrder: authority.lastOrder,
    accepted,
    owner,
    admission: room.admission.state,
  };
}

/** New counts of admitted and refused joins are told to the room at most this often: a sybil flood must not become a flood of notices. */
const ADMISSION_TELL_GAP_MS = 1000;

/** What the service needs is what a reset touches (roomReset.ts declares it, so neither imports the other's). */
export type RoomServiceDeps = RoomResetDeps;

export class RoomService {
  constructor(private readonly deps: RoomServiceDeps) {}

  /**
   * Registers the member (replacing an older socket of the same key: only a join proven for its own socket
   * gets here, so a replacement is the key's holder reconnecting); the caller acks, then calls `linkUp`.
   */
  join({ request, socketId, address }: ProvenJoin): JoinResponse {
    const { io, rooms, metrics } = this.deps;
    const { room, created } = rooms.getOrCreate(request.room, request.adminKey);
    const passcode = checkPasscode(this.deps.db, request, created);
    if (!passcode.ok) {
      metrics.rejected(passcode.reason);
      return passcode;
    }
    // A key the room admitted before (its certificate is in the log) rejoins free; a new one pays its address.
    const door = room.authority.node.isAdmitted(request.peer) ? 'known' : room.admission.admit(request.peer, address, Date.now());
    if (door === 'refused') {
      metrics.rejected('identity_budget');
      this.#tellAdmission(room, false);
      const { perMinute } = room.admission;
      return { ok: false, reason: 'identity_budget', detail: `this address brought ${perMinute === 0 ? 'a new identity, and the room takes none now' : `${perMinute} new identities into the room within a minute, the admin's budget`}; try again later` };
    }
    const replaced = rooms.addMember(room, { peer: request.peer, name: request.name, version: request.version, ...(request.minor === undefined ? {} : { minor: request.minor }), ...(request.observer ? { observer: true } : {}) }, socketId);
    if (replaced !== undefined) {
      metrics.rejected('replaced');
      io.to(replaced).emit('refused', { reason: 'replaced', detail: 'the same peer key joined from another connection' });
      io.in(replaced).disconnectSockets(true);
    }
    const node = room.authority.node;
    io.to(room.name).emit('members', room.memberList());
    if (door === 'admitted') this.#tellAdmission(room, false);
    return { ok: true, admin: room.authority.admin, server: rooms.serverKey, mode: node.mode, epoch: node.epoch, generation: room.authority.generation, members: room.memberList(), created, admission: room.admission.state };
  }

  /**
   * Admin: a new identity budget for the room, kept in the database and told to every member. The request
   * must carry the room admin key's signature and be newer than the budget in force (a replay is stale).
   */
  setAdmission(ref: MemberRef, request: AdmissionRequest): void {
    const room = this.#memberRoom(ref);
    if (!room) return this.#refuse(ref, 'not_joined', 'set the budget of a room you are in');
    if (request.at <= room.admission.setAt) return this.#refuse(ref, 'stale_request', 'an identity budget no newer than the one in force');
    const check = { id: 'admission', publicKey: room.authority.admin, message: admissionSigningBytes(room.name, request.perMinute, request.at), signature: request.sig };
    this.deps.rooms.verifier.verifyBatch([check]).then(
      ([signed]) => {
        if (!signed) return this.#refuse(ref, 'not_admin', "only the room admin key sets the room's identity budget");
        // Checked again: another request may have been applied while this signature was verified.
        if (!this.deps.rooms.isLoaded(room.name) || this.deps.rooms.get(room.name) !== room || request.at <= room.admission.setAt) return this.#refuse(ref, 'stale_request', 'a newer identity budget came first');
        this.deps.db.setAdmission(room.name, request.perMinute, request.at);
        room.admission.set(request.perMinute, request.at);
        this.#tellAdmission(room, true);
      },
      (error: unknown) => {
        this.deps.logger.error({ err: error, room: ref.room }, 'admission check failed');
        this.#refuse(ref, 'internal', 'setting the identity budget failed');
      },
    );
  }

  /** The room's admission state to its members: at once for a new budget; for counts, at most once a second (the last one too). */
  #tellAdmission(room: Room, changed: boolean): void {
    const wait = room.admissionToldAt + ADMISSION_TELL_GAP_MS - Date.now();
    if (!changed && wait > 0) {
      room.admissionTimer ??= setTimeout(() => this.#tellAdmission(room, true), wait);
      return;
    }
    clearTimeout(room.admissionTimer);
    room.admissionTimer = undefined;
    room.admissionToldAt = Date.now();
    this.deps.io.to(room.name).emit('admission', room.admission.state);
  }

  /**
   * The member's server link is up: the authority says hello (after the join ack reached the client). A
   * socket of this process is lossless while connected (one WebSocket, and a reconnect links up anew); one
   * reached through Redis is not (the adapter's stream can be trimmed under load), so anti-entropy repairs it.
   */
  linkUp(ref: MemberRef): void {
    const room = this.#memberRoom(ref);
    room?.authority.input({ type: 'linkUp', link: ref.peer, kind: 'client', lossless: this.deps.io.sockets.sockets.has(ref.socketId) });
    // The membership certificate (issued once per key): in hybrid, peers take data only from holders.
    room?.authority.input({ type: 'admit', peer: ref.peer });
  }

  peer(ref: MemberRef, data: string): void {
    const room = this.#memberRoom(ref);
    if (room) room.authority.input({ type: 'message', link: ref.peer, data });
    else this.deps.logger.debug({ room: ref.room, peer: ref.peer.slice(0, 8) }, 'engine message from a socket that is not (yet) a member here; dropped');
  }

  signal(ref: MemberRef, to: string, data: string): void {
    const room = this.#memberRoom(ref);
    if (!room) return;
    if (!room.authority.node.serviceRunning) return this.#refuse(ref, 'service_stopped', 'the teacher stopped the server; signal over the mesh');
    if (room.authority.node.partitionedBetween(ref.peer, to)) return this.#refuse(ref, 'partitioned', 'the teacher split the room between you');
    const target = room.socketIdOf(to);
    if (target === undefined) return this.#refuse(ref, 'unknown_peer', `no member ${to.slice(0, 8)} in ${ref.room}`);
    this.deps.io.to(target).emit('signal', { from: ref.peer, data });
  }

  relay(ref: MemberRef, to: string, data: string, alone = false): void {
    const room = this.#memberRoom(ref);
    if (!room) return;
    const mode = room.authority.node.mode;
    if (mode !== 'hybrid') return this.#refuse(ref, 'relay_disabled', `relay is for hybrid mode; the room is ${mode}`);
    if (!room.authority.node.serviceRunning) return this.#refuse(ref, 'service_stopped', 'the teacher stopped the server');
    if (room.authority.node.partitionedBetween(ref.peer, to)) return this.#refuse(ref, 'partitioned', 'the teacher split the room between you');
    const target = room.socketIdOf(to);
    if (target === undefined) return this.#refuse(ref, 'unknown_peer', `no member ${to.slice(0, 8)} in ${ref.room}`);
    this.deps.metrics.relayMessages.inc();
    this.deps.metrics.relayBytes.inc(data.length);
    this.deps.io.to(target).emit('relay', alone ? { from: ref.peer, data, alone: true } : { from: ref.peer, data });
  }

  /** Admin: empty the room into its next generation (see roomReset.ts); a refusal is told and counted. */
  reset(ref: MemberRef, request: ResetRequest): void {
    resetRoom(this.deps, ref, request).then(
      (outcome) => {
        if (!outcome.ok) this.#refuse(ref, outcome.reason, outcome.detail);
      },
      (error: unknown) => {
        this.deps.logger.error({ err: error, room: ref.room }, 'reset failed');
        this.#refuse(ref, 'internal', 'reset failed');
      },
    );
  }

  leave(ref: MemberRef): void {
    const { rooms, io } = this.deps;
    if (!rooms.isLoaded(ref.room)) return;
    const room = rooms.get(ref.room);
    if (!room || !rooms.removeMember(room, ref.peer, ref.socketId)) return; // replaced by a newer socket
    room.authority.input({ type: 'linkDown', link: ref.peer });
    io.to(room.name).emit('members', room.memberList());
  }

  info(name: string): RoomInfo | undefined {
    return roomInfo(this.deps.rooms, name, this.deps.process);
  }

  /** The loaded room when `ref` is its current member. */
  #memberRoom(ref: MemberRef) {
    const { rooms } = this.deps;
    if (!rooms.isLoaded(ref.room)) return undefined;
    const room = rooms.get(ref.room);
    return room && room.socketIdOf(ref.peer) === ref.socketId ? room : undefined;
  }

  #refuse(ref: MemberRef, reason: ServerRefusalReason, detail: string): void {
    this.deps.metrics.rejected(reason);
    this.deps.io.to(ref.socketId).emit('refused', { reason, detail });
  }
}

/**
 * A room's optional passcode: set by the join that creates the room, required of every later join.
 * Stored as a salted SHA-256, so the database never holds it in the clear.
 */
function checkPasscode(db: PeerlabDatabase, request: JoinRequest, created: boolean): { ok: true } | { ok: false; reason: 'bad_passcode'; detail: string } {
  const hash = request.passcode === undefined ? undefined : createHash('sha256').update(`peerlab:${request.room}:${request.passcode}`).digest('hex');
  if (created) {
    if (hash !== undefined) db.setPasscodeHash(request.room, hash);
    return { ok: true };
  }
  const required = db.passcodeHash(request.room);
  if (required === undefined || required === hash) return { ok: true };
  return { ok: false, reason: 'bad_passcode', detail: request.passcode === undefined ? 'this room needs a passcode' : 'wrong passcode' };
}
