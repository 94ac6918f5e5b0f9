/**
 * The engine's time for one driver, and the lab's freeze gate as that driver sees it. The clock is the
 * gate's (it stops while frozen) or the wall clock. While frozen, inputs from the outside world are held
 * by the gate (the user's own actions still apply at once), and the engine's wake-up timer is not armed:
 * frozen time reaches no deadline. When time runs again the timer is re-armed.
 */
import type { FreezeGate, Input } from '@peerlab/shared';

/** Inputs from the outside world that a frozen gate holds; the user's own actions still apply at once. */
const GATED_INPUTS: ReadonlySet<Input['type']> = new Set(['message', 'verified']);

/** Whether a frozen gate holds this input. */
export function isGated(input: Input): boolean {
  return GATED_INPUTS.has(input.type);
}

export interface EngineClockOptions {
  readonly gate: FreezeGate | undefined;
  readonly wall: () => number;
  /** The engine's next deadline (`nextWakeup()`), if any. */
  readonly deadline: () => number | undefined;
  /** Called when the deadline is reached (the driver feeds the engine a `tick`). */
  readonly tick: () => void;
}

export class EngineClock {
  readonly #gate: FreezeGate | undefined;
  readonly #wall: () => number;
  readonly #deadline: () => number | undefined;
  readonly #tick: () => void;
  readonly #unsubscribe: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The engine time the armed timer fires at. */
  #armedAt = 0;
  #stopped = false;

  constructor({ gate, wall, deadline, tick }: EngineClockOptions) {
    this.#gate = gate;
    this.#wall = wall;
    this.#deadline = deadline;
    this.#tick = tick;
    // Time runs again after a freeze: timers are re-armed (they are not armed while frozen).
    this.#unsubscribe = gate?.subscribe(() => {
      if (!gate.frozen && this.#timer === undefined) this.arm();
    });
  }

  /** The engine's clock: the lab's gate (stops while frozen), else the wall clock. */
  now(): number {
    return this.#gate ? this.#gate.now() : this.#wall();
  }

  /** True when a frozen gate took the input (it calls `replay` later, in the group's order): skip it now. */
  hold(input: Input, replay: () => void): boolean {
    return isGated(input) && (this.#gate?.hold(replay) ?? false);
  }

  /**
   * Arms the wake-up timer for the engine's next deadline. The driver calls this after every input, so a
   * timer that fires no later than the deadline is kept: it may tick early, find nothing due, and the
   * driver re-arms then. Clearing and setting a timer per input cost a busy page a millisecond in ten.
   */
  arm(): void {
    // Frozen time reaches no deadline: the gate's subscription re-arms on resume.
    if (this.#stopped || this.#gate?.frozen) {
      this.#disarm();
      return;
    }
    const at = this.#deadline();
    if (at === undefined || (this.#timer !== undefined && this.#armedAt <= at)) return;
    this.#disarm();
    this.#armedAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#gate?.frozen) this.#tick();
    }, Math.max(0, at - this.now()));
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#disarm();
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
