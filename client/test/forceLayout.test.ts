import { describe, expect, it } from 'vitest';
import { ForceLayout, GRAPH_WIDTH } from '../src/lib/telemetry/forceLayout.ts';
import { SERVER_NODE, type GraphEdge, type GraphNode } from '../src/lib/telemetry/roomTimeline.ts';

const node = (id: string, extra: Partial<GraphNode> = {}): GraphNode => ({ id, label: id, digest: 'd', stale: false, server: id === SERVER_NODE, ...extra });
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const nodes = [node(SERVER_NODE), node(A), node(B)];
const edges: GraphEdge[] = [
  { a: A, b: SERVER_NODE, kind: 'server' },
  { a: A, b: B, kind: 'direct' },
];

function settle(layout: ForceLayout, max = 2000): number {
  let steps = 0;
  while (!layout.settled && steps < max) {
    layout.step();
    steps++;
  }
  return steps;
}

describe('the room graph layout', () => {
  it('starts at rest, moves after a graph arrives, and comes to rest within a bounded number of steps', () => {
    const layout = new ForceLayout(380);
    expect(layout.settled).toBe(true);
    expect(layout.update(nodes, edges)).toBe(true);
    expect(layout.settled).toBe(false);
    const steps = settle(layout);
    expect(layout.settled).toBe(true);
    expect(steps).toBeGreaterThan(10);
    expect(steps).toBeLessThan(2000);
  });

  it('is not reheated by a graph of the same structure, only by new nodes or edges', () => {
    const layout = new ForceLayout(380);
    layout.update(nodes, edges);
    settle(layout);
    // A new report: new objects, a node turned stale, the same ids and links.
    expect(layout.update(nodes.map((n) => ({ ...n, stale: n.id === B })), edges.map((e) => ({ ...e })))).toBe(false);
    expect(layout.settled).toBe(true);
    expect(layout.update(nodes, [...edges, { a: B, b: SERVER_NODE, kind: 'server' }])).toBe(true);
    expect(layout.settled).toBe(false);
  });

  it('keeps every node inside the picture and each known node where it was when another joins', () => {
    const layout = new ForceLayout(300);
    layout.update(nodes, edges);
    settle(layout);
    const before = layout.positions();
    for (const { x, y } of before.values()) {
      expect(x).toBeGreaterThanOrEqual(24);
      expect(x).toBeLessThanOrEqual(GRAPH_WIDTH - 24);
      expect(y).toBeGreaterThanOrEqual(24);
      expect(y).toBeLessThanOrEqual(300 - 24);
    }
    const C = 'c'.repeat(64);
    layout.update([...nodes, node(C)], edges);
    const after = layout.positions();
    expect(after.size).toBe(4);
    // Positions persist across an update: the newcomer nudges the picture, nothing is laid out from scratch.
    expect(after.get(A)).toEqual(before.get(A));
    layout.update(nodes, edges);
    expect(layout.positions().has(C)).toBe(false);
  });
});
