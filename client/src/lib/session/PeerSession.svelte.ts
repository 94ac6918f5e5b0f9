/**
 * One browser peer: a `PeerlabNode` (the sans-IO engine) plus its transports — the Socket.IO server link,
 * the WebRTC mesh and the server's relay. `#apply` is the only place the engine is driven: it feeds one
 * input with the wall clock and performs every output. Components render the `$state.raw` fields and call
 * the public methods; they never see a socket.
 *
 * Engine link ids: `server` for the Socket.IO link, `peer:<key>` for another member, of kind `direct`
 * while its data channel is open, else `relay` when the mode routes through the server, else no link.
 *
 * Whom to link with is the engine's call: it is fed the server's roster (`members`), asks for links
 * (`connect`), gives them up (`drop`) and decides whether to take an incoming one (`acceptsDirectLink`).
 * In hybrid a pair whose direct link cannot be made or breaks talks through the server's relay instead,
 * with the reason shown, and tries direct again now and then. WebRTC signals travel over the server
 * while it is reachable, else over the mesh itself (`routeSignal` / `signal`).
 */
import {
  chatView,
  DEFAULT_NODE_CONFIG,
  DEFAULT_OVERLAY,
  fingerprint,
  PeerlabNode,
  REJECTION_REASONS,
  seededRng,
  tweetnaclSigner,
  wantsDirectLinks,
  wantsRelayLinks,
  webCryptoVerifier,
  type ChatMessage,
  type Input,
  type KeyPair,
  type Ledger,
  type LinkKind,
  type Member,
  type Mode,
  type Output,
  type OverlayConfig,
  type RejectionReason,
  type Verifier,
  type VerifyRequest,
} from '@peerlab/shared';
import { ServerLink, type JoinAccepted, type ServerStatus } from '../transport/serverLink.ts';
import { WebRtcMesh, webRtcSupported, type LinkFailure } from '../transport/webrtcMesh.ts';
import type { OverlaySetting } from '../config.ts';
import { loadLastSeq, roomAdminKey, saveLastSeq, tabIdentity, type StorageKeys } from './identity.ts';

/** Longest chat message a user can type; keeps one event far below the engine's event size limit. */
export const MAX_CHAT_CHARS = 500;
/** Ledger account names, as the engine's decoder accepts them. */
const ACCOUNT_PATTERN = /^[a-z0-9_-]{1,24}$/;
/** Notices kept on screen; older ones scroll away. */
const MAX_NOTICES = 4;
/** How often derived state is refreshed while the tab is hidden (animation frames do not run then). */
const HIDDEN_REFRESH_MS = 250;
/** Bound on nested reconcile passes: each pass can only react to links the previous one changed. */
const MAX_RECONCILE_PASSES = 4;
/**
 * Hybrid: how long a pair stays on the relay before trying direct again. Shorter upgrades sooner after a
 * transient failure; each try costs a WebRTC handshake that fails again where WebRTC is blocked.
 */
const DIRECT_RETRY_MS = 25_000;

const SERVER_LINK = 'server';
const PEER_PREFIX = 'peer:';

export type PeerLinkKind = 'direct' | 'relay';
export type MemberLink = PeerLinkKind | 'none';

export interface SessionOptions {
  readonly room: string;
  readonly name: string;
  readonly storage: StorageKeys;
  readonly iceServers: RTCIceServer[];
  /** Server origin; the page's own by default. */
  readonly serverUrl?: string;
  /** Degree watermarks of the mesh, when not the engine's defaults (`?overlay=target,low,high`). */
  readonly overlay?: OverlayConfig;
  /** Shown once the session starts, e.g. why a URL option was ignored. */
  readonly notices?: readonly string[];
}

export interface MemberView {
  readonly peer: string;
  readonly name: string;
  readonly version: number;
  readonly fingerprint: string;
  readonly link: MemberLink;
  /** Why the pair is on the relay (or why its last direct attempt failed), when known. */
  readonly reason?: string;
}

/** Why a relay link exists when this side saw no failure itself: the other side fell back to it. */
const REMOTE_FALLBACK = 'remote-fallback';

/** Failures after which trying direct again later may work (a browser without WebRTC will not grow one). */
function retryable(reason: LinkFailure): boolean {
  return reason !== 'webrtc-unavailable' && reason !== 'declined';
}

export interface TrafficRow {
  readonly kind: LinkKind;
  readonly sentMessages: number;
  readonly sentBytes: number;
  readonly receivedMessages: number;
  readonly receivedBytes: number;
}

export interface Notice {
  readonly id: number;
  readonly text: string;
}

/** The session options a URL `?overlay=` setting contributes: the degree, or a notice saying why it was ignored. */
export function sessionOverlay(setting: OverlaySetting): Pick<SessionOptions, 'overlay' | 'notices'> {
  if (!setting.ok) return { notices: [setting.notice] };
  return setting.degree ? { overlay: setting.degree } : {};
}

let sharedVerifier: Promise<Verifier> | undefined;

/** One native verifier per page: its key cache serves every session (the lab view runs many). */
function pageVerifier(): Promise<Verifier> {
  sharedVerifier ??= webCryptoVerifier();
  return sharedVerifier;
}

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

export class PeerSession {
  readonly room: string;
  readonly name: string;
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly webrtcSupported = webRtcSupported();

  mode = $state.raw<Mode>('p2p');
  epoch = $state.raw(0);
  digest = $state.raw('');
  eventCount = $state.raw(0);
  pendingCount = $state.raw(0);
  messages = $state.raw<readonly ChatMessage[]>([]);
  members = $state.raw<readonly MemberView[]>([]);
  /** Open direct WebRTC links. */
  directCount = $state.raw(0);
  rejections = $state.raw<readonly (readonly [RejectionReason, number])[]>([]);
  duplicates = $state.raw(0);
  traffic = $state.raw<readonly TrafficRow[]>([]);
  serverStatus = $state.raw<ServerStatus>('connecting');
  /** What the page shows for the server: its connection, or `stopped` while the admin has stopped its service. */
  serverShown = $state.raw<ServerStatus | 'stopped'>('connecting');
  serviceRunning = $state.raw(true);
  ledger = $state.raw<Ledger>({ balances: new Map(), entries: [] });
  serverDetail = $state.raw('');
  serverKey = $state.raw<string | undefined>(undefined);
  isAdmin = $state.raw(false);
  refusedCount = $state.raw(0);
  notices = $state.raw<readonly Notice[]>([]);
  verifierName: string;

  readonly #node: PeerlabNode;
  readonly #verifier: Verifier;
  readonly #adminPair: KeyPair;
  readonly #storage: StorageKeys;
  readonly #server: ServerLink;
  readonly #mesh: WebRtcMesh;
  /** Peer links the engine currently knows, by remote key. */
  readonly #peerLinks = new Map<string, PeerLinkKind>();
  /** Why the last direct attempt with a peer failed; cleared when a channel opens or the engine drops the pair. */
  readonly #failures = new Map<string, LinkFailure>();
  /** Hybrid: pending direct retries for pairs on the relay. */
  readonly #retries = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #degree: OverlayConfig;
  #roster: readonly Member[] = [];
  #depth = 0;
  #reconcileWanted = false;
  /** The room's epoch when we joined: until our store reaches it, we do not know the mode, so no links. */
  #joinedEpoch = 0;
  #reconciling = false;
  #wakeup: ReturnType<typeof setTimeout> | undefined;
  #refreshFrame: number | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #noticeId = 0;
  #closed = false;

  static async create(options: SessionOptions): Promise<PeerSession> {
    const [identity, verifier] = await Promise.all([tabIdentity(options.storage.identity), pageVerifier()]);
    return new PeerSession(options, identity, verifier);
  }

  private constructor(options: SessionOptions, identity: KeyPair, verifier: Verifier) {
    this.room = options.room;
    this.name = options.name;
    this.publicKey = identity.publicKey;
    this.fingerprint = fingerprint(identity.publicKey);
    this.#storage = options.storage;
    this.#verifier = verifier;
    this.verifierName = verifier.name;
    this.#adminPair = roomAdminKey(options.room);
    this.#degree = options.overlay ?? DEFAULT_OVERLAY;
    this.#node = new PeerlabNode({
      room: options.room,
      role: 'peer',
      signer: tweetnaclSigner(identity),
      rng: seededRng(randomSeed()),
      lastSeq: loadLastSeq(options.storage.lastSeq, identity.publicKey),
      ...(options.overlay ? { config: { overlay: { ...DEFAULT_NODE_CONFIG.overlay, degree: options.overlay } } } : {}),
    });
    for (const text of options.notices ?? []) this.#notice(text);
    if (!this.webrtcSupported) this.#notice('WebRTC (RTCPeerConnection) is unavailable in this browser: no direct links, only the server.');
    this.#mesh = new WebRtcMesh(identity.publicKey, options.iceServers, {
      open: (peer) => {
        this.#failures.delete(peer);
        this.#cancelRetry(peer);
        this.#reconcile();
      },
      failed: (peer, reason) => this.#onDirectFailed(peer, reason),
      data: (peer, data) => this.#onPeerData(peer, data),
      signal: (to, data) => this.#sendSignal(to, data),
      // In-progress handshakes count too, so offers arriving together cannot push past the high watermark.
      accepts: () => this.#node.acceptsDirectLink() && this.#mesh.size < this.#degree.high,
    });
    this.#server = new ServerLink(
      { url: options.serverUrl, room: options.room, name: options.name, peer: identity.publicKey, adminKey: this.#adminPair.publicKey },
      {
        status: (status, detail) => {
          this.serverStatus = status;
          this.serverDetail = detail ?? '';
        },
        joined: (response) => this.#onJoined(response),
        joinRefused: (reason, detail) => this.#notice(`The server refused to join room ${options.room}: ${reason} (${detail}).`),
        down: () => {
          this.#apply({ type: 'linkDown', link: SERVER_LINK });
          this.#reconcile();
        },
        peer: (data) => this.#apply({ type: 'message', link: SERVER_LINK, data }),
        members: (members) => {
          this.#setRoster(members);
          this.#reconcile();
        },
        signal: ({ from, data }) => this.#mesh.signal(from, data),
        relay: ({ from, data }) => this.#onRelay(from, data),
        refused: (reason, detail) => {
          this.refusedCount++;
          this.#notice(`Server refused a message: ${reason} (${detail}).`);
        },
      },
    );
    this.#scheduleRefresh();
  }

  // ---- what the UI calls ----

  sendChat(text: string): boolean {
    const trimmed = text.trim().slice(0, MAX_CHAT_CHARS);
    if (this.#closed || trimmed === '') return false;
    this.#apply({ type: 'write', kind: 'chat', body: { text: trimmed, name: this.name } });
    return true;
  }

  /** A ledger transfer between named accounts; the authority (or, in p2p, this peer) judges it. */
  transfer(from: string, to: string, amount: number, memo: string): boolean {
    if (this.#closed) return false;
    if (!ACCOUNT_PATTERN.test(from) || !ACCOUNT_PATTERN.test(to)) {
      this.#notice('Account names are 1–24 lowercase letters, digits, - or _.');
      return false;
    }
    if (!Number.isInteger(amount) || amount < 1) {
      this.#notice('The amount must be a whole number of at least 1.');
      return false;
    }
    this.#apply({ type: 'write', kind: 'transfer', body: memo ? { from, to, amount, memo } : { from, to, amount } });
    return true;
  }

  /** Admin: stop or restore the server's service of the room (an outage the class can see). */
  setService(running: boolean): void {
    if (this.#closed || !this.isAdmin) return;
    this.#apply({ type: 'setService', running, admin: tweetnaclSigner(this.#adminPair) });
  }

  switchMode(mode: Mode): void {
    if (this.#closed || mode === this.mode) return;
    if (!this.isAdmin) {
      this.#notice('Only the room admin (the browser that created the room) can switch modes.');
      return;
    }
    this.#apply({ type: 'switchMode', mode, admin: tweetnaclSigner(this.#adminPair) });
  }

  dismissNotice(id: number): void {
    this.notices = this.notices.filter((notice) => notice.id !== id);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#wakeup);
    clearTimeout(this.#refreshTimer);
    if (this.#refreshFrame !== undefined) cancelAnimationFrame(this.#refreshFrame);
    for (const timer of this.#retries.values()) clearTimeout(timer);
    this.#retries.clear();
    this.#mesh.shutdown();
    this.#server.close();
  }

  /**
   * Debug/test hooks (reached as `window.peerlab.debug` by the e2e suite and from the console); not part
   * of the UI. `dropDirectLink` breaks one WebRTC channel as if the network had, so the overlay must
   * notice and repair it.
   */
  readonly debug = {
    directPeers: (): string[] => this.#mesh.openPeers(),
    dropDirectLink: (peer: string): boolean => this.#mesh.breakLink(peer),
  };

  // ---- the driver ----

  #apply(input: Input): void {
    if (this.#closed) return;
    this.#depth++;
    try {
      for (const output of this.#node.handle(input, Date.now())) this.#perform(output);
    } finally {
      this.#depth--;
    }
    if (this.#depth === 0) {
      if (this.#reconcileWanted) this.#reconcile();
      this.#armWakeup();
      this.#scheduleRefresh();
    }
  }

  #perform(output: Output): void {
    switch (output.type) {
      case 'send':
        this.#send(output.link, output.data);
        break;
      case 'verify':
        this.#verify(output.requests);
        break;
      case 'accepted':
        if (output.local) saveLastSeq(this.#storage.lastSeq, this.publicKey, this.#node.lastSeq);
        break;
      case 'mode':
        this.#reconcileWanted = true;
        break;
      case 'rejected':
        // Counted by the engine (the refresh shows node.stats().rejections); a refusal of our own action is told.
        if (output.rejection.fault === 'local') this.#notice(`Refused: ${output.rejection.reason} (${output.rejection.detail}).`);
        break;
      case 'connect':
        if (this.#peerLinks.get(output.peer) !== 'direct') this.#mesh.connect(output.peer);
        break;
      case 'drop':
        this.#onDrop(output.link);
        break;
      case 'signal':
        this.#mesh.signal(output.from, output.data);
        break;
      case 'service':
        break; // the admin stopped or restored the server's service; nothing for the transports to do
      default:
        output satisfies never;
    }
  }

  #verify(requests: readonly VerifyRequest[]): void {
    this.#verifier.verifyBatch(requests).then(
      (ok) => this.#apply({ type: 'verified', results: requests.map((request, i) => ({ id: request.id, ok: ok[i] ?? false })) }),
      () => this.#apply({ type: 'verified', results: requests.map((request) => ({ id: request.id, ok: false })) }),
    );
  }

  #send(link: string, data: string): void {
    if (link === SERVER_LINK) {
      this.#server.sendPeer(data);
      return;
    }
    const peer = link.slice(PEER_PREFIX.length);
    const kind = this.#peerLinks.get(peer);
    if (kind === 'direct') this.#mesh.send(peer, data); // a failed send closes the channel; anti-entropy repairs
    else if (kind === 'relay') this.#server.relay(peer, data);
  }

  #armWakeup(): void {
    clearTimeout(this.#wakeup);
    const at = this.#node.nextWakeup();
    if (at === undefined || this.#closed) return;
    this.#wakeup = setTimeout(() => this.#apply({ type: 'tick' }), Math.max(0, at - Date.now()));
  }

  // ---- transports ----

  #onJoined(response: JoinAccepted): void {
    this.serverKey = response.server;
    this.isAdmin = response.admin === this.#adminPair.publicKey;
    this.#joinedEpoch = response.epoch;
    this.#apply({ type: 'setAdmin', admin: response.admin });
    // The authority's key: its stamps order strict operations and its certificates admit members (hybrid).
    this.#apply({ type: 'setServer', server: response.server });
    this.#setRoster(response.members);
    this.#apply({ type: 'linkUp', link: SERVER_LINK, kind: 'server' });
    this.#reconcile();
  }

  #setRoster(members: readonly Member[]): void {
    this.#roster = members.filter((member) => member.peer !== this.publicKey);
    const listed = new Set(this.#roster.map((member) => member.peer));
    for (const peer of this.#failures.keys()) if (!listed.has(peer)) this.#failures.delete(peer);
    this.#apply({ type: 'members', peers: [...listed] });
  }

  #listed(peer: string): boolean {
    return this.#roster.some((member) => member.peer === peer);
  }

  /** WebRTC signaling: over the server while it can reach the peer, else hop by hop over the mesh. */
  #sendSignal(to: string, data: string): void {
    if (this.#server.joined && this.#listed(to)) this.#server.signal(to, data);
    else this.#apply({ type: 'routeSignal', to, data });
  }

  #onPeerData(peer: string, data: string): void {
    if (this.#peerLinks.get(peer) !== 'direct') this.#reconcile(); // the channel opened before we linked it
    if (this.#peerLinks.has(peer)) this.#apply({ type: 'message', link: PEER_PREFIX + peer, data });
  }

  #onRelay(from: string, data: string): void {
    if (!this.#peerLinks.has(from)) {
      // A member relaying to us before we linked it (its direct attempt failed): open the relay link first.
      if (!wantsRelayLinks(this.#node.mode) || !this.#server.joined || from === this.publicKey) return;
      this.#peerLinks.set(from, 'relay');
      this.#apply({ type: 'linkUp', link: PEER_PREFIX + from, kind: 'relay', peer: from });
    }
    this.#apply({ type: 'message', link: PEER_PREFIX + from, data });
  }

  /** A direct attempt or channel died. In hybrid the pair moves to the relay (reconcile) and retries later. */
  #onDirectFailed(peer: string, reason: LinkFailure): void {
    // A full partner is not a broken pair: the overlay picks another one rather than loading the relay.
    if (reason !== 'declined') this.#failures.set(peer, reason);
    // An attempt that never opened frees its overlay slot now; a channel that died is repaired as usual.
    if (reason === 'declined' || reason === 'timeout' || reason === 'webrtc-unavailable') this.#apply({ type: 'connectFailed', peer });
    if (retryable(reason) && wantsRelayLinks(this.#node.mode)) this.#scheduleRetry(peer);
    this.#reconcile();
  }

  /** The engine gave the link up and already forgot it: close its transport and keep it closed. */
  #onDrop(link: string): void {
    if (!link.startsWith(PEER_PREFIX)) return;
    const peer = link.slice(PEER_PREFIX.length);
    this.#peerLinks.delete(peer);
    this.#failures.delete(peer);
    this.#cancelRetry(peer);
    this.#mesh.close(peer);
    this.#reconcileWanted = true;
  }

  #scheduleRetry(peer: string): void {
    if (this.#retries.has(peer) || this.#closed) return;
    const timer = setTimeout(() => {
      this.#retries.delete(peer);
      if (this.#peerLinks.get(peer) === 'relay' && wantsDirectLinks(this.#node.mode)) this.#mesh.connect(peer);
    }, DIRECT_RETRY_MS);
    this.#retries.set(peer, timer);
  }

  #cancelRetry(peer: string): void {
    clearTimeout(this.#retries.get(peer));
    this.#retries.delete(peer);
  }

  /**
   * Brings the mesh and the engine's peer links in line with the mode, the roster and the open channels.
   * Deferred while an input is being applied, and re-run when a pass itself changes links.
   */
  #reconcile(): void {
    if (this.#closed) return;
    if (this.#depth > 0 || this.#reconciling) {
      this.#reconcileWanted = true; // e.g. the mesh reports a close while a pass tears links down
      return;
    }
    this.#reconciling = true;
    try {
      for (let pass = 0; pass < MAX_RECONCILE_PASSES; pass++) {
        this.#reconcileWanted = false;
        this.#reconcileOnce();
        if (!this.#reconcileWanted) break;
      }
    } finally {
      this.#reconciling = false;
    }
    this.#scheduleRefresh();
  }

  /**
   * A pair is `direct` while its channel is open; else `relay` (hybrid, server joined, peer listed) when it
   * had a link or its direct attempt failed; else unlinked. Which pairs to attempt is the overlay's call.
   */
  #reconcileOnce(): void {
    const mode = this.#node.mode;
    const modeKnown = this.#node.epoch >= this.#joinedEpoch;
    // Enabled even without WebRTC here: the mesh must still answer offers with a refusal.
    const direct = modeKnown && wantsDirectLinks(mode);
    const relay = modeKnown && wantsRelayLinks(mode) && this.#server.joined;
    this.#mesh.setEnabled(direct);
    const open = new Set(direct ? this.#mesh.openPeers() : []);
    for (const peer of new Set([...this.#peerLinks.keys(), ...open, ...this.#failures.keys()])) {
      const have = this.#peerLinks.get(peer);
      const fallback = relay && this.#listed(peer) && (have !== undefined || this.#failures.has(peer));
      const want: PeerLinkKind | undefined = open.has(peer) ? 'direct' : fallback ? 'relay' : undefined;
      if (want === have) continue;
      const link = PEER_PREFIX + peer;
      if (want === undefined) {
        this.#peerLinks.delete(peer);
        this.#apply({ type: 'linkDown', link });
      } else if (have === undefined) {
        this.#peerLinks.set(peer, want);
        this.#apply({ type: 'linkUp', link, kind: want, peer });
      } else {
        if (want === 'relay' && !this.#failures.has(peer)) this.#failures.set(peer, 'closed');
        this.#peerLinks.set(peer, want);
        this.#apply({ type: 'linkKind', link, kind: want });
      }
    }
  }

  // ---- derived state ----

  #reasonFor(peer: string): { reason?: string } {
    const failure = this.#failures.get(peer);
    if (this.#peerLinks.get(peer) === 'relay') return { reason: failure ?? (this.webrtcSupported ? REMOTE_FALLBACK : 'webrtc-unavailable') };
    return failure === undefined || this.#peerLinks.has(peer) ? {} : { reason: failure };
  }

  #notice(text: string): void {
    this.notices = [...this.notices, { id: ++this.#noticeId, text }].slice(-MAX_NOTICES);
  }

  /** Coalesces refreshes: at most one per animation frame (or per HIDDEN_REFRESH_MS in a hidden tab). */
  #scheduleRefresh(): void {
    if (this.#closed || this.#refreshFrame !== undefined || this.#refreshTimer !== undefined) return;
    const run = (): void => {
      if (this.#refreshFrame !== undefined) cancelAnimationFrame(this.#refreshFrame);
      clearTimeout(this.#refreshTimer);
      this.#refreshFrame = undefined;
      this.#refreshTimer = undefined;
      this.#refresh();
    };
    if (document.visibilityState === 'visible') this.#refreshFrame = requestAnimationFrame(run);
    this.#refreshTimer = setTimeout(run, HIDDEN_REFRESH_MS);
  }

  #refresh(): void {
    const node = this.#node;
    this.mode = node.mode;
    this.epoch = node.epoch;
    this.digest = node.store.digest();
    this.eventCount = node.store.size;
    this.pendingCount = node.pendingCount;
    this.serviceRunning = node.serviceRunning;
    this.serverShown = this.serverStatus === 'connected' && !node.serviceRunning ? 'stopped' : this.serverStatus;
    this.ledger = node.ledger();
    this.messages = chatView(node.store.events());
    this.directCount = this.#mesh.openPeers().length;
    this.members = this.#roster.map((member) => ({
      peer: member.peer,
      name: member.name,
      version: member.version,
      fingerprint: fingerprint(member.peer),
      link: this.#peerLinks.get(member.peer) ?? 'none',
      ...this.#reasonFor(member.peer),
    }));
    const stats = node.stats();
    this.rejections = REJECTION_REASONS.filter((reason) => stats.rejections[reason] > 0).map((reason) => [reason, stats.rejections[reason]] as const);
    this.duplicates = stats.duplicates;
    this.traffic = (['server', 'direct', 'relay'] as const).map((kind) => ({
      kind,
      sentMessages: stats.sent[kind].messages,
      sentBytes: stats.sent[kind].bytes,
      receivedMessages: stats.received[kind].messages,
      receivedBytes: stats.received[kind].bytes,
    }));
  }
}
