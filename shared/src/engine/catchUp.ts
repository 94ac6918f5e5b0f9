/**
 * Catch-up by pull (protocol 1.2 feature `hello-pull`). A page that returns after missing a lot links
 * with several members at once. Had each hello been answered by pushing what the page lacks, every one of
 * those members would send it the same events (a page that missed 10,000 events received them four
 * times over). Between two nodes that both named the feature, a hello is still answered by a push when
 * the remote lacks little (HELLO_PUSH_MAX: a few events written while the link was being made, which a
 * pull could miss, as the hello that shows them was made before they were); a node that sees in the
 * remote's hello more than PULL_MIN events it lacks asks that one link for them (a `vv` summary with
 * `pull`), and until they arrive it counts them as coming, so the summaries it sends other links meanwhile
 * do not ask for them again. If they stop coming, the expectation lapses and anti-entropy asks anew. The
 * two bounds overlap, so a difference near them is pushed and pulled (a few duplicates) rather than neither.
 *
 * Pure bookkeeping on version vectors and the node's clock.
 */
import type { VersionVector } from './messages.ts';

/** Most events a hello is answered with by a push; more are left to the remote to pull. */
export const HELLO_PUSH_MAX = 64;
/** Fewest events a hello must show lacking for this node to pull them (fewer come by the remote's push). */
export const PULL_MIN = 32;

/** How long a pull may go without bringing an event before what it promised stops counting as coming. */
export const PULL_IDLE_MS = 1500;
/** Longest a pull's promise counts, however it trickles (a remote that claims much and sends little). */
export const PULL_MAX_MS = 30_000;

interface Pull {
  readonly theirs: VersionVector;
  readonly started: number;
  until: number;
}

/** How many events `theirs` names beyond `mine`, among the authors `include` lets through. */
export function countBeyond(theirs: VersionVector, mine: VersionVector, include: (author: string) => boolean): number {
  let count = 0;
  for (const author in theirs) if (theirs[author]! > (mine[author] ?? 0) && include(author)) count += theirs[author]! - (mine[author] ?? 0);
  return count;
}

export class Pulls {
  readonly #byLink = new Map<string, Pull>();

  /** This node asked `link` for what its hello showed (`theirs`). */
  pulling(link: string, theirs: VersionVector, now: number): void {
    this.#byLink.set(link, { theirs, started: now, until: now + PULL_IDLE_MS });
  }

  /** Events came over `link`: its pull is still under way. */
  progress(link: string, now: number): void {
    const pull = this.#byLink.get(link);
    if (pull) pull.until = Math.min(now + PULL_IDLE_MS, pull.started + PULL_MAX_MS);
  }

  linkDown(link: string): void {
    this.#byLink.delete(link);
  }

  /**
   * `held` raised by what the pulls under way promise, for the authors `include` lets through. Even a
   * remote's own events: it would send them again otherwise. It then counts them as held here a little
   * early; they are held where the pull comes from, and anti-entropy asks again if the pull fails.
   */
  expected(held: VersionVector, now: number, include: (author: string) => boolean): VersionVector {
    let raised: VersionVector | undefined;
    for (const [link, pull] of this.#byLink) {
      if (now >= pull.until) {
        this.#byLink.delete(link);
        continue;
      }
      for (const author in pull.theirs) {
        const seq = pull.theirs[author]!;
        if (seq <= ((raised ?? held)[author] ?? 0) || !include(author)) continue;
        raised ??= { ...held };
        raised[author] = seq;
      }
    }
    return raised ?? held;
  }
}
