/**
 * The rules of a peer's links, as pure functions: engine link ids, which kind of link a pair should have
 * (direct while its data channel is open, else the server's relay in hybrid where the pair cannot link
 * directly), why a pair is on the relay, and which direct failures are worth retrying. `peerLinks.ts`
 * applies them to the mesh and the engine.
 */
import { wantsDirectLinks, wantsRelayLinks, type Mode } from '@peerlab/shared';
import type { LinkFailure } from '../transport/webrtcMesh.ts';

/** The engine's id of the Socket.IO link. */
export const SERVER_LINK = 'server';
/** Engine ids of peer links: this prefix and the remote's key. */
export const PEER_PREFIX = 'peer:';

export type PeerLinkKind = 'direct' | 'relay';
export type MemberLink = PeerLinkKind | 'none';

/**
 * Hybrid: how long a pair stays on the relay before trying direct again. Shorter upgrades sooner after a
 * transient failure; each try costs a WebRTC handshake that fails again where WebRTC is blocked.
 */
export const DIRECT_RETRY_MS = 25_000;

/**
 * How long a meshed peer keeps relaying for a member after that member last said it is alone (no direct
 * link, `Addressed.alone`). Longer rides out a quiet spell of a cut-off member; shorter stops sooner
 * relaying for one that got onto the mesh.
 */
export const RELAY_NEED_MS = 10_000;

/** Why a relay link exists when this side saw no failure itself: the other side fell back to it. */
export const REMOTE_FALLBACK = 'remote-fallback';

export function peerLinkId(peer: string): string {
  return PEER_PREFIX + peer;
}

/** The remote key of a peer link; undefined for the server link. */
export function linkPeer(link: string): string | undefined {
  return link.startsWith(PEER_PREFIX) ? link.slice(PEER_PREFIX.length) : undefined;
}

/** Failures after which trying direct again later may work (a browser without WebRTC will not grow one). */
export function retryable(reason: LinkFailure): boolean {
  return reason !== 'webrtc-unavailable' && reason !== 'declined';
}

export interface LinkModesInput {
  readonly mode: Mode;
  /** Whether this peer's store reached the epoch it joined at: before, the room's mode is not known yet. */
  readonly modeKnown: boolean;
  readonly serverJoined: boolean;
  /** Away by the churn schedule. */
  readonly suspended: boolean;
}

/** Which kinds of peer link this peer may have now. */
export function linkModes({ mode, modeKnown, serverJoined, suspended }: LinkModesInput): { readonly direct: boolean; readonly relay: boolean } {
  return {
    direct: modeKnown && wantsDirectLinks(mode) && !suspended,
    relay: modeKnown && wantsRelayLinks(mode) && serverJoined && !suspended,
  };
}

export interface PairState {
  /** The pair's data channel is open (and direct links are wanted). */
  readonly open: boolean;
  /** Relay links are allowed now (see `linkModes`). */
  readonly relay: boolean;
  /** The peer is on the server's roster. */
  readonly listed: boolean;
  /** The link the engine has for the pair now. */
  readonly have: PeerLinkKind | undefined;
  /** Why the last direct attempt with the pair failed, if it did and was not cleared since. */
  readonly failure: LinkFailure | undefined;
  /** This peer has an open direct channel to some member: the mesh reaches the room from here. */
  readonly meshed: boolean;
  /** The member said it is alone (no direct link) within RELAY_NEED_MS: it reaches the room only by the relay. */
  readonly needed: boolean;
}

/**
 * A pair is `direct` while its channel is open; else, where the relay is allowed and the peer listed,
 * `relay` when the relay stands in for a pair that cannot link directly: for a peer cut off from the mesh
 * (no open channel), any pair it had a link with or failed to link; for a meshed peer, a member that can
 * never link (no WebRTC on one side) or that is alone and relies on the relay. Else unlinked: the mesh
 * carries the pair's traffic (a pruned or broken channel included), and which pairs to attempt is the
 * overlay's call.
 */
export function wantedLink({ open, relay, listed, have, failure, meshed, needed }: PairState): PeerLinkKind | undefined {
  if (open) return 'direct';
  if (!relay || !listed) return undefined;
  if (!meshed) return have !== undefined || failure !== undefined ? 'relay' : undefined;
  return failure === 'webrtc-unavailable' || needed ? 'relay' : undefined;
}

/**
 * Whether a message the server relayed from an unlinked member opens a relay link: for a peer cut off
 * from the mesh, always; for a meshed one, when the sender is alone or can never link directly (else it
 * is a leftover of a pair that no longer needs the relay, and a link for it would only echo it back).
 */
export function takesRelayFrom(failure: LinkFailure | undefined, meshed: boolean, alone: boolean): boolean {
  return !meshed || alone || failure === 'webrtc-unavailable';
}

/** Why a pair is on the relay, or why its last direct attempt failed; undefined when there is nothing to say. */
export function linkReason(have: PeerLinkKind | undefined, failure: LinkFailure | undefined, webrtcSupported: boolean): string | undefined {
  if (have === 'relay') return failure ?? (webrtcSupported ? REMOTE_FALLBACK : 'webrtc-unavailable');
  return have === undefined ? failure : undefined;
}
