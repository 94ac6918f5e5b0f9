/**
 * Messages drawn as dots along the room graph's edges: where each flow's dot is at a moment, and whether
 * any is still in flight (the animation's clock runs only while one is). Pure.
 */
import type { Point } from './forceLayout.ts';
import type { Flow, FlowKind } from './roomTimeline.ts';

/** How long a message's dot takes to cross its edge: longer is easier to follow, and crowds a busy graph. */
export const FLOW_MS = 700;

export interface FlowDot {
  /** The flow's index in its list: stable while the list is. */
  readonly key: number;
  readonly kind: FlowKind;
  readonly from: string;
  readonly to: string;
  readonly x: number;
  readonly y: number;
}

/** The dots of the flows crossing their edge at `now` (flows between unplaced nodes are left out). */
export function flowDots(flows: readonly Flow[], positions: ReadonlyMap<string, Point>, now: number): FlowDot[] {
  const dots: FlowDot[] = [];
  flows.forEach((flow, key) => {
    const from = positions.get(flow.from);
    const to = positions.get(flow.to);
    const t = (now - flow.at) / FLOW_MS;
    if (!from || !to || t < 0 || t >= 1) return;
    dots.push({ key, kind: flow.kind, from: flow.from, to: flow.to, x: from.x + (to.x - from.x) * t, y: from.y + (to.y - from.y) * t });
  });
  return dots;
}

/** Whether some flow has yet to finish crossing at `now` (one starting later counts). */
export function inFlight(flows: readonly Flow[], now: number): boolean {
  return flows.some((flow) => now - flow.at < FLOW_MS);
}
