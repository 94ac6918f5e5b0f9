/**
 * Where the room graph's nodes go: a d3 force simulation that this module steps itself (its own timer is
 * stopped), so the caller decides when it runs — while the graph is seen and until it has settled. Node
 * positions persist between updates (the same simulation nodes are reused), so a new report nudges the
 * picture rather than redrawing it; the simulation is reheated only when the nodes or edges change.
 * Framework-free.
 */
import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, type Simulation, type SimulationLinkDatum, type SimulationNodeDatum } from 'd3-force';
import { SERVER_NODE, type GraphEdge, type GraphNode } from './roomTimeline.ts';

export const GRAPH_WIDTH = 600;
/** Where the forces pull the graph's centre to (the compact graph is shorter: its nodes are clamped). */
const CENTER_Y = 190;
/** Nodes keep this far from the picture's edges. */
const EDGE_MARGIN = 24;
/**
 * Below this "temperature" the layout counts as settled and stops stepping (d3's default is 0.001):
 * higher stops sooner, with nodes placed a little less finely.
 */
const SETTLED_ALPHA = 0.005;
/** Reheat after a node came or went (moves a lot) and after only edges changed (a nudge). */
const REHEAT_NODES = 0.6;
const REHEAT_EDGES = 0.25;

export interface Point {
  readonly x: number;
  readonly y: number;
}

type SimNode = SimulationNodeDatum & { id: string };

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

/** The graph's structure as one string: equal strings, nothing to lay out again. */
export function graphStructure(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): string {
  return nodes.map((node) => node.id).join(',') + '|' + edges.map((e) => `${e.kind}:${e.a}:${e.b}`).join(',');
}

export class ForceLayout {
  readonly #height: number;
  readonly #nodes = new Map<string, SimNode>();
  readonly #simulation: Simulation<SimNode, undefined>;
  #structure = '';

  constructor(height: number) {
    this.#height = height;
    this.#simulation = forceSimulation<SimNode>()
      .alphaMin(SETTLED_ALPHA)
      .force('charge', forceManyBody<SimNode>().strength(-900))
      .force('center', forceCenter(GRAPH_WIDTH / 2, CENTER_Y))
      .force('x', forceX<SimNode>(GRAPH_WIDTH / 2).strength(0.03))
      .force('y', forceY<SimNode>(CENTER_Y).strength(0.06))
      .force('collide', forceCollide<SimNode>(42))
      .stop();
    this.#simulation.alpha(0);
  }

  /** Takes the graph; reheats the simulation when its nodes or edges changed. Returns whether they did. */
  update(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): boolean {
    const structure = graphStructure(nodes, edges);
    if (structure === this.#structure) return false;
    this.#structure = structure;
    const ids = new Set(nodes.map((node) => node.id));
    let moved = false;
    for (const id of [...this.#nodes.keys()]) {
      if (!ids.has(id)) {
        this.#nodes.delete(id);
        moved = true;
      }
    }
    nodes.forEach((node, i) => {
      if (this.#nodes.has(node.id)) return;
      // A newcomer starts on a circle around the centre, each at its own angle, so the layout does not jump.
      const angle = (i * 2.4) % (2 * Math.PI);
      this.#nodes.set(node.id, { id: node.id, x: GRAPH_WIDTH / 2 + 120 * Math.cos(angle), y: CENTER_Y + 100 * Math.sin(angle) });
      moved = true;
    });
    const links: SimulationLinkDatum<SimNode>[] = edges.filter((e) => this.#nodes.has(e.a) && this.#nodes.has(e.b)).map((e) => ({ source: e.a, target: e.b }));
    this.#simulation.nodes([...this.#nodes.values()]);
    this.#simulation.force(
      'link',
      forceLink<SimNode, SimulationLinkDatum<SimNode>>(links)
        .id((n) => n.id)
        .distance((l) => ((l.source as SimNode).id === SERVER_NODE || (l.target as SimNode).id === SERVER_NODE ? 170 : 130))
        .strength(0.3),
    );
    this.#simulation.alpha(Math.max(this.#simulation.alpha(), moved ? REHEAT_NODES : REHEAT_EDGES));
    return true;
  }

  /** Whether the nodes have come to rest (nothing to step until the graph changes). */
  get settled(): boolean {
    return this.#simulation.alpha() < SETTLED_ALPHA;
  }

  /** One step of the simulation, if it has not settled. */
  step(): void {
    if (!this.settled) this.#simulation.tick();
  }

  /** Every node's place, inside the picture. */
  positions(): Map<string, Point> {
    const out = new Map<string, Point>();
    for (const [id, node] of this.#nodes) out.set(id, { x: clamp(node.x ?? 0, EDGE_MARGIN, GRAPH_WIDTH - EDGE_MARGIN), y: clamp(node.y ?? 0, EDGE_MARGIN, this.#height - EDGE_MARGIN) });
    return out;
  }
}
