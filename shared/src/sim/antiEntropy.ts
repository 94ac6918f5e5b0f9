/**
 * Anti-entropy, the "simple epidemic" of Demers et al. (1987), section 1.3, for one update: every cycle
 * every site contacts one site chosen uniformly at random and they reconcile — push (the caller sends what
 * it holds), pull (the caller fetches what its partner holds) or push-pull (both). Sites never lose
 * interest, so the run ends when every site holds the update.
 *
 * As in rumor.ts, a cycle acts on the state at its start: a site that receives the update in cycle c
 * passes it on from cycle c + 1. With that rule push from one site needs log2(n) + ln(n) + O(1) cycles
 * (Pittel 1987, "On spreading a rumor"), pull log2(n) + O(ln ln n) and push-pull log3(n) + O(ln ln n)
 * (Karp et al. 2000, "Randomized rumor spreading").
 */
import type { Rng } from '../ports/ports.ts';
import { runResultOf, type RunResult } from './runResult.ts';
import { NEVER, otherSite } from './sites.ts';
import { EpidemicTally } from './spread.ts';

export type Exchange = 'push' | 'pull' | 'push-pull';

export interface AntiEntropyParams {
  readonly nodes: number;
  readonly exchange: Exchange;
}

/** Bounds a run; a complete network of n >= 2 sites is informed long before (about 2 log2 n cycles). */
const MAX_CYCLES = 10_000;

export function runAntiEntropy(params: AntiEntropyParams, rng: Rng): RunResult {
  const { nodes: n, exchange } = params;
  const receivedAt = new Int32Array(n).fill(NEVER);
  receivedAt[0] = 0;
  const tally = new EpidemicTally();
  const pushes = exchange !== 'pull';
  const pulls = exchange !== 'push';
  // Each contact is one message for push (the caller's summary and data), a request and a reply otherwise.
  const messagesPerContact = exchange === 'push' ? 1 : 2;

  /** Whether `site` held the update at the start of `cycle`. */
  const held = (site: number, cycle: number): boolean => {
    const at = receivedAt[site]!;
    return at !== NEVER && at < cycle;
  };
  const receive = (site: number, cycle: number): void => {
    const first = receivedAt[site] === NEVER;
    tally.received(first, cycle);
    if (first) receivedAt[site] = cycle;
  };

  for (let cycle = 1; tally.informed < n && cycle <= MAX_CYCLES; cycle++) {
    for (let site = 0; site < n; site++) {
      const partner = otherSite(rng, n, site);
      tally.messages += messagesPerContact;
      const mine = held(site, cycle);
      const theirs = held(partner, cycle);
      // Reconciliation sends only what the other side lacks (compared as of the cycle's start).
      if (pushes && mine && !theirs) receive(partner, cycle);
      if (pulls && theirs && !mine) receive(site, cycle);
    }
    tally.endCycle();
  }
  return runResultOf(n, tally);
}
