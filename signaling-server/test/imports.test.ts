/**
 * The server's modules import one another one way: no module reaches, through any chain of imports
 * (type-only imports included), back to itself. Shared types live in a leaf (roomTypes.ts) instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src/', import.meta.url).pathname;

/** The server modules each module imports or re-exports from (relative specifiers only). */
export function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    const specs = [...text.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s+['"](\.\/[^'"]+)['"]/gm)].map((match) => match[1]!.slice(2));
    graph.set(file, [...new Set(specs)]);
  }
  return graph;
}

/** One import cycle, as the chain of modules from a module back to itself; undefined when there is none. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (module: string): string[] | undefined => {
    if (onPath.has(module)) return [...path.slice(path.indexOf(module)), module];
    if (done.has(module)) return undefined;
    onPath.add(module);
    path.push(module);
    for (const next of graph.get(module) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(module);
    done.add(module);
    return undefined;
  };
  for (const module of graph.keys()) {
    const cycle = visit(module);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('server module imports', () => {
  it('finds a cycle where there is one (the check itself)', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(findCycle(graph)).toEqual(['a.ts', 'b.ts', 'c.ts', 'a.ts']);
    expect(findCycle(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toBeUndefined();
  });

  it('reads the server sources, type-only imports and re-exports included', () => {
    const graph = importGraph(SRC);
    expect(graph.size).toBeGreaterThan(10);
    expect(graph.get('roomService.ts')).toContain('roomTypes.ts');
    expect(graph.get('http.ts')).toContain('metrics.ts');
  });

  it('has no import cycle among the server modules', () => {
    expect(findCycle(importGraph(SRC))).toBeUndefined();
  });

  it('keeps the room types in a leaf: roomTypes.ts imports no server module', () => {
    expect(importGraph(SRC).get('roomTypes.ts')).toEqual([]);
  });
});
