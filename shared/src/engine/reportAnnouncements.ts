/**
 * Report announcements (`rhave`) waiting to go out, batched per link. Every peer of a busy room reports
 * about once a second and each report is announced over every link it did not come from, so sent one by
 * one the announcements were a third of a busy room's messages (13 per chat event in a room of 8), each a
 * data-channel send that costs the page a millisecond or more. A link quiet for ANNOUNCE_GAP_MS announces
 * at once; after that, what comes within the gap waits and goes as one message, newest seq per origin.
 * Pure bookkeeping on the node's clock; the node sends.
 */
import { MAX_ANNOUNCED_REPORTS } from './messages.ts';

/**
 * Shortest time between two announcements over one link. Longer batches more; a report waits at most
 * this long per hop, against a report cadence of one a second.
 */
export const ANNOUNCE_GAP_MS = 500;

interface LinkAnnouncements {
  /** origin -> newest seq to announce */
  readonly pending: Map<string, number>;
  /** When this link last carried an announcement (undefined: never). */
  sentAt: number | undefined;
}

export class ReportAnnouncements {
  readonly #gapMs: number;
  readonly #links = new Map<string, LinkAnnouncements>();

  constructor(gapMs = ANNOUNCE_GAP_MS) {
    this.#gapMs = gapMs;
  }

  /** Reports to announce over `link`: merged with what already waits there, newest seq per origin. */
  add(link: string, reports: readonly (readonly [string, number])[]): void {
    let entry = this.#links.get(link);
    if (!entry) {
      entry = { pending: new Map(), sentAt: undefined };
      this.#links.set(link, entry);
    }
    for (const [origin, seq] of reports) if ((entry.pending.get(origin) ?? 0) < seq) entry.pending.set(origin, seq);
  }

  /** When the next batch may go, if one waits: O(links). */
  get due(): number | undefined {
    let due: number | undefined;
    for (const { pending, sentAt } of this.#links.values()) {
      if (pending.size === 0) continue;
      const at = sentAt === undefined ? -Infinity : sentAt + this.#gapMs;
      due = due === undefined ? at : Math.min(due, at);
    }
    return due;
  }

  /** At `now`: per link whose gap has passed, the reports to announce (at most MAX_ANNOUNCED_REPORTS a message). */
  take(now: number): [string, [string, number][]][] {
    const batches: [string, [string, number][]][] = [];
    for (const [link, entry] of this.#links) {
      if (entry.pending.size === 0 || (entry.sentAt !== undefined && now < entry.sentAt + this.#gapMs)) continue;
      const reports = [...entry.pending];
      entry.pending.clear();
      entry.sentAt = now;
      for (let i = 0; i < reports.length; i += MAX_ANNOUNCED_REPORTS) batches.push([link, reports.slice(i, i + MAX_ANNOUNCED_REPORTS)]);
    }
    return batches;
  }

  /** The link went: nothing more waits for it. */
  linkDown(link: string): void {
    this.#links.delete(link);
  }
}
