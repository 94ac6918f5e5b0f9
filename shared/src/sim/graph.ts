/**
 * A random bounded-degree overlay, like the engine's membership keeps in a real room: a ring through a
 * random permutation (so the graph is always connected), then random chords until every node has
 * `degree` links, no node more than `degree + DEGREE_SLACK`.
 */
import type { Rng } from '../ports/ports.ts';
import { randomInt, shuffled } from '../ports/rng.ts';

/** How far above the target a node's degree may go when others pick it; more slack places chords sooner. */
const DEGREE_SLACK = 2;
/** Random picks a node tries before it settles for fewer links than the target. */
const ATTEMPTS_PER_LINK = 32;

/** Adjacency lists, each neighbour once, links undirected. */
export type Graph = readonly (readonly number[])[];

export function randomGraph(n: number, degree: number, rng: Rng): Graph {
  const adjacency: number[][] = Array.from({ length: n }, () => []);
  const link = (a: number, b: number): void => {
    adjacency[a]!.push(b);
    adjacency[b]!.push(a);
  };
  if (n < 2) return adjacency;
  const order = shuffled(rng, Array.from({ length: n }, (_, i) => i));
  if (n === 2) link(order[0]!, order[1]!);
  else for (let i = 0; i < n; i++) link(order[i]!, order[(i + 1) % n]!);
  const cap = degree + DEGREE_SLACK;
  for (let a = 0; a < n; a++) {
    for (let tries = 0; adjacency[a]!.length < degree && tries < ATTEMPTS_PER_LINK * degree; tries++) {
      const b = randomInt(rng, n);
      if (b === a || adjacency[b]!.length >= cap || adjacency[a]!.includes(b)) continue;
      link(a, b);
    }
  }
  return adjacency;
}

export function edgeCount(graph: Graph): number {
  return graph.reduce((sum, neighbours) => sum + neighbours.length, 0) / 2;
}
