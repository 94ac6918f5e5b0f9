/**
 * Follows the admin's churn generator for one peer: at each slot of the shared schedule
 * (`churnSchedule.ts`) it works out who leaves; when that is this peer, it really leaves (the host closes
 * its WebRTC links and its server connection, keeping identity and store), stays away `downMs`, then
 * rejoins and times its catch-up. Lives in the driver, not the engine, because it needs timers.
 *
 * Catch-up time, as measured here: from the rejoin (the moment this peer reconnects) until the first
 * time a peer partner's summary (its hello or an anti-entropy reply) names nothing this peer lacks —
 * i.e. until anti-entropy with the room has finished. Events written by others after that arrive by push.
 */
import { churnSlot, churnVictim, type ChurnPlan } from '@peerlab/shared';
import type { WallClock } from './wallClock.ts';

export interface ChurnHost {
  readonly self: string;
  /** Keys of the room's members as this peer sees them, itself included. */
  candidates(): string[];
  suspend(): void;
  resume(): void;
  /** The engine's `eventsBehindPartners()`: 0 once a partner reported nothing we lack. */
  behind(): number | undefined;
  changed(): void;
}


export class ChurnFollower {
  #plan: ChurnPlan | null = null;
  /** The victim of each slot, fixed when the slot starts (the roster changes once the victim is gone). */
  #slot: { index: number; victim: string | undefined } | undefined;
  #away = false;
  #cycles = 0;
  #catchupMs: number | undefined;
  #rejoinedAt: number | undefined;
  #cancel: () => void = () => undefined;
  readonly #host: ChurnHost;
  readonly #clock: WallClock;

  constructor(host: ChurnHost, clock: WallClock) {
    this.#host = host;
    this.#clock = clock;
  }

  get plan(): ChurnPlan | null {
    return this.#plan;
  }

  /** Whether this peer is away right now (left by the schedule). */
  get away(): boolean {
    return this.#away;
  }

  /** Leave/rejoin cycles this peer went through. */
  get cycles(): number {
    return this.#cycles;
  }

  /** How long the last rejoin took to catch up, once it has. */
  get catchupMs(): number | undefined {
    return this.#catchupMs;
  }

  /** Whether a catch-up is being timed. */
  get catchingUp(): boolean {
    return this.#rejoinedAt !== undefined;
  }

  /** The member the schedule has away now, if any. */
  awayPeer(): string | undefined {
    if (!this.#plan) return undefined;
    const now = this.#clock.now();
    const slot = churnSlot(this.#plan, now);
    return now < slot.downUntil ? this.#victimOf(slot.index) : undefined;
  }

  /** A new plan from the engine (null: churn stopped). Acts on the next turn, outside the engine's input. */
  follow(plan: ChurnPlan | null): void {
    if (plan?.id === this.#plan?.id) return;
    this.#cancel();
    this.#plan = plan;
    this.#slot = undefined;
    this.#cancel = this.#clock.after(0, () => (plan ? this.#onSlot() : this.#away && this.#comeBack()));
  }

  /** Called after every engine input: ends the catch-up timing once nothing is missing. */
  observe(): void {
    if (this.#rejoinedAt === undefined || this.#host.behind() !== 0) return;
    this.#catchupMs = this.#clock.now() - this.#rejoinedAt;
    this.#rejoinedAt = undefined;
  }

  stop(): void {
    this.#cancel();
    this.#plan = null;
  }

  #victimOf(index: number): string | undefined {
    if (this.#slot?.index !== index && this.#plan) this.#slot = { index, victim: churnVictim(this.#plan, this.#host.candidates(), index) };
    return this.#slot?.victim;
  }

  #onSlot(): void {
    if (!this.#plan) return;
    const now = this.#clock.now();
    const slot = churnSlot(this.#plan, now);
    if (!this.#away && now < slot.downUntil && this.#victimOf(slot.index) === this.#host.self) {
      this.#away = true;
      this.#host.suspend();
      this.#host.changed();
      this.#cancel = this.#clock.after(slot.downUntil - now, () => {
        this.#comeBack();
        this.#arm();
      });
      return;
    }
    this.#victimOf(slot.index);
    this.#arm();
  }

  #arm(): void {
    if (!this.#plan) return;
    const now = this.#clock.now();
    this.#cancel = this.#clock.after(churnSlot(this.#plan, now).next - now, () => this.#onSlot());
  }

  #comeBack(): void {
    this.#away = false;
    this.#cycles++;
    this.#rejoinedAt = this.#clock.now();
    this.#host.resume();
    this.#host.changed();
  }
}
