/**
 * Durable storage: one SQLite file (better-sqlite3), WAL, synchronous = FULL, so a committed
 * transaction survives `kill -9` and power loss. Holds the server key pair, rooms and events.
 *
 * Several processes on one machine may open the same file (WAL allows it). Each room is written by
 * exactly one of them: the one that last claimed it (`claimRoom`). Every insert checks that claim in
 * the same transaction, a fencing token, so a process that lost a room (its lease expired while it
 * was stalled) can never commit, and so never acknowledge, into a log another process now orders.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeyPair, parseKeyPair, type KeyPair, type Mode, type SignedEvent } from '@peerlab/shared';

export interface RoomRow {
  readonly room: string;
  readonly admin: string;
  readonly createdAt: number;
}

export interface EventRow {
  readonly order: number;
  readonly id: string;
  readonly event: SignedEvent;
  /** The room's mode when the server accepted the event. */
  readonly mode: Mode;
}

export interface NewEvent {
  readonly order: number;
  readonly id: string;
  readonly event: SignedEvent;
  readonly mode: Mode;
}

/** Why a group commit was refused without touching the log. */
export type InsertResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'fenced'; readonly owner: string | undefined };

export type ResetResult =
  | { readonly ok: true; readonly generation: number; readonly deleted: number }
  | { readonly ok: false; readonly reason: 'fenced' | 'stale_generation' };

export class PeerlabDatabase {
  readonly #db: Database.Database;
  readonly #insertEvent: Database.Statement;
  readonly #insertEvents: (room: string, events: readonly NewEvent[], owner: string) => InsertResult;
  readonly #ownerOf: Database.Statement;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    // Wait for a lock first: several processes may open (and set up) one file at once.
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS rooms (room TEXT PRIMARY KEY, admin TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS events (
        room TEXT NOT NULL,
        ord INTEGER NOT NULL,
        id TEXT NOT NULL,
        author TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        mode TEXT NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (room, ord),
        UNIQUE (room, id)
      );
      CREATE TABLE IF NOT EXISTS room_passcodes (room TEXT PRIMARY KEY, hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS room_admission (room TEXT PRIMARY KEY, per_minute INTEGER NOT NULL, set_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS room_owners (room TEXT PRIMARY KEY, owner TEXT NOT NULL, claimed_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS room_generations (room TEXT PRIMARY KEY, generation INTEGER NOT NULL, reset_at INTEGER NOT NULL);
    `);
    this.#ownerOf = this.#db.prepare('SELECT owner FROM room_owners WHERE room = ?').pluck();
    this.#insertEvent = this.#db.prepare(
      'INSERT INTO events (room, ord, id, author, seq, kind, mode, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#insertEvents = this.#db.transaction((room: string, events: readonly NewEvent[], owner: string): InsertResult => {
      const holder = this.#ownerOf.get(room) as string | undefined;
      if (holder !== owner) return { ok: false, reason: 'fenced', owner: holder };
      for (const e of events) {
        this.#insertEvent.run(room, e.order, e.id, e.event.author, e.event.seq, e.event.kind, e.mode, JSON.stringify(e.event));
      }
      return { ok: true };
    });
  }

  /** The server's own identity, made once and kept. */
  serverKeyPair(): KeyPair {
    const row = this.#db.prepare('SELECT value FROM meta WHERE key = ?').get('server_key') as { value: string } | undefined;
    const existing = parseKeyPair(row?.value);
    if (existing) return existing;
    // OR IGNORE, then read back: two processes starting on one new file agree on one key.
    this.#db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run('server_key', generateKeyPair().secretKey);
    const stored = parseKeyPair((this.#db.prepare('SELECT value FROM meta WHERE key = ?').get('server_key') as { value: string } | undefined)?.value);
    if (!stored) throw new Error('meta.server_key holds no valid key pair');
    return stored;
  }

  /**
   * Makes `owner` the only writer of the room's log from now on. Call before loading the log: a commit
   * by the previous owner either landed before the claim (and is loaded) or is refused after it.
   */
  claimRoom(room: string, owner: string, now: number): void {
    this.#db.prepare('INSERT OR REPLACE INTO room_owners (room, owner, claimed_at) VALUES (?, ?, ?)').run(room, owner, now);
  }

  /** The process that last claimed the room. */
  roomOwner(room: string): string | undefined {
    return this.#ownerOf.get(room) as string | undefined;
  }

  getRoom(room: string): RoomRow | undefined {
    const row = this.#db.prepare('SELECT room, admin, created_at AS createdAt FROM rooms WHERE room = ?').get(room) as RoomRow | undefined;
    return row;
  }

  /** Creates the room unless it exists; returns the stored row and whether this call created it. */
  /** The hash of the room's passcode, if its creator set one. */
  passcodeHash(room: string): string | undefined {
    return (this.#db.prepare('SELECT hash FROM room_passcodes WHERE room = ?').get(room) as { hash: string } | undefined)?.hash;
  }

  setPasscodeHash(room: string, hash: string): void {
    this.#db.prepare('INSERT OR IGNORE INTO room_passcodes (room, hash) VALUES (?, ?)').run(room, hash);
  }

  /** The admin's new identity budget for the room (identityBudget.ts) and when the admin signed it, if ever set. */
  admission(room: string): { perMinute: number; setAt: number } | undefined {
    return this.#db.prepare('SELECT per_minute AS perMinute, set_at AS setAt FROM room_admission WHERE room = ?').get(room) as { perMinute: number; setAt: number } | undefined;
  }

  setAdmission(room: string, perMinute: number, setAt: number): void {
    this.#db
      .prepare('INSERT INTO room_admission (room, per_minute, set_at) VALUES (?, ?, ?) ON CONFLICT (room) DO UPDATE SET per_minute = excluded.per_minute, set_at = excluded.set_at')
      .run(room, perMinute, setAt);
  }

  createRoom(room: string, admin: string, now: number): { row: RoomRow; created: boolean } {
    const result = this.#db.prepare('INSERT OR IGNORE INTO rooms (room, admin, created_at) VALUES (?, ?, ?)').run(room, admin, now);
    return { row: this.getRoom(room)!, created: result.changes === 1 };
  }

  roomCount(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM rooms').get() as { n: number }).n;
  }

  /** A room's events in the server's order. */
  loadEvents(room: string): EventRow[] {
    const rows = this.#db.prepare('SELECT ord, id, mode, json FROM events WHERE room = ? ORDER BY ord').all(room) as {
      ord: number;
      id: string;
      mode: Mode;
      json: string;
    }[];
    return rows.map((row) => ({ order: row.ord, id: row.id, mode: row.mode, event: JSON.parse(row.json) as SignedEvent }));
  }

  /** Group commit: all of one batch's events in one transaction (one fsync), if `owner` still holds the room. */
  insertEvents(room: string, events: readonly NewEvent[], owner: string): InsertResult {
    return events.length > 0 ? this.#insertEvents(room, events, owner) : { ok: true };
  }

  /** The room's generation: how many times its admin reset it (0 for a room never reset). */
  roomGeneration(room: string): number {
    return (this.#db.prepare('SELECT generation FROM room_generations WHERE room = ?').pluck().get(room) as number | undefined) ?? 0;
  }

  /**
   * The admin's reset: in one transaction, if `owner` still holds the room and it is still at `from`,
   * the room's events are deleted and its generation becomes `from + 1`. Nothing of the old log survives
   * a restart; its events are refused anyway, being signed for the old generation's room id.
   */
  resetRoom(room: string, from: number, owner: string, now: number): ResetResult {
    return this.#db.transaction((): ResetResult => {
      const holder = this.#ownerOf.get(room) as string | undefined;
      if (holder !== owner) return { ok: false, reason: 'fenced' };
      if (this.roomGeneration(room) !== from) return { ok: false, reason: 'stale_generation' };
      const deleted = this.#db.prepare('DELETE FROM events WHERE room = ?').run(room).changes;
      this.#db.prepare('INSERT OR REPLACE INTO room_generations (room, generation, reset_at) VALUES (?, ?, ?)').run(room, from + 1, now);
      return { ok: true, generation: from + 1, deleted };
    }).immediate();
  }

  hasEvent(room: string, id: string): boolean {
    return this.#db.prepare('SELECT 1 FROM events WHERE room = ? AND id = ?').get(room, id) !== undefined;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
