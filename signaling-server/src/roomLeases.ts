/**
 * Room ownership across processes: a lease per room in Redis (`SET key process NX PX ttl`), renewed by
 * its holder with a compare-and-extend script. Whoever holds a room's lease runs its authority; the
 * database's fencing token (database.ts) backs it up if a stalled holder outlives its lease.
 */
import type { RedisClientType } from 'redis';

/** Renews the lease only if this process still holds it. */
const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
/** Deletes the lease only if this process still holds it. */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export type Redis = RedisClientType;

export class RoomLeases {
  constructor(
    private readonly redis: Redis,
    /** This process's id: the value of every lease it holds. */
    readonly holder: string,
    /** How long a lease lives without renewal: the longest a dead owner keeps its rooms. */
    readonly ttlMs: number,
  ) {}

  #key(room: string): string {
    return `peerlab:lease:${room}`;
  }

  /** The process holding the room's lease, if any. */
  async owner(room: string): Promise<string | undefined> {
    return (await this.redis.get(this.#key(room))) ?? undefined;
  }

  /** Takes the lease if nobody holds it; true when this process holds it now. */
  async acquire(room: string): Promise<boolean> {
    const result = await this.redis.set(this.#key(room), this.holder, { condition: 'NX', expiration: { type: 'PX', value: this.ttlMs } });
    return result === 'OK';
  }

  /** Extends the lease; false when this process no longer holds it. */
  async renew(room: string): Promise<boolean> {
    const result = await this.redis.eval(RENEW, { keys: [this.#key(room)], arguments: [this.holder, String(this.ttlMs)] });
    return result === 1;
  }

  async release(room: string): Promise<void> {
    await this.redis.eval(RELEASE, { keys: [this.#key(room)], arguments: [this.holder] });
  }
}
