/**
 * WebRTC data channels to the peers the engine's overlay picks, one simple-peer per remote key. The
 * mesh decides nothing about *whom* to link: `connect(peer)` starts an attempt as the initiator when the
 * overlay asks, `accepts(peer)` (the session, i.e. the engine's degree watermark) decides whether an
 * incoming offer is answered or declined, and every way an attempt or a channel dies is reported once,
 * with a reason, through `failed`. Signals go out through `signal` (the session carries them over the
 * server or, when it is down, over the mesh itself) and come in through `signal(from, text)`.
 *
 * Wire: `{ a, i, d? , x? }` — the attempt number chosen by its initiator, whether the sender is that
 * attempt's initiator, the simple-peer signal, or a refusal reason instead of a signal. A retried or
 * reloaded attempt never mixes its signals with the remains of the previous one.
 *
 * Glare: both sides may start an attempt towards each other at once. The offer from the smaller key
 * wins: the larger key abandons its own attempt (silently: nothing failed) and answers.
 */

/** Offer, answer, candidate or renegotiation data, forwarded verbatim to the other side. */
export type SignalData = Record<string, unknown>;

/** The part of a simple-peer instance the mesh uses. */
export interface SimplePeerInstance {
  /** The data channel's bufferedAmount (0 before it exists). */
  readonly bufferSize: number;
  signal(data: SignalData | string): void;
  send(data: string): void;
  destroy(error?: Error): void;
  on(event: 'signal', listener: (data: SignalData) => void): this;
  on(event: 'connect' | 'close', listener: () => void): this;
  on(event: 'data', listener: (data: Uint8Array | string) => void): this;
  on(event: 'error', listener: (error: Error & { code?: string }) => void): this;
}

export interface SimplePeerConstructor {
  new (options?: { initiator?: boolean; trickle?: boolean; config?: RTCConfiguration; wrtc?: unknown }): SimplePeerInstance;
  readonly WEBRTC_SUPPORT: boolean;
}

/**
 * The WebRTC implementation, injected (simple-peer's own idea): the browser passes simple-peer's
 * prebuilt bundle and uses the page's RTCPeerConnection; Node passes simple-peer with `@roamhq/wrtc`.
 */
export interface RtcImplementation {
  readonly SimplePeer: SimplePeerConstructor;
  /** `{ RTCPeerConnection, RTCSessionDescription, RTCIceCandidate }` where the platform has none (Node). */
  readonly wrtc?: unknown;
  /**
   * Offer only UDP ICE candidates. Node's libwebrtc (@roamhq/wrtc) also gathers TCP candidates on every
   * interface and checks every TCP pair: 8 bots held 14,000 TCP sockets and hit the file limit. Bots run
   * on one machine or a LAN, where UDP host candidates always suffice.
   */
  readonly udpOnly?: boolean;
}

function isTcpCandidate(data: unknown): boolean {
  const candidate = (data as { type?: string; candidate?: { candidate?: string } } | null)?.candidate?.candidate;
  return (data as { type?: string } | null)?.type === 'candidate' && typeof candidate === 'string' && / tcp /i.test(candidate);
}

/** An attempt that has not opened after this long is given up (and, in hybrid, falls back to the relay). */
export const CONNECT_TIMEOUT_MS = 5_000;
/**
 * Above this many bytes waiting in a channel's buffer, messages queue here instead: Chromium closes a
 * data channel whose buffer overflows (16 MiB), and a deep buffer only delays what comes after.
 */
const HIGH_WATER_BYTES = 1024 * 1024;

/** Why a direct link could not be made or was lost. */
export type LinkFailure =
  /** This browser or the remote one has no RTCPeerConnection. */
  | 'webrtc-unavailable'
  /** The attempt did not open within CONNECT_TIMEOUT_MS. */
  | 'timeout'
  /** The remote is at its degree's high watermark. */
  | 'declined'
  /** An open channel closed. */
  | 'closed'
  /** simple-peer reported an error (ICE failure, channel error, failed send). */
  | 'error';

/** Refusals a side can answer an offer with. */
type Refusal = Extract<LinkFailure, 'webrtc-unavailable' | 'declined'>;

export function webRtcSupported(rtc: RtcImplementation): boolean {
  if (rtc.wrtc !== undefined) return true;
  return typeof RTCPeerConnection !== 'undefined' && rtc.SimplePeer.WEBRTC_SUPPORT;
}

export interface MeshHandlers {
  open(peer: string): void;
  /** An attempt or an open channel died (`wasOpen` tells which), or the remote said it cannot link. */
  failed(peer: string, reason: LinkFailure, wasOpen: boolean): void;
  data(peer: string, data: string): void;
  /** Signaling to carry to `to`. */
  signal(to: string, data: string): void;
  /** Whether to answer a new incoming attempt from `peer` (else it is declined at once). */
  accepts(peer: string): boolean;
}

interface Attempt {
  readonly id: number;
  readonly initiator: boolean;
  readonly sp: SimplePeerInstance;
  open: boolean;
  timeout: ReturnType<typeof setTimeout> | undefined;
  /** Messages held back while the channel's buffer is above HIGH_WATER_BYTES, in send order. */
  readonly queue: string[];
}

interface Wire {
  readonly a: number;
  /** The sender started attempt `a`. */
  readonly i: boolean;
  readonly d?: SignalData;
  readonly x?: Refusal;
}

function decodeWire(text: string): Wire | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { a, i, d, x } = value as { a?: unknown; i?: unknown; d?: unknown; x?: unknown };
    if (typeof a !== 'number' || typeof i !== 'boolean') return undefined;
    if (x === 'webrtc-unavailable' || x === 'declined') return { a, i, x };
    if (typeof d !== 'object' || d === null) return undefined;
    return { a, i, d: d as SignalData };
  } catch {
    return undefined;
  }
}

/** The RTCDataChannel under a simple-peer instance, when it has one. */
function channelOf(sp: SimplePeerInstance): RTCDataChannel | undefined {
  // simple-peer does not expose flow-control events; its `_channel` is the RTCDataChannel itself.
  return (sp as unknown as { _channel?: RTCDataChannel })._channel;
}

/**
 * Takes each data-channel message as the channel gives it. simple-peer 9 hands every message through a
 * Node stream, where a string becomes a Buffer by a JavaScript UTF-8 encoder and must then be decoded
 * back: a tenth of a busy page's receive path. Its channel handler calls `_onChannelMessage` by name, so
 * replacing that method on the instance takes every message, the early ones too. A simple-peer without
 * it (another build, a test double) keeps delivering through its `data` events.
 */
function takeMessagesDirectly(sp: SimplePeerInstance, onMessage: (data: unknown) => void): void {
  const instance = sp as unknown as { _onChannelMessage?: unknown; destroyed?: boolean };
  if (typeof instance._onChannelMessage !== 'function') return;
  instance._onChannelMessage = (event: { readonly data: unknown }): void => {
    if (!instance.destroyed) onMessage(event.data);
  };
}

const UTF8 = new TextDecoder();

/** A message as text: channels carry strings; binary is decoded as UTF-8. */
function messageText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return UTF8.decode(data);
  return undefined;
}

export class WebRtcMesh {
  readonly #self: string;
  readonly #iceServers: RTCIceServer[];
  readonly #on: MeshHandlers;
  readonly #rtc: RtcImplementation;
  readonly #supported: boolean;
  readonly #attempts = new Map<string, Attempt>();
  /** Whether the mode wants direct links; when false, offers are ignored and nothing is started. */
  #enabled = false;
  /** Random start: after a reload, a new offer must not reuse the number of the one the other side still holds. */
  #nextAttempt = crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
  #closed = false;

  constructor(self: string, iceServers: RTCIceServer[], rtc: RtcImplementation, handlers: MeshHandlers) {
    this.#self = self;
    this.#rtc = rtc;
    this.#supported = webRtcSupported(rtc);
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

  /** Attempts in progress or open, both directions: what an accepted offer would add to. */
  get size(): number {
    return this.#attempts.size;
  }

  /** Whether the mode wants direct links (see setEnabled): a disabled mesh starts and answers nothing. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** false (client-server mode) closes every channel without reporting failures and ignores offers. */
  setEnabled(enabled: boolean): void {
    if (this.#closed) return;
    this.#enabled = enabled;
    if (!enabled) for (const peer of [...this.#attempts.keys()]) this.close(peer);
  }

  /** The overlay wants a link to `peer`: offer one, unless an attempt (either way) is already there. */
  connect(peer: string): void {
    if (this.#closed || !this.#enabled || peer === this.#self || this.#attempts.has(peer)) return;
    if (!this.#supported) {
      // Tell the other side too, so it records why and does not offer in vain.
      this.#send(peer, { a: 0, i: true, x: 'webrtc-unavailable' });
      this.#on.failed(peer, 'webrtc-unavailable', false);
      return;
    }
    this.#start(peer, this.#nextAttempt++, true);
  }

  /** A signal from `from`, carried by the server or the mesh. */
  signal(from: string, text: string): void {
    if (this.#closed || !this.#enabled || from === this.#self) return;
    const wire = decodeWire(text);
    if (!wire) return;
    const attempt = this.#attempts.get(from);
    if (wire.x !== undefined) {
      if (attempt && attempt.initiator && attempt.id === wire.a && !wire.i) this.#failed(from, attempt, wire.x);
      else if (wire.i && wire.x === 'webrtc-unavailable') this.#on.failed(from, wire.x, false);
      return;
    }
    if (!wire.i) {
      // An answer (or candidate) for an attempt we started; stale ones are ignored.
      if (attempt?.initiator && attempt.id === wire.a) attempt.sp.signal(wire.d!);
      return;
    }
    // The sender offers attempt `a`.
    if (attempt && !attempt.initiator && attempt.id === wire.a) {
      attempt.sp.signal(wire.d!);
      return;
    }
    if (attempt) {
      if (attempt.initiator && !attempt.open && this.#self < from) return; // glare: our offer wins, theirs is dropped
      // Glare we lose, or the remote starts over (it lost the old channel before we noticed): take the new one.
      if (attempt.open) this.#failed(from, attempt, 'closed');
      else this.#teardown(from, attempt);
    } else if (!this.#supported || !this.#on.accepts(from)) {
      this.#send(from, { a: wire.a, i: false, x: this.#supported ? 'declined' : 'webrtc-unavailable' });
      return;
    }
    this.#start(from, wire.a, false).sp.signal(wire.d!);
  }

  /**
   * Sends on an open channel; false when there is none. Respects the channel's buffer: above
   * HIGH_WATER_BYTES, messages queue (in order, none dropped) until the buffer drains.
   */
  send(peer: string, data: string): boolean {
    const attempt = this.#attempts.get(peer);
    if (!attempt?.open) return false;
    if (attempt.queue.length > 0 || attempt.sp.bufferSize > HIGH_WATER_BYTES) {
      attempt.queue.push(data);
      return true;
    }
    try {
      attempt.sp.send(data);
      return true;
    } catch {
      this.#failed(peer, attempt, 'error');
      return false;
    }
  }

  /** Messages waiting for a channel's buffer to drain (for the traffic panel and tests). */
  queued(peer: string): number {
    return this.#attempts.get(peer)?.queue.length ?? 0;
  }

  /** Closes the link to `peer` on purpose (the engine dropped it): nothing is reported. */
  close(peer: string): void {
    const attempt = this.#attempts.get(peer);
    if (attempt) this.#teardown(peer, attempt);
  }

  /** Debug/test hook: destroys an open channel as if the network broke it; the close is reported as usual. */
  breakLink(peer: string): boolean {
    const attempt = this.#attempts.get(peer);
    if (!attempt?.open) return false;
    attempt.sp.destroy(); // simple-peer emits 'close', handled like any other loss
    return true;
  }

  shutdown(): void {
    this.#closed = true;
    for (const peer of [...this.#attempts.keys()]) this.close(peer);
  }

  #send(to: string, wire: Wire): void {
    this.#on.signal(to, JSON.stringify(wire));
  }

  #start(peer: string, id: number, initiator: boolean): Attempt {
    const { SimplePeer, wrtc } = this.#rtc;
    const sp = new SimplePeer({ initiator, trickle: true, config: { iceServers: this.#iceServers }, ...(wrtc === undefined ? {} : { wrtc }) });
    const attempt: Attempt = { id, initiator, sp, open: false, timeout: undefined, queue: [] };
    const current = (): boolean => this.#attempts.get(peer) === attempt;
    this.#attempts.set(peer, attempt);
    attempt.timeout = setTimeout(() => this.#failed(peer, attempt, 'timeout'), CONNECT_TIMEOUT_MS);
    sp.on('signal', (data) => {
      if (this.#rtc.udpOnly && isTcpCandidate(data)) return;
      if (current()) this.#send(peer, { a: id, i: initiator, d: data });
    });
    const opened = (): void => {
      if (!current() || attempt.open) return;
      clearTimeout(attempt.timeout);
      attempt.open = true;
      this.#watchBuffer(peer, attempt);
      this.#on.open(peer);
    };
    sp.on('connect', opened);
    const received = (data: unknown): void => {
      const text = messageText(data);
      if (!current() || text === undefined) return;
      // The remote's first message (its hello) can come before simple-peer's 'connect', which waits for
      // ICE statistics: a message proves the channel open, so it is taken as opening it, not dropped.
      opened();
      this.#on.data(peer, text);
    };
    takeMessagesDirectly(sp, received);
    sp.on('data', received);
    sp.on('close', () => this.#failed(peer, attempt, 'closed'));
    sp.on('error', () => this.#failed(peer, attempt, 'error'));
    return attempt;
  }

  /**
   * Flushes the queue when the buffer drains. simple-peer already sets the channel's
   * bufferedAmountLowThreshold (64 KiB) and owns `onbufferedamountlow` for its stream API, so we
   * listen with addEventListener and leave both alone.
   */
  #watchBuffer(peer: string, attempt: Attempt): void {
    channelOf(attempt.sp)?.addEventListener?.('bufferedamountlow', () => {
      if (this.#attempts.get(peer) !== attempt || !attempt.open) return;
      try {
        while (attempt.queue.length > 0 && attempt.sp.bufferSize <= HIGH_WATER_BYTES) attempt.sp.send(attempt.queue.shift()!);
      } catch {
        this.#failed(peer, attempt, 'error');
      }
    });
  }

  /** One way to die: tear the attempt down once and report why. */
  #failed(peer: string, attempt: Attempt, reason: LinkFailure): void {
    if (this.#attempts.get(peer) !== attempt) return;
    const wasOpen = attempt.open;
    this.#teardown(peer, attempt);
    if (!this.#closed) this.#on.failed(peer, wasOpen ? (reason === 'error' ? 'error' : 'closed') : reason, wasOpen);
  }

  #teardown(peer: string, attempt: Attempt): void {
    this.#attempts.delete(peer);
    clearTimeout(attempt.timeout);
    attempt.open = false;
    attempt.queue.length = 0;
    attempt.sp.destroy();
  }
}
