/**
 * What every simulated spread counts, whichever protocol runs: messages sent, those that carried the
 * update, and receptions of something already held. The classic epidemics (rumor.ts, antiEntropy.ts)
 * also count, per cycle, who holds the one update and when each got it (EpidemicTally); the engine
 * runs (peerlab.ts) keep the same three counters and track who holds what in deliveries.ts.
 */

export interface SpreadCounts {
  /** Every message sent, including requests and summaries that carried no update. */
  readonly messages: number;
  /** Messages that carried the update (the paper's traffic m, times n). */
  readonly updateMessages: number;
  /** Update receptions by a site that already held it. */
  readonly duplicates: number;
}

export class SpreadCounter implements SpreadCounts {
  messages = 0;
  updateMessages = 0;
  duplicates = 0;
}

/** The traffic figures of a run, per site: messages, update messages, and duplicates per first delivery. */
export interface TrafficPerNode {
  readonly messagesPerNode: number;
  readonly trafficPerNode: number;
  readonly duplicatesPerDelivery: number;
}

/** `nodes`: the sites traffic is shared over; `deliveries`: first receptions other than the origin's own. */
export function trafficPerNode(counts: SpreadCounts, nodes: number, deliveries: number): TrafficPerNode {
  return {
    messagesPerNode: counts.messages / nodes,
    trafficPerNode: counts.updateMessages / nodes,
    duplicatesPerDelivery: deliveries > 0 ? counts.duplicates / deliveries : 0,
  };
}

/**
 * A classic epidemic's tally for one update that starts at one site: the spread counters plus how many
 * sites hold it, when they first got it (in cycles) and how many held it at the end of each cycle.
 */
export class EpidemicTally extends SpreadCounter {
  informed = 1;
  /** Sum over informed sites, the origin excluded, of the cycle they first received the update. */
  receiveTimeSum = 0;
  /** Cycle of the last first reception. */
  lastReceive = 0;
  /** informedByRound[r]: sites holding the update at the end of cycle r (r = 0 is the start). */
  readonly informedByRound: number[] = [1];

  /** An update message reached a site in `cycle`; `first`: the site did not hold it. */
  received(first: boolean, cycle: number): void {
    this.updateMessages++;
    if (!first) {
      this.duplicates++;
      return;
    }
    this.informed++;
    this.receiveTimeSum += cycle;
    this.lastReceive = cycle;
  }

  endCycle(): void {
    this.informedByRound.push(this.informed);
  }
}
