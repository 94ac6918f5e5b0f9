/**
 * The browser's copy of a room's events (IndexedDB), so a returning peer has its history before any
 * peer or the server answers. Only events this origin's tabs already verified are written here, so they
 * are restored without re-verification. Storage failures are not fatal: the peer simply syncs from others.
 */
import { GENERATION_SEPARATOR, type SignedEvent } from '@peerlab/shared';

const DB_NAME = 'peerlab';
const STORE = 'events';
/**
 * Events that arrived are gathered and written in one transaction this long after the first: opening a
 * transaction costs the page's main thread more than the rest of a write (profiled in Chromium), so a
 * burst of arrivals shares one. Longer saves more; a tab closed in between loses only its copy of those
 * events (the peers they came from hold them, and `pagehide` flushes what it can). This page's own writes
 * go sooner, OWN_SAVE_MS after the first: a lone tab's writes exist nowhere else, and a reload must find
 * them, but a page writing as fast as it can (the benchmark's flood) opened one transaction per write.
 */
const SAVE_BATCH_MS = 250;
const OWN_SAVE_MS = 20;

export interface EventCache {
  load(room: string): Promise<SignedEvent[]>;
  /** `own`: this page's writes, written within OWN_SAVE_MS (with whatever arrivals wait), not after the batch delay. */
  save(room: string, events: readonly { readonly id: string; readonly event: SignedEvent }[], own?: boolean): void;
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
  let queued: [key: string, event: SignedEvent][] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires (performance.now()): an own write brings a later one forward. */
  let dueAt = Number.POSITIVE_INFINITY;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    dueAt = Number.POSITIVE_INFINITY;
    const batch = queued;
    queued = [];
    if (batch.length === 0) return;
    try {
      const store = db.transaction(STORE, 'readwrite').objectStore(STORE);
      for (const [key, event] of batch) store.put(event, key);
    } catch {
      // Full or unavailable storage: the peer keeps working and syncs from others.
    }
  };
  globalThis.addEventListener?.('pagehide', flush);
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
      queued = queued.filter(([key]) => !key.startsWith(`${roomCode}\u0000`) && !key.startsWith(`${roomCode}${GENERATION_SEPARATOR}`));
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
    save(room, events, own = false) {
      for (const { id, event } of events) queued.push([`${room}\u0000${id}`, event]);
      const delay = own ? OWN_SAVE_MS : SAVE_BATCH_MS;
      if (performance.now() + delay >= dueAt) return;
      clearTimeout(timer);
      dueAt = performance.now() + delay;
      timer = setTimeout(flush, delay);
    },
  };
}
