/**
 * The room graph's state: the nodes, edges and message flows it shows, the force layout that places them
 * and the clock that moves the flows' dots. It follows the drawing rule (Sight): while the graph is
 * unseen nothing is read, laid out or animated; once seen it shows the latest graph. Animation frames run
 * only while seen and while there is something to move — a layout that has not settled (reheated only
 * when nodes or edges change) or a message still crossing its edge.
 */
import { untrack } from 'svelte';
import { Sight, whileSeen } from '../drawing/Sight.svelte.ts';
import { sameRecords } from '../drawing/seen.ts';
import { ForceLayout, type Point } from './forceLayout.ts';
import { flowDots, inFlight } from './graphFlows.ts';
import type { Flow, GraphEdge, GraphNode } from './roomTimeline.ts';

export interface RoomGraphInput {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly flows: readonly Flow[];
}

interface Structure {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

function sameGraph(a: Structure, b: Structure): boolean {
  return sameRecords(a.nodes, b.nodes) && sameRecords(a.edges, b.edges);
}

export class RoomGraphModel {
  readonly sight = new Sight();
  /** Where each node is drawn. */
  positions = $state.raw<ReadonlyMap<string, Point>>(new Map());
  /** The time the flows' dots are drawn at. */
  now = $state.raw(Date.now());
  readonly dots = $derived.by(() => flowDots(this.#flows.current, this.positions, this.now));
  readonly labels = $derived.by(() => new Map(this.nodes.map((node) => [node.id, node.label])));

  readonly #layout: ForceLayout;
  readonly #graph: { readonly current: Structure };
  readonly #flows: { readonly current: readonly Flow[] };
  #frame: number | undefined;

  /** Must be made while a component initialises: its effects live and die with that component. */
  constructor(input: () => RoomGraphInput, height: number) {
    this.#layout = new ForceLayout(height);
    this.#graph = whileSeen(this.sight, () => ({ nodes: input().nodes, edges: input().edges }), sameGraph);
    this.#flows = whileSeen(this.sight, () => input().flows);
    $effect(() => {
      const { nodes, edges } = this.#graph.current;
      void this.#flows.current;
      const seen = this.sight.seen;
      untrack(() => {
        if (this.#layout.update(nodes, edges)) this.positions = this.#layout.positions();
        if (seen) this.#wake();
        else this.#sleep();
      });
    });
    $effect(() => () => this.#sleep());
  }

  get nodes(): readonly GraphNode[] {
    return this.#graph.current.nodes;
  }

  get edges(): readonly GraphEdge[] {
    return this.#graph.current.edges;
  }

  #busy(now: number): boolean {
    return !this.#layout.settled || inFlight(untrack(() => this.#flows.current), now);
  }

  #wake(): void {
    if (this.#frame === undefined && this.#busy(Date.now())) this.#frame = requestAnimationFrame(this.#onFrame);
  }

  #sleep(): void {
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#frame = undefined;
  }

  readonly #onFrame = (): void => {
    this.#frame = undefined;
    if (!this.#layout.settled) {
      this.#layout.step();
      this.positions = this.#layout.positions();
    }
    this.now = Date.now();
    if (untrack(() => this.sight.seen)) this.#wake();
  };
}
