/**
 * Push gossip over a tree, as in plumtree (Leitão, Pereira, Rodrigues 2007), so an event costs about one
 * body per member instead of one per link. Every peer link starts eager (bodies are pushed over it). An
 * event that arrives a second time over an eager link shows a cycle: the receiver marks that link lazy and
 * tells the remote (`prune`), which marks it lazy too. What is left eager is a spanning tree that every
 * author's events follow. A lazy link carries only a short, periodic `have`: the ids of the events that
 * entered the store since the last one. A node that hears of an event it neither holds nor is verifying
 * `graft`s that link: it becomes eager again and the remote sends the events named, so a tree cut by a
 * lost link, a race of prunes or a member that drops what it should forward heals within a `have`
 * period. Ids, not version vectors: an equivocation (two events for one slot) is another id, so each
 * half of the room hears of the other's event and the proof reaches everyone.
 *
 * Only remotes that named the `push-tree` feature take part; links to older remotes stay eager (and
 * their duplicates are just counted), so a 1.0 or 1.1 page keeps flooding as it always did. Relayed
 * pairs (through the server) start lazy: the server is not spent on bodies a direct link brings anyway,
 * and a member with no direct link grafts its relay links as soon as it hears of what it lacks.
 *
 * Pure bookkeeping on the link table and the node's clock; the node sends the messages.
 */
import type { LinkState } from './linkTable.ts';
import { isPeerLink } from './linkTable.ts';
import type { StoredEvent } from './store.ts';
import { hasFeature, type ProtocolVersion } from './version.ts';

/**
 * How long after an event a lazy link hears of it, at least (haveDelayFor stretches it with the graft wait).
 * Longer than an eager hop, so a `have` rarely names what the tree is still bringing (a needless graft,
 * then a prune); shorter repairs a cut tree sooner.
 */
export const HAVE_DELAY_MS = 150;
/**
 * The longest `have` period, reached while grafts wait long (GraftWait, half its wait): a lazy link that
 * would be grafted only after a second or more need not hear every 150 ms, so a saturated room sends a
 * fifth of the announcements, each naming more ids.
 */
export const HAVE_DELAY_MAX_MS = 750;

/** The `have` period that goes with a graft wait: half of it, within [HAVE_DELAY_MS, HAVE_DELAY_MAX_MS]. */
export function haveDelayFor(graftWaitMs: number): number {
  return Math.min(HAVE_DELAY_MAX_MS, Math.max(HAVE_DELAY_MS, graftWaitMs / 2));
}

/**
 * How long an event a lazy link announced may still take over the tree before that link is grafted for it,
 * at least (and at first): GraftWait stretches it while grafts turn out needless. A graft makes the link
 * eager, so grafting at once whenever the tree was slower than the `have` (a busy page, a long path)
 * flapped links between eager and lazy and multiplied duplicates under load; plumtree waits the same way.
 * A tree cut for real heals the `have` period (haveDelayFor) + the wait after an event.
 */
export const GRAFT_WAIT_MS = 200;
/** The longest the graft wait stretches: what a cut tree may cost under load before it heals. */
export const GRAFT_WAIT_MAX_MS = 1500;
/** How long a graft waits for its verdict, the first copy of what it asked for. */
export const GRAFT_VERDICT_MS = 2000;

/** How long a graft waits for the events it named before it asks again (a lost graft or answer, on a faulty link). */
export const GRAFT_RETRY_MS = 500;
/** How often one id is asked again of the link that announced it; anti-entropy repairs what is left. */
export const GRAFT_RETRIES = 4;

/** Whether this link takes part in the tree: a peer link whose ends both named the feature. */
export function inTree(link: LinkState): boolean {
  return isPeerLink(link.kind) && link.tree === true;
}

/** At the hello: whether a link between these versions takes part in the tree. */
export function treeBetween(local: ProtocolVersion, remote: ProtocolVersion): boolean {
  return hasFeature(local, 'push-tree') && hasFeature(remote, 'push-tree');
}

/** Whether bodies go over this link: links outside the tree always, tree links while not lazy. */
export function isEager(link: LinkState): boolean {
  return !inTree(link) || link.lazy !== true;
}

/**
 * A duplicate came over `linkId`: whether to prune it. Only an eager tree link, and never the last eager
 * one, so a node cut off by a race of prunes is not left waiting for the next `have` to graft.
 */
export function shouldPrune(links: ReadonlyMap<string, LinkState>, linkId: string): boolean {
  const link = links.get(linkId);
  if (!link || !inTree(link) || link.lazy === true) return false;
  for (const [id, other] of links) if (id !== linkId && isPeerLink(other.kind) && !other.refused && isEager(other)) return true;
  return false;
}

/**
 * After a remote pruned this node: when no eager peer link is left, the lazy tree links one of which to
 * graft, so this node stays on the tree instead of waiting for every event's `have`. Empty otherwise.
 */
export function graftCandidates(links: ReadonlyMap<string, LinkState>): string[] {
  const candidates: string[] = [];
  for (const [id, link] of links) {
    if (!isPeerLink(link.kind) || link.refused) continue;
    if (isEager(link)) return [];
    if (inTree(link)) candidates.push(id);
  }
  return candidates;
}

/**
 * Eager relayed tree links to prune now that an eager direct link exists: bodies then come peer to peer,
 * and the server relays only announcements. Empty while no direct link is eager.
 */
export function relaysToPrune(links: ReadonlyMap<string, LinkState>): string[] {
  let direct = false;
  const relays: string[] = [];
  for (const [id, link] of links) {
    if (link.refused || !isEager(link)) continue;
    if (link.kind === 'direct') direct = true;
    else if (link.kind === 'relay' && inTree(link)) relays.push(id);
  }
  return direct ? relays : [];
}

/** How a tree link starts once its remote's hello names the feature: a relayed pair lazy, a direct one eager. */
export function startsLazy(link: LinkState): boolean {
  return inTree(link) && link.kind === 'relay';
}

/**
 * How long an event counts as still spreading over the tree: an anti-entropy answer over a tree link leaves
 * it out (the tree, or a graft, brings it; sent again it would only arrive as a duplicate). Longer saves
 * more duplicates under load; anti-entropy repairs an event the tree lost no sooner than this after it.
 */
export const SPREADING_MS = 1000;

/** Ids of the events that entered the store in the last SPREADING_MS. */
export class Spreading {
  readonly #windowMs: number;
  readonly #queue: { readonly id: string; readonly at: number }[] = [];
  readonly #ids = new Set<string>();

  constructor(windowMs = SPREADING_MS) {
    this.#windowMs = windowMs;
  }

  note(id: string, now: number): void {
    this.#forget(now);
    this.#queue.push({ id, at: now });
    this.#ids.add(id);
  }

  /** Whether the event entered the store less than the window before `now`. */
  has(id: string, now: number): boolean {
    this.#forget(now);
    return this.#ids.has(id);
  }

  #forget(now: number): void {
    while (this.#queue.length > 0 && this.#queue[0]!.at <= now - this.#windowMs) this.#ids.delete(this.#queue.shift()!.id);
  }
}

/**
 * The events lazy links have not heard of yet, and when to tell them: one `have` per lazy link per
 * period at most (`delayMs`, read when a round starts), and none while nothing is new.
 */
export class HaveSchedule {
  readonly #delayMs: () => number;
  /** New events since the last round, with the link each came from (which holds it already). */
  readonly #news: { readonly stored: StoredEvent; readonly source: string | undefined }[] = [];
  #due: number | undefined;

  constructor(delayMs: () => number = () => HAVE_DELAY_MS) {
    this.#delayMs = delayMs;
  }

  /** When the next `have` round is due, if something is new. */
  get due(): number | undefined {
    return this.#due;
  }

  /** An event entered the store (or, for an equivocation, its proof did) at `now`. */
  note(stored: StoredEvent, source: string | undefined, now: number): void {
    this.#news.push({ stored, source });
    this.#due ??= now + this.#delayMs();
  }

  /**
   * At `now`, if due: for each lazy tree link, the ids of the new events it may carry (`carries`), but for
   * the one it sent us. Not skipped where its summary covers the slot: that may be the other event of an
   * equivocation. Empty when not due.
   */
  take(now: number, links: ReadonlyMap<string, LinkState>, carries: (link: LinkState, stored: StoredEvent) => boolean): [string, string[]][] {
    if (this.#due === undefined || now < this.#due) return [];
    const news = this.#news.splice(0);
    this.#due = undefined;
    const haves: [string, string[]][] = [];
    for (const [linkId, link] of links) {
      if (!inTree(link) || link.lazy !== true || link.refused) continue;
      const ids = news
        .filter(({ stored, source }) => source !== linkId && carries(link, stored))
        .map(({ stored }) => stored.id);
      if (ids.length > 0) haves.push([linkId, ids]);
    }
    return haves;
  }
}

/**
 * Ids lazy links announced that this node lacks, with the first link that did: grafted once they have been
 * missing the graft wait (`waitMs`, read at each call). Insertion order is the order heard, so the first
 * entry is the next one due.
 */
export class AnnouncedMissing {
  readonly #missing = new Map<string, { readonly link: string; readonly at: number }>();
  readonly #waitMs: () => number;

  constructor(waitMs: () => number = () => GRAFT_WAIT_MS) {
    this.#waitMs = waitMs;
  }

  heard(ids: readonly string[], link: string, now: number): void {
    for (const id of ids) if (!this.#missing.has(id)) this.#missing.set(id, { link, at: now });
  }

  /** When the oldest announcement is due (it may be held by then: `take` forgets it). */
  get due(): number | undefined {
    const first = this.#missing.values().next();
    return first.done ? undefined : first.value.at + this.#waitMs();
  }

  /**
   * At `now`: per link, the ids still missing the graft wait after it announced them; held ids and links
   * gone are forgotten. Stops at the first entry not due (all later ones were heard later), so a call
   * costs what it takes, not everything announced.
   */
  take(now: number, holds: (id: string) => boolean, linkUp: (link: string) => boolean): Map<string, string[]> {
    const graft = new Map<string, string[]>();
    const waitMs = this.#waitMs();
    for (const [id, { link, at }] of this.#missing) {
      if (holds(id) || !linkUp(link)) {
        this.#missing.delete(id);
        continue;
      }
      if (now < at + waitMs) break;
      this.#missing.delete(id);
      graft.set(link, [...(graft.get(link) ?? []), id]);
    }
    return graft;
  }
}

/**
 * Ids a graft asked for and not held yet, with the link that announced them: asked again every
 * GRAFT_RETRY_MS (GRAFT_RETRIES times at most) while that link is up, so a lost graft or answer costs
 * half a second instead of an anti-entropy round that may pick another link. Empty in the common case.
 */
export class PendingGrafts {
  readonly #asked = new Map<string, { link: string; at: number; tries: number }>();

  asked(ids: readonly string[], link: string, now: number): void {
    for (const id of ids) this.#asked.set(id, { link, at: now, tries: this.#asked.get(id)?.tries ?? 0 });
  }

  /** When the next retry is due, if any graft is pending. */
  get due(): number | undefined {
    let due: number | undefined;
    for (const { at } of this.#asked.values()) due = Math.min(due ?? Infinity, at + GRAFT_RETRY_MS);
    return due;
  }

  /** At `now`: per link, the ids to ask again; held ids, links gone and exhausted ids are forgotten. */
  take(now: number, holds: (id: string) => boolean, linkUp: (link: string) => boolean): Map<string, string[]> {
    const again = new Map<string, string[]>();
    for (const [id, graft] of this.#asked) {
      if (holds(id) || !linkUp(graft.link) || graft.tries >= GRAFT_RETRIES) {
        this.#asked.delete(id);
        continue;
      }
      if (now < graft.at + GRAFT_RETRY_MS) continue;
      graft.at = now;
      graft.tries++;
      again.set(graft.link, [...(again.get(graft.link) ?? []), id]);
    }
    return again;
  }
}

/** A graft awaiting its verdict. */
interface OpenGraft {
  readonly at: number;
  readonly link: string;
  readonly ids: readonly string[];
  judged: boolean;
}

/**
 * The graft wait, adapted to how late the tree is. A graft is judged by the first copy of what it asked
 * for: needless when another link brought it first (the tree was only slow, as on a busy page: the graft
 * cost a duplicate and a flap), useful when the grafted link did (the tree was cut, or the lazy path is the
 * faster one and the graft made it part of the tree). A needless graft stretches the wait by a quarter, a
 * useful one shortens it by a fifth, within [GRAFT_WAIT_MS, GRAFT_WAIT_MAX_MS]: a saturated room stops
 * flapping, a room whose tree can be improved keeps grafting early. Costs a map lookup per event copy
 * received, and memory for the grafts of the last GRAFT_VERDICT_MS.
 */
export class GraftWait {
  #waitMs = GRAFT_WAIT_MS;
  /** Grafts awaiting their first copy, oldest first. */
  readonly #open: OpenGraft[] = [];
  readonly #byId = new Map<string, OpenGraft>();
  #needless = 0;
  #useful = 0;

  get waitMs(): number {
    return this.#waitMs;
  }

  /** Grafts judged so far: how many asked for what the tree brought first, and how many brought it first. */
  get verdicts(): { readonly needless: number; readonly useful: number } {
    return { needless: this.#needless, useful: this.#useful };
  }

  grafted(ids: readonly string[], link: string, now: number): void {
    this.#expire(now);
    const graft: OpenGraft = { at: now, link, ids, judged: false };
    this.#open.push(graft);
    for (const id of ids) this.#byId.set(id, graft);
  }

  /** A copy of event `id` came over `link` (new or a duplicate). */
  arrived(id: string, link: string, now: number): void {
    const graft = this.#byId.get(id);
    if (!graft) return;
    this.#forget(graft);
    if (graft.judged) return;
    graft.judged = true;
    if (link === graft.link) {
      this.#useful++;
      this.#waitMs = Math.max(GRAFT_WAIT_MS, this.#waitMs * 0.8);
    } else {
      this.#needless++;
      this.#waitMs = Math.min(GRAFT_WAIT_MAX_MS, this.#waitMs * 1.25);
    }
    this.#expire(now);
  }

  #forget(graft: OpenGraft): void {
    for (const id of graft.ids) if (this.#byId.get(id) === graft) this.#byId.delete(id);
  }

  #expire(now: number): void {
    while (this.#open.length > 0 && this.#open[0]!.at + GRAFT_VERDICT_MS <= now) this.#forget(this.#open.shift()!);
  }
}
