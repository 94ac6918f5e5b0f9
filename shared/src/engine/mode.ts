/**
 * The three architectures as one policy table. The mode only changes who talks to whom and who
 * orders; never the data. Every routing decision of the node reads this table and nothing else.
 */
import type { EventClass, Mode } from './event.ts';

/**
 * What a link is, seen from this node:
 * - `direct`: a WebRTC data channel to another peer;
 * - `relay`: a peer reached through the server's relay (no direct link);
 * - `server`: a peer's link to the server (the authority);
 * - `client`: the server's link to one peer.
 */
export type LinkKind = 'direct' | 'relay' | 'server' | 'client';

/**
 * Which events a link carries in a mode: all of them; control and strict events (the control plane
 * of hybrid: the mode, and transfers to be ordered); control events only; or none.
 */
export type Carriage = 'all' | 'strict' | 'control' | 'none';

export const MODE_POLICY: Readonly<Record<Mode, Readonly<Record<LinkKind, Carriage>>>> = {
  // One link per client, to the server, which orders, persists and broadcasts. No peer traffic.
  'client-server': { direct: 'none', relay: 'none', server: 'all', client: 'all' },
  // The server only introduces peers and hears of the mode; data spreads by gossip over WebRTC.
  p2p: { direct: 'all', relay: 'none', server: 'control', client: 'control' },
  // Data peer to peer, through the server's relay where no direct link exists; control and the
  // ordering of strict operations stay central.
  hybrid: { direct: 'all', relay: 'all', server: 'strict', client: 'strict' },
};

/** The mode a room has before its admin ever switches it. */
export const INITIAL_MODE: Mode = 'p2p';

export function carriage(mode: Mode, kind: LinkKind): Carriage {
  return MODE_POLICY[mode][kind];
}

export function carries(what: Carriage, eventClass: EventClass): boolean {
  switch (what) {
    case 'all':
      return true;
    case 'strict':
      return eventClass !== 'data';
    case 'control':
      return eventClass === 'control';
    case 'none':
      return false;
  }
}

/**
 * The carriage of a link while the admin has stopped the server's service: links to and from the
 * server carry control events only (so the service can be restored), and nothing is relayed.
 */
export function carriageWhileStopped(kind: LinkKind, normal: Carriage): Carriage {
  if (kind === 'relay') return 'none';
  if (kind === 'server' || kind === 'client') return normal === 'none' ? 'none' : 'control';
  return normal;
}

/** Whether peers refuse data from keys the server has not admitted (its membership certificates). */
export function requiresAdmission(mode: Mode): boolean {
  return mode === 'hybrid';
}

/** Whether the server orders strict operations (stamps transfers) in this mode. */
export function serverOrdersStrict(mode: Mode): boolean {
  return MODE_POLICY[mode].client === 'all' || MODE_POLICY[mode].client === 'strict';
}

/** Whether peers should hold WebRTC links to each other in this mode. */
export function wantsDirectLinks(mode: Mode): boolean {
  return MODE_POLICY[mode].direct !== 'none';
}

/** Whether pairs of peers without a direct link talk through the server's relay in this mode. */
export function wantsRelayLinks(mode: Mode): boolean {
  return MODE_POLICY[mode].relay !== 'none';
}
