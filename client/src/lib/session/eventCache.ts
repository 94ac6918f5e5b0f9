/**
 * The browser's copy of a room's events (IndexedDB), so a returning peer has its history before any
 * peer or the server answers. Only events this origin's tabs already verified are written here, so they
 * are restored without re-verification. Storage failures are not fatal: the peer simply syncs from others.
 */
import { GENERATION_SEPARATOR, type SignedEvent } from '@peerlab/shared';

const DB_NAME = 'peerlab';
const STORE = 'events';

export interface EventCache {
  load(room: string): Promise<SignedEvent[]>;
  save(room: string, events: readonly { readonly id: string; readonly event: SignedEvent }[]): void;
  /** Forgets every generation of a room code (after a reset nothing from before may come back). */
  clear(roomCode: string): Promise<void>;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function openEventCache(): Promise<EventCache | undefined> {
  if (typeof indexedDB === 'undefined') return undefined;
  let db: IDBDatabase;
  try {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    db = await request(open);
  } catch {
    return undefined;
  }
  return {
    async load(room) {
      try {
        const range = IDBKeyRange.bound(`${room}\u0000`, `${room}\u0001`, false, true);
        return (await request(db.transaction(STORE, 'readonly').objectStore(STORE).getAll(range))) as SignedEvent[];
      } catch {
        return [];
      }
    },
    async clear(roomCode) {
      try {
        const store = db.transaction(STORE, 'readwrite').objectStore(STORE);
        const done = new Promise<void>((resolve, reject) => {
          store.transaction.oncomplete = () => resolve();
          store.transaction.onerror = () => reject(store.transaction.error);
        });
        // Generation 0 is keyed by the bare code, later ones by `code~N` ('~' sorts after the code alphabet).
        store.delete(IDBKeyRange.bound(`${roomCode}\u0000`, `${roomCode}\u0001`, false, true));
        store.delete(IDBKeyRange.bound(`${roomCode}${GENERATION_SEPARATOR}`, `${roomCode}\u007f`, false, true));
        await done;
      } catch {
        // Unavailable storage: old events are refused as wrong_room anyway when offered.
      }
    },
    save(room, events) {
      try {
        const store = db.transaction(STORE, 'readwrite').objectStore(STORE);
        for (const { id, event } of events) store.put(event, `${room}\u0000${id}`);
      } catch {
        // Full or unavailable storage: the peer keeps working and syncs from others.
      }
    },
  };
}
