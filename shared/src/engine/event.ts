import { canonicalJson, shortHash, utf8 } from './encoding.ts';

/** Wire protocol version. Peers refuse events of a major version they cannot read. */
export const PROTOCOL_VERSION = 1;

/** Largest canonical size of one event; keeps a batch of events well inside a data channel message. */
export const MAX_EVENT_BYTES = 16 * 1024;

export type Mode = 'client-server' | 'p2p' | 'hybrid';
export const MODES: readonly Mode[] = ['client-server', 'p2p', 'hybrid'];

/** What an author signs. The id of an event is the hash of these bytes plus the signature. */
export interface UnsignedEvent {
  readonly v: number;
  readonly room: string;
  /** Author's ed25519 public key, lowercase hex. */
  readonly author: string;
  /** Per-author sequence number, from 1, without gaps. */
  readonly seq: number;
  /** Lamport time: one more than the largest the author had seen. */
  readonly lamport: number;
  readonly kind: string;
  readonly body: unknown;
}

export interface SignedEvent extends UnsignedEvent {
  /** ed25519 signature of signingBytes(event), lowercase hex. */
  readonly sig: string;
}

export interface ChatBody {
  readonly text: string;
  readonly name: string;
}

export interface ModeBody {
  readonly mode: Mode;
  readonly epoch: number;
}

export function signingBytes(event: UnsignedEvent): Uint8Array {
  const { v, room, author, seq, lamport, kind, body } = event;
  return utf8(canonicalJson({ v, room, author, seq, lamport, kind, body }));
}

export function eventId(event: SignedEvent): string {
  return shortHash(utf8(canonicalJson(event)));
}

/** Control events change how the room works; they travel to the server in every mode. */
export function isControlKind(kind: string): boolean {
  return kind === 'mode';
}
