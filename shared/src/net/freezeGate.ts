/**
 * Freeze and step time for a group of drivers (the lab's peers in one tab). While frozen, each driver
 * hands its inputs from the outside (messages received, verification results) to the gate instead of
 * applying them; `step` applies the oldest one (group-wide arrival order), `resume` applies them all in
 * order and lets time run again.
 *
 * The gate is also the group's clock: it stops while frozen and resumes where it stopped (wall time minus
 * the frozen spans). The engines' heartbeats and suspicion deadlines are read against it, so a long freeze
 * does not make every link look silent on resume: for the engines no time passed, and what was queued is
 * applied as just heard. The wall clock is injected, so the gate itself reads no clock.
 */
export type GateListener = () => void;

export class FreezeGate {
  readonly #wall: () => number;
  readonly #queue: (() => void)[] = [];
  readonly #listeners = new Set<GateListener>();
  #frozen = false;
  /** Wall time at which the current freeze began. */
  #frozenAt = 0;
  /** Total wall time spent frozen, subtracted from the wall clock. */
  #frozenTotal = 0;
  #draining = false;

  constructor(wall: () => number) {
    this.#wall = wall;
  }

  get frozen(): boolean {
    return this.#frozen;
  }

  /** Inputs waiting to be applied. */
  get queued(): number {
    return this.#queue.length;
  }

  /** The group's time: stops while frozen. */
  now(): number {
    return (this.#frozen ? this.#frozenAt : this.#wall()) - this.#frozenTotal;
  }

  /** Takes an input while frozen (returns true: the caller must not apply it now); else returns false. */
  hold(apply: () => void): boolean {
    if (!this.#frozen || this.#draining) return false;
    this.#queue.push(apply);
    this.#changed();
    return true;
  }

  freeze(): void {
    if (this.#frozen) return;
    this.#frozen = true;
    this.#frozenAt = this.#wall();
    this.#changed();
  }

  /** Applies the oldest waiting input; false when none waits. */
  step(): boolean {
    const next = this.#queue.shift();
    if (!next) return false;
    this.#run(next);
    this.#changed();
    return true;
  }

  /** Applies every waiting input in order (including those they cause to queue), then lets time run. */
  resume(): void {
    if (!this.#frozen) return;
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) this.#run(next);
    this.#frozenTotal += this.#wall() - this.#frozenAt;
    this.#frozen = false;
    this.#changed();
  }

  /** Called on every change (freeze, queue, step, resume); returns an unsubscribe function. */
  subscribe(listener: GateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #run(apply: () => void): void {
    // An input applied by the gate is applied now, even if applying it asks the gate again.
    this.#draining = true;
    try {
      apply();
    } finally {
      this.#draining = false;
    }
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}
