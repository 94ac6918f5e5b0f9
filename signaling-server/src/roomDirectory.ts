/**
 * Where each room's authority runs. The socket handlers only validate what a socket sends and hand it
 * to the directory, which calls the owner's `RoomService`: in this process (always, without Redis), or
 * in the process holding the room's lease (with Redis, see redisDirectory.ts).
 */
import type { AdmissionRequest, JoinResponse, ResetRequest, RoomInfo } from '@peerlab/shared';
import type { ProvenJoin } from './joinProof.ts';
import type { RoomService } from './roomService.ts';
import type { Rooms } from './rooms.ts';
import type { MemberRef } from './roomTypes.ts';

export interface RoomDirectory {
  /** This process's id (fencing token in the database, shown by /healthz). */
  readonly process: string;
  /** Whether rooms are shared with other processes through Redis. */
  readonly shared: boolean;
  /**
   * Asks the room's owner to register the member, for a join proven at the door (joinProof.ts); undefined
   * when no owner answered (the client asks again).
   */
  join(join: ProvenJoin): Promise<JoinResponse | undefined>;
  /** After the join ack: the member's engine link is up (the proven join is kept to re-join a new owner). */
  linkUp(ref: MemberRef, join: ProvenJoin): void;
  peer(ref: MemberRef, data: string): void;
  signal(ref: MemberRef, to: string, data: string): void;
  /** `alone`: the sender has no direct link (Addressed.alone), passed on to the recipient. */
  relay(ref: MemberRef, to: string, data: string, alone?: boolean): void;
  /** Admin: reset the member's room (validated shape; the owner checks the signature). */
  reset(ref: MemberRef, request: ResetRequest): void;
  /** Admin: how many new identities one address may bring into the room a minute (the owner checks the key). */
  setAdmission(ref: MemberRef, request: AdmissionRequest): void;
  leave(ref: MemberRef): void;
  info(room: string): Promise<RoomInfo | undefined>;
  /** Rooms whose authority runs in this process. */
  ownedRooms(): number;
  /** The database says another process claimed the room. */
  fenced(room: string): void;
  /** Whether this process may load the room's authority. */
  mayLoad(room: string): boolean;
  /** Releases what this process holds; call after the rooms are flushed. */
  close(): Promise<void>;
}

/** One process, every room owned here: the default. */
export class LocalDirectory implements RoomDirectory {
  readonly shared = false;

  constructor(
    readonly process: string,
    private readonly service: RoomService,
    private readonly rooms: Rooms,
    private readonly onFenced: (room: string) => void,
  ) {}

  async join(join: ProvenJoin): Promise<JoinResponse> {
    return this.service.join(join);
  }

  linkUp(ref: MemberRef): void {
    this.service.linkUp(ref);
  }

  peer(ref: MemberRef, data: string): void {
    this.service.peer(ref, data);
  }

  signal(ref: MemberRef, to: string, data: string): void {
    this.service.signal(ref, to, data);
  }

  relay(ref: MemberRef, to: string, data: string, alone = false): void {
    this.service.relay(ref, to, data, alone);
  }

  reset(ref: MemberRef, request: ResetRequest): void {
    this.service.reset(ref, request);
  }

  setAdmission(ref: MemberRef, request: AdmissionRequest): void {
    this.service.setAdmission(ref, request);
  }

  leave(ref: MemberRef): void {
    this.service.leave(ref);
  }

  async info(room: string): Promise<RoomInfo | undefined> {
    return this.service.info(room);
  }

  ownedRooms(): number {
    return this.rooms.size;
  }

  fenced(room: string): void {
    this.onFenced(room);
  }

  mayLoad(): boolean {
    return true;
  }

  async close(): Promise<void> {}
}
