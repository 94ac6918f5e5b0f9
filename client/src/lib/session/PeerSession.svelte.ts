/**
 * One browser peer: a `PeerlabNode` (the sans-IO engine) plus its transports — the Socket.IO server link,
 * the WebRTC mesh and the server's relay. `#apply` is the only place the engine is driven: it feeds one
 * input with the wall clock and performs every output. Components render the `$state.raw` fields and call
 * the public methods; they never see a socket.
 *
 * Engine link ids: `server` for the Socket.IO link, `peer:<key>` for another member, of kind `direct`
 * while its data channel is open, else `relay` when the mode routes through the server, else no link.
 */
import {
  chatView,
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
  type LinkKind,
  type Member,
  type Mode,
  type Output,
  type RejectionReason,
  type Verifier,
  type VerifyRequest,
} from '@peerlab/shared';
import { ServerLink, type JoinAccepted, type ServerStatus } from '../transport/serverLink.ts';
import { WebRtcMesh, webRtcSupported } from '../transport/webrtcMesh.ts';
import { loadLastSeq, roomAdminKey, saveLastSeq, tabIdentity, type StorageKeys } from './identity.ts';

/** Longest chat message a user can type; keeps one event far below the engine's event size limit. */
export const MAX_CHAT_CHARS = 500;
/** Notices kept on screen; older ones scroll away. */
const MAX_NOTICES = 4;
/** How often derived state is refreshed while the tab is hidden (animation frames do not run then). */
const HIDDEN_REFRESH_MS = 250;
/** Bound on nested reconcile passes: each pass can only react to links the previous one changed. */
const MAX_RECONCILE_PASSES = 4;

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
}

export interface MemberView {
  readonly peer: string;
  readonly name: string;
  readonly version: number;
  readonly fingerprint: string;
  readonly link: MemberLink;
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
    this.#node = new PeerlabNode({
      room: options.room,
      role: 'peer',
      signer: tweetnaclSigner(identity),
      rng: seededRng(randomSeed()),
      lastSeq: loadLastSeq(options.storage.lastSeq, identity.publicKey),
    });
    if (!this.webrtcSupported) this.#notice('WebRTC (RTCPeerConnection) is unavailable in this browser: no direct links, only the server.');
    this.#mesh = new WebRtcMesh(identity.publicKey, options.iceServers, {
      open: () => this.#reconcile(),
      close: () => this.#reconcile(),
      data: (peer, data) => this.#onPeerData(peer, data),
      signal: (to, data) => this.#server.signal(to, data),
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
          this.#roster = members.filter((member) => member.peer !== this.publicKey);
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
    this.#mesh.close();
    this.#server.close();
  }

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
        break; // counted by the engine; the refresh shows node.stats().rejections
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
    this.#roster = response.members.filter((member) => member.peer !== this.publicKey);
    this.#joinedEpoch = response.epoch;
    this.#apply({ type: 'setAdmin', admin: response.admin });
    this.#apply({ type: 'linkUp', link: SERVER_LINK, kind: 'server' });
    this.#reconcile();
  }

  #onPeerData(peer: string, data: string): void {
    if (!this.#peerLinks.has(peer)) this.#reconcile(); // the channel opened before we heard of it
    if (this.#peerLinks.has(peer)) this.#apply({ type: 'message', link: PEER_PREFIX + peer, data });
  }

  #onRelay(from: string, data: string): void {
    if (!this.#peerLinks.has(from)) {
      // A member relaying to us before we listed it: open the relay link first, if the mode uses relays.
      if (!wantsRelayLinks(this.#node.mode) || !this.#server.joined || from === this.publicKey) return;
      this.#peerLinks.set(from, 'relay');
      this.#apply({ type: 'linkUp', link: PEER_PREFIX + from, kind: 'relay' });
    }
    this.#apply({ type: 'message', link: PEER_PREFIX + from, data });
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

  #reconcileOnce(): void {
    const mode = this.#node.mode;
    const modeKnown = this.#node.epoch >= this.#joinedEpoch;
    const direct = modeKnown && wantsDirectLinks(mode) && this.webrtcSupported;
    const relay = modeKnown && wantsRelayLinks(mode) && this.#server.joined;
    const listed = new Set(this.#roster.map((member) => member.peer));
    this.#mesh.setWanted(listed, direct);
    const open = direct ? this.#mesh.openPeers() : [];
    for (const peer of new Set([...listed, ...this.#peerLinks.keys(), ...open])) {
      const want: PeerLinkKind | undefined = open.includes(peer) ? 'direct' : relay && listed.has(peer) ? 'relay' : undefined;
      const have = this.#peerLinks.get(peer);
      if (want === have) continue;
      const link = PEER_PREFIX + peer;
      if (want === undefined) {
        this.#peerLinks.delete(peer);
        this.#apply({ type: 'linkDown', link });
      } else if (have === undefined) {
        this.#peerLinks.set(peer, want);
        this.#apply({ type: 'linkUp', link, kind: want });
      } else {
        this.#peerLinks.set(peer, want);
        this.#apply({ type: 'linkKind', link, kind: want });
      }
    }
  }

  // ---- derived state ----

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
    this.messages = chatView(node.store.events());
    this.directCount = this.#mesh.openPeers().length;
    this.members = this.#roster.map((member) => ({
      peer: member.peer,
      name: member.name,
      version: member.version,
      fingerprint: fingerprint(member.peer),
      link: this.#peerLinks.get(member.peer) ?? 'none',
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
