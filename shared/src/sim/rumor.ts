/**
 * Rumor mongering, the "complex epidemic" of Demers et al., "Epidemic Algorithms for Replicated
 * Database Maintenance" (PODC 1987), section 1.4, on typed arrays so that n = 100,000 runs in seconds.
 *
 * A site is susceptible (never heard the update), infective (holds it as a hot rumor and spreads it) or
 * removed (holds it, lost interest). The update starts at site 0. Time runs in synchronous cycles, and
 * these within-cycle rules are the ones that reproduce the paper's Tables 1–3 (residue, traffic and
 * t_last within sampling error; see shared/test/sim/rumor.test.ts):
 * - Everyone acts on the state at the start of the cycle: only sites infective at its start send, a site
 *   infected during cycle c first sends in cycle c + 1, and a partner "already knew" only if it knew at
 *   the start of the cycle (two sites that push to the same susceptible site in one cycle are both
 *   necessary).
 * - push: every infective site sends the update to one site chosen uniformly at random.
 *   pull: every site (whatever its state) asks one random site; an infective partner sends the update.
 * - Loss of interest is decided once per cycle, per infective site, from that cycle's contacts:
 *   feedback: a cycle with at least one necessary contact resets the counter; a cycle whose contacts were
 *   all unnecessary adds one (counter: removed after k such cycles in a row) or removes the site with
 *   probability 1/k (coin).
 *   blind: every cycle in which the site sent the update counts, whatever the recipients knew (counter:
 *   removed after k sending cycles; coin: with probability 1/k after each).
 *   For push (one contact per cycle) this is simply "after k unnecessary contacts in a row". Counting
 *   every unnecessary pull separately, or not resetting, gives visibly worse residue than the paper's.
 * - The run ends when no site is infective. Traffic counts update messages (not pull requests).
 */
import type { Rng } from '../ports/ports.ts';
import { runResultOf, type RunResult } from './runResult.ts';
import { NEVER, otherSite } from './sites.ts';
import { EpidemicTally } from './spread.ts';

export type Direction = 'push' | 'pull';
export type Removal = 'feedback' | 'blind';
export type Interest = 'counter' | 'coin';

export interface RumorParams {
  readonly nodes: number;
  readonly direction: Direction;
  readonly removal: Removal;
  readonly interest: Interest;
  /** Counter: cycles of (unnecessary, or any for blind) contact before losing interest; coin: 1/k chance. */
  readonly k: number;
}

/** Bounds a run that would not end by itself (it always does for k >= 1; this guards against bugs). */
const MAX_CYCLES = 100_000;

const INFECTIVE = 1;
const REMOVED = 2;

export function runRumor(params: RumorParams, rng: Rng): RunResult {
  const { nodes: n, direction, removal, interest, k } = params;
  /** 0 = susceptible, INFECTIVE or REMOVED. */
  const state = new Uint8Array(n);
  const counter = new Uint32Array(n);
  const receivedAt = new Int32Array(n).fill(NEVER);
  /** Per infective site, this cycle: bit 1 = sent to someone who needed it, bit 2 = sent uselessly. */
  const outcome = new Uint8Array(n);
  let hot = new Int32Array(n);
  let next = new Int32Array(n);
  /** Sites infected during the current cycle; they join `hot` at its end. */
  const fresh = new Int32Array(n);
  let freshCount = 0;
  let hotCount = 1;
  hot[0] = 0;
  state[0] = INFECTIVE;
  receivedAt[0] = 0;
  const tally = new EpidemicTally();

  /** True when `site` did not know at the start of `cycle` (it may have been infected earlier in it). */
  const deliver = (site: number, cycle: number): boolean => {
    const at = receivedAt[site]!;
    tally.received(at === NEVER, cycle);
    if (at === NEVER) {
      receivedAt[site] = cycle;
      state[site] = INFECTIVE;
      fresh[freshCount++] = site;
      return true;
    }
    return at === cycle;
  };

  for (let cycle = 1; hotCount > 0 && cycle <= MAX_CYCLES; cycle++) {
    freshCount = 0;
    if (direction === 'push') {
      for (let h = 0; h < hotCount; h++) {
        const site = hot[h]!;
        tally.messages++;
        outcome[site] = deliver(otherSite(rng, n, site), cycle) ? 1 : 2;
      }
    } else {
      for (let site = 0; site < n; site++) {
        const partner = otherSite(rng, n, site);
        tally.messages++;
        // Only a partner infective at the start of the cycle answers (the newly infected are not in `hot` yet).
        if (state[partner] !== INFECTIVE || receivedAt[partner] === cycle) continue;
        tally.messages++;
        outcome[partner]! |= deliver(site, cycle) ? 1 : 2;
      }
    }
    // Loss of interest, once per site per cycle, then the infective list for the next cycle.
    let survivors = 0;
    for (let h = 0; h < hotCount; h++) {
      const site = hot[h]!;
      const seen = outcome[site]!;
      outcome[site] = 0;
      if (losesInterest(site, seen)) {
        state[site] = REMOVED;
        continue;
      }
      next[survivors++] = site;
    }
    next.set(fresh.subarray(0, freshCount), survivors);
    [hot, next] = [next, hot];
    hotCount = survivors + freshCount;
    tally.endCycle();
  }

  function losesInterest(site: number, seen: number): boolean {
    const counts = removal === 'blind' ? seen !== 0 : seen === 2;
    if (removal === 'feedback' && (seen & 1) !== 0) counter[site] = 0;
    if (!counts) return false;
    if (interest === 'coin') return rng.next() < 1 / k;
    counter[site]!++;
    return counter[site]! >= k;
  }

  return runResultOf(n, tally);
}
