/**
 * The sequence chart behind a space-time diagram, fed by one or more peers' traces, with a `revision`
 * the diagram redraws on: bumped at most every REDRAW_MS however many messages arrive, so sixteen lab
 * peers cost ten redraws a second. Recording never stops; pausing is the diagram's business.
 */
import { SequenceChart, type MessageTrace } from '@peerlab/shared';

/** Least time between redraws. Shorter animates more smoothly; each redraw re-lays the picture. */
const REDRAW_MS = 100;

export class SpaceTimeModel {
  readonly chart: SequenceChart;
  /** True for one peer's own view: it sees only its own ends of each message. */
  readonly local: boolean;
  revision = $state.raw(0);
  readonly #unsubscribe: (() => void)[] = [];
  #scheduled = false;

  /** `traced`: whether a key is a peer feeding this model (its receives will arrive to match its senders). */
  constructor(local: boolean, traced: (peer: string) => boolean) {
    this.local = local;
    this.chart = new SequenceChart(traced);
  }

  attach(trace: MessageTrace): void {
    this.#unsubscribe.push(
      trace.subscribe((record, data) => {
        this.chart.add(record, data);
        this.#schedule();
      }),
    );
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe.length = 0;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // A timer, not an animation frame: it also runs (more slowly) in a hidden tab.
    setTimeout(() => {
      this.#scheduled = false;
      this.revision = this.chart.revision;
    }, REDRAW_MS);
  }
}
