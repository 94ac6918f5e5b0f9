/**
 * The node's contract with its driver: the components and configuration it is built from, the inputs it
 * is fed and the outputs it returns (node.ts). Types only, plus the default configuration, so readers of
 * the engine's edge (client, server, simulator) need not read the engine itself.
 */
import type { FaultRule, Mode, SignedEvent } from './event.ts';
import { MAX_MESSAGE_BYTES, type WireMessage } from './messages.ts';
import type { LinkKind } from './mode.ts';
import { DEFAULT_OVERLAY_TIMINGS, type OverlayTimings } from './overlay.ts';
import type { Rejection, RejectionCounts } from './rejections.ts';
import type { StoredEvent } from './store.ts';
import type { TelemetryReport } from './telemetry.ts';
import type { ProtocolVersion } from './version.ts';
import { DEFAULT_FLOOD_CONFIG, type FloodConfig } from './floodGuard.ts';
import type { AnySigner, Rng, SignRequest, SignResult, VerifyRequest } from '../ports/ports.ts';

export interface NodeConfig {
  /** Time between anti-entropy rounds while anything changes. Shorter repairs gaps sooner; each round costs one summary per partner. */
  readonly antiEntropyIntervalMs: number;
  /**
   * Longest time between rounds once the room agrees (rounds back off up to it, and return to the base
   * interval on news). Longer costs an idle room less; a gap push missed in a silent room waits longer.
   */
  readonly antiEntropyMaxIntervalMs: number;
  /** Bytes of events per message; below the data channel limit so a batch never fails to send. */
  readonly maxBatchBytes: number;
  /** Direct links a new event is pushed to. Higher spreads faster and sends more duplicates. */
  readonly pushFanout: number;
  /** Degree watermarks, heartbeats and peer exchange of the mesh (peers only). */
  readonly overlay: OverlayTimings;
  /** Emit a `received` output per decoded message, for a message trace; off where no one reads it (server, simulator). */
  readonly traceReceived: boolean;
  /** Budget of each incoming peer link, and when a flooder is dropped and banned (floodGuard.ts). */
  readonly flood: FloodConfig;
}

export const DEFAULT_NODE_CONFIG: NodeConfig = {
  antiEntropyIntervalMs: 1000,
  antiEntropyMaxIntervalMs: 16_000,
  maxBatchBytes: MAX_MESSAGE_BYTES - 32 * 1024,
  pushFanout: 6,
  overlay: DEFAULT_OVERLAY_TIMINGS,
  traceReceived: false,
  flood: DEFAULT_FLOOD_CONFIG,
};

export type Role = 'peer' | 'server';

export interface NodeComponents {
  readonly room: string;
  readonly role: Role;
  /**
   * This node's own key: peers author events with it; the server identifies itself with it. A synchronous
   * signer signs inline; an asynchronous one (WebCrypto) is the driver's: `sign` outputs, `signed` inputs.
   */
  readonly signer: AnySigner;
  readonly rng: Rng;
  /** The room admin's public key, when already known (else a `setAdmin` input gives it). */
  readonly admin?: string;
  /** The room server's public key, whose stamps order strict operations (else a `setServer` input gives it). */
  readonly server?: string;
  /** Highest sequence number this identity ever used (persisted by the driver), so a reload never reuses one. */
  readonly lastSeq?: number;
  /** The protocol version this node speaks: this build's newest unless a lesson runs an older (or foreign) one. */
  readonly protocol?: ProtocolVersion;
  readonly config?: Partial<NodeConfig>;
}

export type Input =
  /**
   * `peer`: the remote's key when the driver knows it (a peer link); the hello confirms it otherwise.
   * `lossless`: the transport delivers everything sent while the link is up, in order (a Socket.IO
   * connection; a reconnect is a new link), so what was sent need not be offered again (LinkState.sent).
   */
  | { readonly type: 'linkUp'; readonly link: string; readonly kind: LinkKind; readonly peer?: string; readonly lossless?: boolean }
  /** The same link changed kind, e.g. a relayed pair got its direct WebRTC channel. */
  | { readonly type: 'linkKind'; readonly link: string; readonly kind: LinkKind }
  | { readonly type: 'linkDown'; readonly link: string }
  | { readonly type: 'message'; readonly link: string; readonly data: string }
  | { readonly type: 'verified'; readonly results: readonly { readonly id: string; readonly ok: boolean }[] }
  /** The driver's answers to `sign` outputs, in any order and batching. */
  | { readonly type: 'signed'; readonly results: readonly SignResult[] }
  | { readonly type: 'write'; readonly kind: string; readonly body: unknown }
  | { readonly type: 'switchMode'; readonly mode: Mode; readonly admin: AnySigner }
  | { readonly type: 'setAdmin'; readonly admin: string }
  | { readonly type: 'setServer'; readonly server: string }
  /** Server: issue this key its membership certificate (once per key and room). */
  | { readonly type: 'admit'; readonly peer: string }
  /** Admin: stop or restore the server's service of the room. */
  | { readonly type: 'setService'; readonly running: boolean; readonly admin: AnySigner }
  /** Admin: split the room's peer-to-peer links into groups, or heal the split (`groups: null`). */
  | { readonly type: 'partition'; readonly groups: readonly (readonly string[])[] | null; readonly admin: AnySigner }
  /** Admin: set the fault rules of the room's peer links (an empty list clears them). */
  | { readonly type: 'setFaults'; readonly rules: readonly FaultRule[]; readonly admin: AnySigner }
  /** Admin: start or stop the churn generator. */
  | { readonly type: 'setChurn'; readonly on: boolean; readonly periodMs: number; readonly downMs: number; readonly exempt: readonly string[]; readonly admin: AnySigner }
  /** The server's current member list (peer keys). */
  | { readonly type: 'members'; readonly peers: readonly string[] }
  /** The driver could not open the direct link a `connect` output asked for. */
  | { readonly type: 'connectFailed'; readonly peer: string }
  /** A WebRTC signal for `to`, to be carried over the mesh (when the server cannot carry it). */
  | { readonly type: 'routeSignal'; readonly to: string; readonly data: string }
  /** Events from this node's own durable storage: trusted, not re-verified. */
  | { readonly type: 'restore'; readonly events: readonly { readonly event: SignedEvent; readonly ackPosition?: number }[] }
  /** This peer's own telemetry report (`peer` is this node's key): kept, signed and flooded where the mode carries data peer to peer. */
  | { readonly type: 'report'; readonly report: TelemetryReport }
  | { readonly type: 'tick' };

export type Output =
  /** `eventIds`: for an `events` message, the ids of the events it carries (for a message trace). */
  | { readonly type: 'send'; readonly link: string; readonly data: string; readonly message: WireMessage; readonly eventIds?: readonly string[] }
  /**
   * With `traceReceived`: a message decoded from a link, before the outputs it causes. `eventIds`: for
   * `events`, the ids of the valid events it carried (filled while this same call handles them).
   */
  | { readonly type: 'received'; readonly link: string; readonly kind: LinkKind; readonly message: WireMessage; readonly bytes: number; readonly eventIds?: readonly string[] }
  | { readonly type: 'verify'; readonly requests: readonly VerifyRequest[] }
  /** Only with an asynchronous signer: bytes to sign (own writes, own reports, admin events), answered by `signed`. */
  | { readonly type: 'sign'; readonly requests: readonly SignRequest[] }
  /**
   * Events that just entered the state (to persist, then render). `ackPositions` (`ackPositions[i]` is
   * `events[i]`'s place in the server's log, persisted as its `ord`) only on the server.
   */
  | { readonly type: 'accepted'; readonly events: readonly StoredEvent[]; readonly local: boolean; readonly ackPositions?: readonly number[] }
  | { readonly type: 'rejected'; readonly link?: string; readonly rejection: Rejection }
  | { readonly type: 'mode'; readonly mode: Mode; readonly epoch: number }
  | { readonly type: 'service'; readonly running: boolean }
  /** The overlay wants a direct link to `peer`: the driver starts one (this node offers). */
  | { readonly type: 'connect'; readonly peer: string }
  /** The node gave up a link (see DropReason): close its transport. */
  | { readonly type: 'drop'; readonly link: string; readonly reason: DropReason }
  | { readonly type: 'partition'; readonly groups: readonly (readonly string[])[] | null }
  /** The admin's current fault rules for peer links: the driver's fault stage applies them. */
  | { readonly type: 'faults'; readonly rules: readonly FaultRule[] }
  /** The admin's churn generator, or null when off: the driver follows its schedule. */
  | { readonly type: 'churn'; readonly plan: ChurnPlan | null }
  /** A WebRTC signal that reached this node over the mesh. */
  | { readonly type: 'signal'; readonly from: string; readonly data: string };

/**
 * Why the node gave a link up: silent too long (`suspected`), above the degree's high watermark (`shed`),
 * across the admin's partition (`partitioned`), over its budget for too long (`flooding`, and the key is
 * banned), a new link from a key still banned (`banned`), or a remote of another major version, or a new
 * link from a key refused for that a short while ago (`incompatible`).
 */
export type DropReason = 'suspected' | 'shed' | 'partitioned' | 'flooding' | 'banned' | 'incompatible';

/** A remote refused for its major version, left alone until `until` (engine clock). */
export interface IncompatiblePeer {
  readonly peer: string;
  readonly until: number;
  /** Why, as the refusal said it (the two versions). */
  readonly detail: string;
}

/** A running churn generator: its event id seeds the schedule every peer derives alike. */
export interface ChurnPlan {
  readonly id: string;
  readonly periodMs: number;
  readonly downMs: number;
  readonly exempt: readonly string[];
}

/** A link as the node's readers see it. */
export interface LinkView {
  readonly kind: LinkKind;
  readonly peer?: string;
  readonly remote?: ProtocolVersion;
  readonly refused?: boolean;
}

export interface TrafficCounter {
  messages: number;
  bytes: number;
}

export interface NodeStats {
  readonly rejections: RejectionCounts;
  readonly duplicates: number;
  /** Peer links this node dropped for flooding. */
  readonly floodDrops: number;
  /** The push tree's graft wait now, and how the grafts judged so far turned out (pushTree.ts, GraftWait). */
  readonly tree: { readonly graftWaitMs: number; readonly needlessGrafts: number; readonly usefulGrafts: number };
  readonly sent: Readonly<Record<LinkKind, TrafficCounter>>;
  readonly received: Readonly<Record<LinkKind, TrafficCounter>>;
}
