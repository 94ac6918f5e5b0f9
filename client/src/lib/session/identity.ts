/**
 * Who this tab is. Identities live in sessionStorage, so a reload keeps the author key while a second
 * tab gets its own. A duplicated tab copies sessionStorage, so the tab also holds a Web Lock named after
 * its key for its whole life: when the lock is already held, another tab signs with that key and this
 * one makes a fresh identity — two tabs must never author with the same key (that would be equivocation).
 */
import { generateKeyPair, parseKeyPair, type KeyPair } from '@peerlab/shared';

const LOCK_PREFIX = 'peerlab-id-';

function readStorage(storage: Storage, key: string): string | null {
  try {
    return storage.getItem(key);
  } catch {
    return null; // storage disabled (private mode, sandboxed frame): run with an ephemeral identity
  }
}

function writeStorage(storage: Storage, key: string, value: string): void {
  try {
    storage.setItem(key, value);
  } catch {
    // Same as above: the value only lives as long as the page.
  }
}

/** Holds the lock for `publicKey` until the page goes away; false when another tab already holds it. */
async function holdLock(publicKey: string): Promise<boolean> {
  const locks = globalThis.navigator?.locks;
  if (!locks) return true; // no Web Locks (old browser, insecure origin): accept the small duplicate-tab risk
  return new Promise<boolean>((resolve) => {
    void locks.request(LOCK_PREFIX + publicKey, { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve(false);
        return undefined;
      }
      resolve(true);
      return new Promise<never>(() => {}); // never released: the tab owns this key until it closes
    });
  });
}

/** The key pair stored under `storageKey` in this tab, or a new one; never one another live tab holds. */
export async function tabIdentity(storageKey: string): Promise<KeyPair> {
  const stored = parseKeyPair(readStorage(sessionStorage, storageKey));
  if (stored && (await holdLock(stored.publicKey))) return stored;
  for (;;) {
    const fresh = generateKeyPair();
    if (await holdLock(fresh.publicKey)) {
      writeStorage(sessionStorage, storageKey, fresh.secretKey);
      return fresh;
    }
  }
}

/** sessionStorage keys of one session's identity and sequence counter (the peer view, or lab peer i). */
export interface StorageKeys {
  readonly identity: string;
  readonly lastSeq: string;
}

export function peerStorageKeys(room: string): StorageKeys {
  return { identity: 'peerlab.identity', lastSeq: `peerlab.lastSeq.${room}` };
}

/** The presenter dashboard's observer session: its own identity, never a student tab's. */
export function presenterStorageKeys(room: string): StorageKeys {
  return { identity: 'peerlab.presenter.identity', lastSeq: `peerlab.presenter.lastSeq.${room}` };
}

export function labStorageKeys(index: number, room: string): StorageKeys {
  return { identity: `peerlab.lab.${index}.identity`, lastSeq: `peerlab.lab.${index}.lastSeq.${room}` };
}

/**
 * Highest sequence number an identity used in a room, so a reloaded tab continues after it. Stored with
 * its author: sequence numbers are per author and gap-free, so a fresh identity must start again at 1.
 */
export function loadLastSeq(storageKey: string, author: string): number {
  try {
    const parsed: unknown = JSON.parse(readStorage(sessionStorage, storageKey) ?? 'null');
    if (typeof parsed !== 'object' || parsed === null) return 0;
    const { author: storedAuthor, seq } = parsed as { author?: unknown; seq?: unknown };
    return storedAuthor === author && typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
  } catch {
    return 0;
  }
}

export function saveLastSeq(storageKey: string, author: string, seq: number): void {
  writeStorage(sessionStorage, storageKey, JSON.stringify({ author, seq }));
}

/**
 * The room admin key this browser offers when it creates `room` (localStorage: it survives the tab, so the
 * creator can close and reopen and still switch modes). Made before the first join if absent.
 */
export function roomAdminKey(room: string): KeyPair {
  const key = `peerlab.admin.${room}`;
  const stored = parseKeyPair(readStorage(localStorage, key));
  if (stored) return stored;
  const fresh = generateKeyPair();
  writeStorage(localStorage, key, fresh.secretKey);
  return fresh;
}
