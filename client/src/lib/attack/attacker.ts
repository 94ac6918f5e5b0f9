/**
 * The attacker panel's engine room: each attack crafts its messages (shared/src/attacks/craft.ts) and puts
 * them on this peer's REAL links, below the normal write API — the WebRTC data channels, the server's relay
 * or the server socket, whichever the room's mode routes that kind of event over. Framework-free: it
 * reaches the transports only through an `AttackPort` the driver hands out, and returns what it sent.
 * What the victims made of it is read afterwards from their counters (attackResults.ts).
 */
import {
  asNewest,
  carriage,
  carries,
  equivocation,
  eventClass,
  eventsMessage,
  FLOOD_MESSAGE,
  forge,
  halves,
  pickReplayTarget,
  pickTamperTarget,
  signedForRoom,
  tamper,
  type LinkKind,
  type PeerlabNode,
  type Position,
  type SignedEvent,
  type Signer,
} from '@peerlab/shared';

export type AttackKind = 'forge' | 'tamper' | 'replay' | 'equivocate' | 'flood';
export const ATTACK_KINDS: readonly AttackKind[] = ['forge', 'tamper', 'replay', 'equivocate', 'flood'];

/** What the driver lends the attacker: its engine (read only), its own key, and raw sends on real links. */
export interface AttackPort {
  readonly node: Pick<PeerlabNode, 'room' | 'id' | 'mode' | 'admin' | 'store' | 'links' | 'lastSeq'>;
  /** This peer's own key: an attacker can sign anything with it, and nothing with anyone else's. */
  readonly signer: Signer;
  readonly name: string;
  /** Sends text on an engine link (`server` or `peer:<key>`) past the engine; false when the link has no transport now. */
  sendRaw(link: string, data: string): boolean;
  /** Keeps an event this key signed in its own store (as if from its storage), so its own next write takes a later seq. */
  keepOwn(event: SignedEvent): void;
  /** The server's refusals of this page's messages so far, by reason. */
  serverRefusals(): Readonly<Record<string, number>>;
  /** Direct attempts `peer` declined so far. */
  declines(peer: string): number;
  /** Offers a direct link to `peer` now (a reconnect attempt). */
  offer(peer: string): void;
}

/** One kind of message an attack sent, and what the engine is expected to make of it. */
export interface AttackPart {
  readonly label: string;
  /** Messages sent (each over one link). */
  readonly sent: number;
  readonly links: number;
  /** The rejection reason victims count for it, or `duplicate` where it is harmlessly ignored. */
  readonly expect: string;
}

export interface FloodTarget {
  readonly link: string;
  readonly peer?: string;
  sent: number;
  /** Time from the flood's start until the link was gone (the victim closed it), if it went. */
  closedAfterMs?: number;
}

export interface FloodStats {
  readonly perLink: number;
  readonly targets: FloodTarget[];
  sent: number;
  elapsedMs: number;
  /** Direct attempts each target peer had declined before the flood (a reconnect refused adds one). */
  readonly declinesBefore: Readonly<Record<string, number>>;
}

export interface AttackRun {
  readonly kind: AttackKind;
  readonly parts: readonly AttackPart[];
  /** Why nothing (or not everything) could be sent. */
  readonly note?: string;
  readonly flood?: FloodStats;
}

/** Messages sent to each link per event-loop turn during a flood: large enough to outrun any budget. */
const FLOOD_CHUNK = 500;
/**
 * After the last message, how long a flood waits for victims to close its links: a busy victim takes the
 * flood in no faster than its page handles messages (a few thousand a second), so it may still be working
 * through them, and drop the link, seconds after the last one left.
 */
const FLOOD_SETTLE_MS = 15_000;
const SETTLE_POLL_MS = 50;

const isPeerLink = (kind: LinkKind): boolean => kind === 'direct' || kind === 'relay';

export class Attacker {
  readonly #port: AttackPort;

  constructor(port: AttackPort) {
    this.#port = port;
  }

  /** An event in another member's name, signed with this key. */
  forge(): AttackRun {
    const node = this.#port.node;
    const victim = this.#someMember();
    if (victim === undefined) return { kind: 'forge', parts: [], note: 'no other member known to impersonate' };
    const event = forge(this.#position(), victim, node.store.highestSeq(victim) + 1, `${this.#port.name} forged this in another member's name`, this.#port.signer);
    return { kind: 'forge', parts: [this.#send(`event claiming author ${victim.slice(0, 8)}`, [event], 'bad_signature')] };
  }

  /** A held event with its body changed under the original signature. */
  tamper(): AttackRun {
    const target = pickTamperTarget(this.#heldEvents(), this.#port.node.id);
    const tampered = target && tamper(target);
    if (!tampered) return { kind: 'tamper', parts: [], note: 'no chat message or transfer held to tamper with: write one first' };
    return { kind: 'tamper', parts: [this.#send(`${target.kind} #${target.seq} of ${target.author.slice(0, 8)}, body changed`, [tampered], 'bad_signature')] };
  }

  /** Old events again: an exact copy, an old admin control event moved to the top, another room's event. */
  replay(): AttackRun {
    const node = this.#port.node;
    const parts: AttackPart[] = [];
    const old = pickReplayTarget(this.#heldEvents(), node.admin) ?? this.#oldestHeld();
    if (old) parts.push(this.#send(`exact copy of ${old.kind} #${old.seq}`, [old], 'duplicate'));
    if (old && node.admin !== undefined && old.author === node.admin) {
      parts.push(this.#send(`${old.kind} #${old.seq} (epoch ${(old.body as { epoch?: number }).epoch}) replayed as the admin's newest`, [asNewest(old, node.store.highestSeq(node.admin))], 'bad_epoch'));
    }
    const elsewhere = signedForRoom(`${node.room}~elsewhere`, this.#position(), 1, `${this.#port.name} signed this for another room`, this.#port.signer);
    parts.push(this.#send('event this key signed for another room', [elsewhere], 'wrong_room'));
    return { kind: 'replay', parts, ...(old ? {} : { note: 'no event held yet to replay' }) };
  }

  /** Two events for one of this key's sequence numbers, each to a different half of the links. */
  equivocate(): AttackRun {
    const node = this.#port.node;
    const seq = Math.max(node.lastSeq, node.store.highestSeq(node.id)) + 1;
    const [a, b] = equivocation(this.#position(), seq, [`${this.#port.name} #${seq}: I pay Alice`, `${this.#port.name} #${seq}: I pay Bob`], this.#port.signer, this.#port.name);
    const routes = this.#routes(a);
    if (routes.length === 0) return { kind: 'equivocate', parts: [], note: 'no link carries data in this mode right now' };
    // This page holds one side itself, like an honest author would, so its own next write moves past seq.
    this.#port.keepOwn(a);
    const [left, right] = halves(routes);
    const other = right.length > 0 ? right : left; // one link (client-server): both sides to the same receiver
    const sentA = left.filter((link) => this.#port.sendRaw(link, eventsMessage([a]))).length;
    const sentB = other.filter((link) => this.#port.sendRaw(link, eventsMessage([b]))).length;
    return {
      kind: 'equivocate',
      parts: [
        { label: `#${seq} "I pay Alice"`, sent: sentA, links: left.length, expect: 'equivocation' },
        { label: `#${seq} "I pay Bob"`, sent: sentB, links: other.length, expect: 'equivocation' },
      ],
    };
  }

  /**
   * Many small messages as fast as this page can put them on each data link (peer links; the server link in
   * client-server). `progress` is called as it goes; it ends when every link has `perLink` or is gone.
   */
  async flood(perLink: number, now: () => number, progress: (stats: FloodStats) => void): Promise<AttackRun> {
    const node = this.#port.node;
    const peerLinks = [...node.links()].filter(([, link]) => isPeerLink(link.kind));
    const chosen = peerLinks.length > 0 ? peerLinks : [...node.links()].filter(([, link]) => link.kind === 'server');
    if (chosen.length === 0) return { kind: 'flood', parts: [], note: 'no link to flood' };
    const targets: FloodTarget[] = chosen.map(([link, state]) => (state.peer !== undefined && isPeerLink(state.kind) ? { link, peer: state.peer, sent: 0 } : { link, sent: 0 }));
    const declinesBefore: Record<string, number> = {};
    for (const target of targets) if (target.peer !== undefined) declinesBefore[target.peer] = this.#port.declines(target.peer);
    const stats: FloodStats = { perLink, targets, sent: 0, elapsedMs: 0, declinesBefore };
    const started = now();
    const noteCloses = (): void => {
      for (const target of targets) if (target.closedAfterMs === undefined && !node.links().has(target.link)) target.closedAfterMs = now() - started;
    };
    for (;;) {
      noteCloses();
      const live = targets.filter((target) => target.closedAfterMs === undefined && target.sent < perLink);
      if (live.length === 0) break;
      for (const target of live) {
        const batch = Math.min(FLOOD_CHUNK, perLink - target.sent);
        for (let i = 0; i < batch; i++) {
          if (!this.#port.sendRaw(target.link, FLOOD_MESSAGE)) break;
          target.sent++;
          stats.sent++;
        }
      }
      stats.elapsedMs = now() - started;
      progress(stats);
      await nextTurn(); // lets the transports deliver, and a victim's close reach this page
    }
    stats.elapsedMs = now() - started;
    const settleUntil = now() + FLOOD_SETTLE_MS;
    while (targets.some((target) => target.closedAfterMs === undefined) && now() < settleUntil) {
      await delay(SETTLE_POLL_MS);
      noteCloses();
      progress(stats);
    }
    // Dropped links: try once to come back right away (a victim that banned this key declines).
    for (const target of targets) if (target.peer !== undefined && target.closedAfterMs !== undefined) this.#port.offer(target.peer);
    progress(stats);
    return { kind: 'flood', parts: [{ label: 'ping messages', sent: stats.sent, links: targets.length, expect: 'rate_limited' }], flood: stats };
  }

  // ---- helpers ----

  #position(): Position {
    return { room: this.#port.node.room, lamport: this.#port.node.store.maxLamport + 1 };
  }

  #heldEvents(): SignedEvent[] {
    return [...this.#port.node.store.events()].map((stored) => stored.event);
  }

  #oldestHeld(): SignedEvent | undefined {
    let oldest: SignedEvent | undefined;
    for (const event of this.#heldEvents()) if (oldest === undefined || event.lamport < oldest.lamport) oldest = event;
    return oldest;
  }

  /** A member to impersonate: a linked peer first, else any other author held. */
  #someMember(): string | undefined {
    const node = this.#port.node;
    for (const link of node.links().values()) if (link.peer !== undefined && isPeerLink(link.kind)) return link.peer;
    for (const event of this.#heldEvents()) if (event.author !== node.id && event.author !== node.admin) return event.author;
    return undefined;
  }

  /** The links the room's mode routes this event over (as honest gossip would send it). */
  #routes(event: SignedEvent): string[] {
    const node = this.#port.node;
    const cls = eventClass(event.kind);
    return [...node.links()].filter(([, link]) => carries(carriage(node.mode, link.kind), cls)).map(([id]) => id);
  }

  #send(label: string, events: readonly SignedEvent[], expect: string): AttackPart {
    const routes = this.#routes(events[0]!);
    const data = eventsMessage(events);
    const sent = routes.filter((link) => this.#port.sendRaw(link, data)).length;
    return { label, sent, links: routes.length, expect };
  }
}

/** Yields to the event loop (a macrotask), so incoming events are handled between flood chunks. */
function nextTurn(): Promise<void> {
  return delay(0);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
