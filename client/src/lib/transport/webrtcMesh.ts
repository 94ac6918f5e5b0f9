/**
 * WebRTC data channels to the other members of the room, one simple-peer per remote key. The member with
 * the smaller key is the initiator (so exactly one side offers); signaling goes through the server.
 * Every signal carries the initiator's attempt number, so a retried connection never mixes its offer
 * with the remains of the previous one. Only strings cross the channel (engine messages are JSON text).
 */
import SimplePeer, { type SignalData, type SimplePeerInstance } from 'simple-peer/simplepeer.min.js';

/**
 * Most direct links one peer holds. The mesh is full (every member), which is fine for a classroom room of
 * a dozen; larger rooms need the engine's bounded-degree overlay to pick partners instead.
 */
export const MAX_DIRECT_LINKS = 12;
/** A link that has not opened after this long is torn down and retried. */
const CONNECT_TIMEOUT_MS = 15_000;
/** First retry delay after a failure; doubles per failure up to the maximum. */
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 16_000;

export function webRtcSupported(): boolean {
  return typeof RTCPeerConnection !== 'undefined' && SimplePeer.WEBRTC_SUPPORT;
}

export interface MeshHandlers {
  open(peer: string): void;
  close(peer: string): void;
  data(peer: string, data: string): void;
  /** Signaling to forward to `to` through the server. */
  signal(to: string, data: string): void;
}

interface Attempt {
  readonly id: number;
  readonly sp: SimplePeerInstance;
  open: boolean;
  timeout: ReturnType<typeof setTimeout> | undefined;
}

interface Wire {
  /** Attempt number chosen by the initiator. */
  readonly a: number;
  readonly d: SignalData;
}

function decodeWire(text: string): Wire | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { a, d } = value as { a?: unknown; d?: unknown };
    if (typeof a !== 'number' || typeof d !== 'object' || d === null) return undefined;
    return { a, d: d as SignalData };
  } catch {
    return undefined;
  }
}

export class WebRtcMesh {
  readonly #self: string;
  readonly #iceServers: RTCIceServer[];
  readonly #on: MeshHandlers;
  readonly #attempts = new Map<string, Attempt>();
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #failures = new Map<string, number>();
  #wanted = new Set<string>();
  /** Whether the mode wants direct links at all; signals from not-yet-listed members are then accepted. */
  #enabled = false;
  /** Random start: after a reload, a new offer must not reuse the number of the one the other side still holds. */
  #nextAttempt = crypto.getRandomValues(new Uint32Array(1))[0]!;
  #closed = false;

  constructor(self: string, iceServers: RTCIceServer[], handlers: MeshHandlers) {
    this.#self = self;
    this.#iceServers = iceServers;
    this.#on = handlers;
  }

  /** Peers with an open data channel. */
  openPeers(): string[] {
    return [...this.#attempts].filter(([, attempt]) => attempt.open).map(([peer]) => peer);
  }

  isOpen(peer: string): boolean {
    return this.#attempts.get(peer)?.open ?? false;
  }

  /**
   * The members to hold links to. `enabled` false (client-server mode) tears everything down and refuses
   * offers; true also accepts an offer from a member the server has not listed to us yet.
   */
  setWanted(peers: Iterable<string>, enabled: boolean): void {
    if (this.#closed || !webRtcSupported()) return;
    this.#enabled = enabled;
    if (!enabled) peers = [];
    this.#wanted = new Set([...peers].filter((peer) => peer !== this.#self).sort().slice(0, MAX_DIRECT_LINKS));
    for (const peer of [...this.#attempts.keys(), ...this.#retries.keys()]) {
      if (!this.#wanted.has(peer)) this.#drop(peer);
    }
    for (const peer of this.#wanted) {
      if (this.#initiates(peer) && !this.#attempts.has(peer) && !this.#retries.has(peer)) this.#start(peer, this.#nextAttempt++);
    }
  }

  /** A signal from `from`, relayed by the server. */
  signal(from: string, text: string): void {
    if (this.#closed || !this.#enabled || from === this.#self) return;
    if (!this.#wanted.has(from) && this.#attempts.size >= MAX_DIRECT_LINKS) return;
    const wire = decodeWire(text);
    if (!wire) return;
    let attempt = this.#attempts.get(from);
    if (this.#initiates(from)) {
      if (attempt?.id === wire.a) attempt.sp.signal(wire.d);
      return; // an answer to an attempt we already gave up on
    }
    if (attempt && attempt.id !== wire.a) {
      this.#teardown(from, attempt);
      attempt = undefined;
    }
    attempt ??= this.#start(from, wire.a);
    attempt.sp.signal(wire.d);
  }

  /** Sends on an open channel; false when there is none (the caller falls back or drops). */
  send(peer: string, data: string): boolean {
    const attempt = this.#attempts.get(peer);
    if (!attempt?.open) return false;
    try {
      attempt.sp.send(data);
      return true;
    } catch {
      this.#failed(peer, attempt);
      return false;
    }
  }

  close(): void {
    this.#closed = true;
    for (const peer of [...this.#attempts.keys(), ...this.#retries.keys()]) this.#drop(peer);
  }

  #initiates(peer: string): boolean {
    return this.#self < peer;
  }

  #start(peer: string, id: number): Attempt {
    const sp = new SimplePeer({ initiator: this.#initiates(peer), trickle: true, config: { iceServers: this.#iceServers } });
    const attempt: Attempt = { id, sp, open: false, timeout: undefined };
    this.#attempts.set(peer, attempt);
    attempt.timeout = setTimeout(() => this.#failed(peer, attempt), CONNECT_TIMEOUT_MS);
    sp.on('signal', (data) => {
      if (this.#attempts.get(peer) === attempt) this.#on.signal(peer, JSON.stringify({ a: id, d: data } satisfies Wire));
    });
    sp.on('connect', () => {
      if (this.#attempts.get(peer) !== attempt) return;
      clearTimeout(attempt.timeout);
      attempt.open = true;
      this.#failures.delete(peer);
      this.#on.open(peer);
    });
    sp.on('data', (data) => {
      if (this.#attempts.get(peer) === attempt) this.#on.data(peer, typeof data === 'string' ? data : new TextDecoder().decode(data));
    });
    sp.on('close', () => this.#failed(peer, attempt));
    sp.on('error', () => this.#failed(peer, attempt));
    return attempt;
  }

  /** One way to die: tear the attempt down, report the close, and retry with backoff if we initiate. */
  #failed(peer: string, attempt: Attempt): void {
    if (this.#attempts.get(peer) !== attempt) return;
    this.#teardown(peer, attempt);
    if (this.#closed || !this.#wanted.has(peer) || !this.#initiates(peer)) return;
    const failures = (this.#failures.get(peer) ?? 0) + 1;
    this.#failures.set(peer, failures);
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1));
    const timer = setTimeout(() => {
      this.#retries.delete(peer);
      if (!this.#closed && this.#wanted.has(peer) && !this.#attempts.has(peer)) this.#start(peer, this.#nextAttempt++);
    }, delay);
    this.#retries.set(peer, timer);
  }

  #teardown(peer: string, attempt: Attempt): void {
    this.#attempts.delete(peer);
    clearTimeout(attempt.timeout);
    const wasOpen = attempt.open;
    attempt.open = false;
    attempt.sp.destroy();
    if (wasOpen) this.#on.close(peer);
  }

  #drop(peer: string): void {
    const attempt = this.#attempts.get(peer);
    if (attempt) this.#teardown(peer, attempt);
    const retry = this.#retries.get(peer);
    if (retry) clearTimeout(retry);
    this.#retries.delete(peer);
    this.#failures.delete(peer);
  }
}
