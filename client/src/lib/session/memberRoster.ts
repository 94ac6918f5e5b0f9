/**
 * The room's members as the server last listed them, without this peer, and the names of every member
 * ever seen (a member away, off the roster, can still be named): the page's one key-to-name map, which
 * the session hands to every component that names a peer. Builds the member list the UI shows, with the
 * link each pair has, from whatever knows the links.
 */
import { fingerprint, formatVersion, type Member } from '@peerlab/shared';
import type { MemberLink } from './linkPolicy.ts';

export interface MemberView {
  readonly peer: string;
  readonly name: string;
  readonly version: number;
  /** The protocol version its page speaks, as MAJOR.MINOR (as it joined: the server lists it). */
  readonly protocol: string;
  readonly fingerprint: string;
  readonly link: MemberLink;
  /** Why the pair is on the relay (or why its last direct attempt failed), when known. */
  readonly reason?: string;
  /** The member is a dashboard (the presenter), not a student's peer. */
  readonly observer?: boolean;
}

/** The link of one pair, as the member list shows it. */
export interface PairLinkView {
  readonly link: MemberLink;
  readonly reason?: string;
}

export interface RosterChange {
  /** Members not on the previous list (back from churn or a reload, or new). */
  readonly newcomers: readonly string[];
  /** Every member's key, in the server's order. */
  readonly listed: ReadonlySet<string>;
}

/** A peer's name as `names` knows it, else the start of its key. */
export function nameOf(names: ReadonlyMap<string, string>, key: string): string {
  return names.get(key) ?? key.slice(0, 8);
}

export class MemberRoster {
  readonly #self: string;
  #members: readonly Member[] = [];
  /** Replaced, never changed in place: the same map means the same names (a view may keep what it drew). */
  #names: ReadonlyMap<string, string> = new Map();

  constructor(self: string) {
    this.#self = self;
  }

  /** Members, this peer excluded. */
  get size(): number {
    return this.#members.length;
  }

  /** Names of every member seen so far, by key (this peer's own is not among them). */
  get names(): ReadonlyMap<string, string> {
    return this.#names;
  }

  /** Takes the server's new list and says what changed. */
  update(members: readonly Member[]): RosterChange {
    const before = new Set(this.#members.map((member) => member.peer));
    this.#members = members.filter((member) => member.peer !== this.#self);
    if (this.#members.some((member) => this.#names.get(member.peer) !== member.name)) {
      const names = new Map(this.#names);
      for (const member of this.#members) names.set(member.peer, member.name);
      this.#names = names;
    }
    return {
      newcomers: this.#members.filter((member) => !before.has(member.peer)).map((member) => member.peer),
      listed: new Set(this.#members.map((member) => member.peer)),
    };
  }

  listed(peer: string): boolean {
    return this.#members.some((member) => member.peer === peer);
  }

  /**
   * Who the churn schedule may pick, as this peer sees the room: observers (the presenter's dashboard)
   * never leave, so every peer drops them from the draw alike, this one too when it is an observer.
   */
  churnCandidates(selfObserver: boolean): string[] {
    return [...(selfObserver ? [] : [this.#self]), ...this.#members.filter((member) => !member.observer).map((member) => member.peer)];
  }

  /** The member list, with each pair's link as `linkOf` tells it. */
  views(linkOf: (peer: string) => PairLinkView): MemberView[] {
    return this.#members.map((member) => ({
      peer: member.peer,
      name: member.name,
      version: member.version,
      protocol: formatVersion({ major: member.version, ...(member.minor === undefined ? {} : { minor: member.minor }) }),
      ...(member.observer ? { observer: true } : {}),
      fingerprint: fingerprint(member.peer),
      ...linkOf(member.peer),
    }));
  }
}
