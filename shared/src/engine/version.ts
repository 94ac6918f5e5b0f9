/**
 * Protocol versions, and what two nodes of different versions may say to each other.
 *
 * A version is MAJOR.MINOR.
 * - A MINOR release only adds: new event kinds, new optional fields of the hello, and new message forms
 *   (a new message, or a new field of one) behind a named feature. Within a major the signed form of an
 *   event never changes, so an event's `v` is the major alone and every node of the major can verify,
 *   store and forward every event of it.
 * - Anything else is a new MAJOR: another event form, another meaning for an existing message or field,
 *   a kind or message taken away.
 *
 * What a node may send whom:
 * - events of any kind, to anyone of its major. A node that does not know a kind stores it, counts it as
 *   "not understood", forwards it and ships it in anti-entropy like any other; its views ignore it. So the
 *   writes of a newer peer reach the peers behind an older one.
 * - a message form behind a feature, only over a link whose remote named that feature in its hello. Until
 *   the remote's hello arrives a link counts as 1.0 with no features.
 * - the hello is the one message every version reads: its `v` (the major) is read before anything else,
 *   and fields a node does not know are ignored. A hello without `minor` and `features` (every build from
 *   before negotiation) is 1.0 with no features.
 * - a hello of another major is refused as `unsupported_version`, on both ends: a peer link is dropped and
 *   the key left alone for INCOMPATIBLE_RETRY_MS; the server link stays up (the server still introduces
 *   and relays) but carries nothing more.
 */
import { PROTOCOL_VERSION } from './event.ts';
import { reject, type Rejection } from './rejections.ts';

/** Named message forms a minor release added; a remote gets one only if its hello names it. */
export const FEATURES = [
  /** Telemetry reports with `protocol` and `unknown` (1.1). A 1.0 node refuses such a report as `schema`. */
  'versioned-report',
  /**
   * Lazy report gossip (1.2): a new report is announced (`rhave`: origin and seq) and sent only to a
   * neighbour that asks for it (`rwant`), with the time it was held (`age`); an older remote gets it pushed.
   */
  'report-announce',
  /** Push gossip over a tree: `prune`, `have` and `graft` messages (1.2; pushTree.ts). */
  'push-tree',
  /** A hello pushes nothing: the node that lacks events asks one link for them (1.2; catchUp.ts). */
  'hello-pull',
] as const;
export type Feature = (typeof FEATURES)[number];

export interface ProtocolVersion {
  readonly major: number;
  readonly minor: number;
  /** Features this node reads (its hello's `features`); a remote's may name features this build never heard of. */
  readonly features: readonly string[];
}

interface MinorRelease {
  readonly minor: number;
  /** Event kinds this release added. */
  readonly kinds: readonly string[];
  readonly features: readonly Feature[];
}

/** Major 1, release by release. The newest entry is what this build speaks. */
const MAJOR_1_RELEASES: readonly MinorRelease[] = [
  { minor: 0, kinds: ['chat', 'mode', 'service', 'admit', 'partition', 'faults', 'churn', 'transfer', 'stamp'], features: [] },
  { minor: 1, kinds: ['pixel'], features: ['versioned-report'] },
  { minor: 2, kinds: [], features: ['report-announce', 'push-tree', 'hello-pull'] },
];

/** The newest minor of this build's major. */
export const PROTOCOL_MINOR = MAJOR_1_RELEASES[MAJOR_1_RELEASES.length - 1]!.minor;

/**
 * How long a key whose hello was refused for its major is left alone (no link offered or taken). Shorter
 * notices a peer that reloaded with another version sooner; each retry costs a handshake and one more
 * refusal on each end.
 */
export const INCOMPATIBLE_RETRY_MS = 60_000;

/**
 * How long a peer link refused for its version stays open, silent, before it is dropped: long enough for
 * the remote to read our hello and refuse it too, so both ends say why (a close at once could overtake it).
 */
export const REFUSED_LINK_GRACE_MS = 1000;

const CURRENT_FEATURES: readonly Feature[] = MAJOR_1_RELEASES.flatMap((release) => release.features);
const ALL_KINDS: ReadonlySet<string> = new Set(MAJOR_1_RELEASES.flatMap((release) => release.kinds));

/** Releases of major 1 up to `minor` (all of them for a minor newer than this build knows). */
function releasesUpTo(minor: number): readonly MinorRelease[] {
  return MAJOR_1_RELEASES.filter((release) => release.minor <= minor);
}

/**
 * The version this build speaks as MAJOR.MINOR: for major 1, the kinds and features of its releases up
 * to that minor. Another major (only a lesson's simulated one: this build has no second major) keeps the
 * newest kinds and features, so what differs is the major alone.
 */
export function protocolVersion(major: number, minor: number): ProtocolVersion {
  if (major !== PROTOCOL_VERSION) return { major, minor, features: CURRENT_FEATURES };
  const clamped = Math.min(minor, PROTOCOL_MINOR);
  return { major, minor: clamped, features: releasesUpTo(clamped).flatMap((release) => release.features) };
}

/** What this build speaks unless told otherwise. */
export const CURRENT_PROTOCOL: ProtocolVersion = protocolVersion(PROTOCOL_VERSION, PROTOCOL_MINOR);

const kindsByMinor = new Map<number, ReadonlySet<string>>();

/** The event kinds a node of this version understands (renders, validates the body of). */
export function kindsOf(version: ProtocolVersion): ReadonlySet<string> {
  if (version.major !== PROTOCOL_VERSION || version.minor >= PROTOCOL_MINOR) return ALL_KINDS;
  let kinds = kindsByMinor.get(version.minor);
  if (!kinds) {
    kinds = new Set(releasesUpTo(version.minor).flatMap((release) => release.kinds));
    kindsByMinor.set(version.minor, kinds);
  }
  return kinds;
}

export function understands(version: ProtocolVersion, kind: string): boolean {
  return kindsOf(version).has(kind);
}

export function hasFeature(version: ProtocolVersion | undefined, feature: Feature): boolean {
  return version?.features.includes(feature) ?? false;
}

export function formatVersion(version: { readonly major: number; readonly minor?: number }): string {
  return `${version.major}.${version.minor ?? 0}`;
}

/** `1`, `1.0`, `2.0`...: a version this build can speak (a minor above its own is clamped), or undefined. */
export function parseVersion(text: string): ProtocolVersion | undefined {
  const match = /^([1-9][0-9]{0,2})(?:\.([0-9]{1,3}))?$/.exec(text.trim());
  if (!match) return undefined;
  return protocolVersion(Number(match[1]), Number(match[2] ?? 0));
}

/** What a remote speaks, from its hello: without `minor` and `features` it is 1.0 with no features. */
export function remoteVersion(hello: { readonly v: number; readonly minor?: number; readonly features?: readonly string[] }): ProtocolVersion {
  return { major: hello.v, minor: hello.minor ?? 0, features: hello.features ?? [] };
}

/** The refusal of a hello from another major, worded for both ends' notices. */
export function incompatible(local: ProtocolVersion, remote: { readonly major: number; readonly minor?: number }): Rejection {
  return reject('unsupported_version', `peer speaks protocol ${formatVersion(remote)}, this node ${formatVersion(local)}: another major version`);
}

/** Events a node holds but does not understand (kinds of a newer version), by kind. */
export interface NotUnderstood {
  readonly count: number;
  readonly kinds: readonly string[];
}

export const NOTHING_NOT_UNDERSTOOD: NotUnderstood = { count: 0, kinds: [] };

/** What of `kindCounts` (canonical events held by kind: `EventStore.kindCounts()`) `version` does not know. */
export function notUnderstood(kindCounts: ReadonlyMap<string, number>, version: ProtocolVersion): NotUnderstood {
  const kinds = kindsOf(version);
  let count = 0;
  const unknown: string[] = [];
  for (const [kind, held] of kindCounts) {
    if (held === 0 || kinds.has(kind)) continue;
    count += held;
    unknown.push(kind);
  }
  return count === 0 ? NOTHING_NOT_UNDERSTOOD : { count, kinds: unknown.sort() };
}
