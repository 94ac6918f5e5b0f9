/**
 * The teacher's classroom controls as one peer carries them out: the fault stage (the admin's fault
 * rules, applied to what this peer sends on peer links) and the churn follower (this peer leaves and
 * rejoins when the shared schedule picks it). Both need timers, so they live beside the engine, not in it;
 * the engine only tells them the rules and the plan (its `faults` and `churn` outputs).
 */
import { FaultStage, seededRng } from '@peerlab/shared';
import { ChurnFollower, type ChurnHost } from './churnFollower.ts';
import type { WallClock } from './wallClock.ts';
import { classroomView, type ClassroomView } from './classroomView.ts';

/** Mixed into the driver's seed so the fault stage's draws are independent of the engine's. */
const FAULT_SEED_SALT = 0x5f3759df;

export class ClassroomControls {
  readonly faults: FaultStage;
  readonly churn: ChurnFollower;

  constructor(seed: number, clock: WallClock, churnHost: ChurnHost) {
    this.faults = new FaultStage(churnHost.self, seededRng(seed ^ FAULT_SEED_SALT), clock);
    this.churn = new ChurnFollower(churnHost, clock);
  }

  /** Fault rules and counters, churn state: what the classroom panels show. */
  view(names: ReadonlyMap<string, string>): ClassroomView {
    return classroomView(this.faults, this.churn, names);
  }

  /** Stops the churn schedule and cancels every delayed or held message (the driver is closing). */
  stop(): void {
    this.churn.stop();
    this.faults.clear();
  }
}
