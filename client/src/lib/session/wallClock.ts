/**
 * Wall-clock time and timers, for the collaborators of a session that wait on them (the churn follower, the
 * fault stage, the sequence-number saver); tests hand them a clock they drive. The engine has none: it is
 * told the time.
 */
export interface WallClock {
  now(): number;
  /** Runs `run` after `ms`; the returned function cancels it. */
  after(ms: number, run: () => void): () => void;
}

/** The platform's own clock and timers. */
export const WALL_CLOCK: WallClock = {
  now: () => Date.now(),
  after: (ms, run) => {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};
