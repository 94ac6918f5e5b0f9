/**
 * What the teacher's classroom controls look like from one peer: the fault rules and what this peer's
 * fault stage did per link, and the churn generator's state. Built by the driver, rendered by the
 * Faults and Churn panels, the member list and the traffic panel.
 */
import { describeRule, type ChurnPlan, type FaultCounts, type FaultRule, type FaultStage } from '@peerlab/shared';
import type { ChurnFollower } from './churnFollower.ts';
import { nameOf } from './memberRoster.ts';

export interface FaultLinkView {
  readonly peer: string;
  readonly name: string;
  /** The rule acting on this link, as a short label, when one does. */
  readonly rule?: string;
  readonly counts: Readonly<FaultCounts>;
}

export interface ClassroomView {
  readonly rules: readonly FaultRule[];
  readonly totals: Readonly<FaultCounts>;
  readonly links: readonly FaultLinkView[];
  readonly churn: ChurnPlan | null;
  /** Key of the member the churn schedule has away now. */
  readonly awayPeer?: string;
  readonly awayName?: string;
  /** This peer is away now (left by the schedule). */
  readonly suspended: boolean;
  readonly cycles: number;
  readonly catchupMs?: number;
  readonly catchingUp: boolean;
}

export const NO_CLASSROOM: ClassroomView = {
  rules: [],
  totals: { sent: 0, dropped: 0, delayed: 0, duplicated: 0, reordered: 0, received: 0 },
  links: [],
  churn: null,
  suspended: false,
  cycles: 0,
  catchingUp: false,
};

export function classroomView(faults: FaultStage, churn: ChurnFollower, names: ReadonlyMap<string, string>): ClassroomView {
  const links = [...faults.counts()].map(([peer, counts]) => {
    const rule = faults.ruleFor(peer);
    return { peer, name: nameOf(names, peer), counts: { ...counts }, ...(rule ? { rule: describeRule(rule) } : {}) };
  });
  const awayPeer = churn.awayPeer();
  const awayName = awayPeer === undefined ? undefined : names.get(awayPeer);
  return {
    rules: faults.rules,
    totals: faults.totals(),
    links: links.sort((a, b) => a.name.localeCompare(b.name)),
    churn: churn.plan,
    ...(awayPeer === undefined ? {} : { awayPeer }),
    ...(awayName === undefined ? {} : { awayName }),
    suspended: churn.away,
    cycles: churn.cycles,
    ...(churn.catchupMs === undefined ? {} : { catchupMs: churn.catchupMs }),
    catchingUp: churn.catchingUp,
  };
}
