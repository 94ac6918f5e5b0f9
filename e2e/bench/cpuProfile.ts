/** A CDP CPU profile (`Profiler.stop`), summed by function: where a page spent its time, self and total. */

export interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }; readonly children?: readonly number[] }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileLine {
  /** `function (file:line)`, or the runtime's name for its own work: `(garbage collector)`, `(idle)`... */
  readonly name: string;
  readonly selfMs: number;
  /** Time with this function anywhere on the stack (counted once per sample). */
  readonly totalMs: number;
}

function label(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const file = frame.url.split('/').pop()?.split('?')[0] ?? '';
  const name = frame.functionName || '(anonymous)';
  return file === '' ? name : `${name} (${file}:${frame.lineNumber + 1})`;
}

/** The `top` functions by self time and by total time, and the profile's span in ms. */
export function summarise(profile: CpuProfile, top: number): { spanMs: number; bySelf: ProfileLine[]; byTotal: ProfileLine[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the delta to the next one (the last sample has none).
    const ms = (deltas[i + 1] ?? 0) / 1000;
    let id: number | undefined = samples[i]!;
    const leaf = byId.get(id);
    if (!leaf) continue;
    const leafName = label(leaf.callFrame);
    self.set(leafName, (self.get(leafName) ?? 0) + ms);
    const seen = new Set<string>();
    while (id !== undefined) {
      const name = label(byId.get(id)!.callFrame);
      if (!seen.has(name)) {
        seen.add(name);
        total.set(name, (total.get(name) ?? 0) + ms);
      }
      id = parent.get(id);
    }
  }
  const lines = [...total].map(([name, totalMs]) => ({ name, selfMs: self.get(name) ?? 0, totalMs }));
  return {
    spanMs: (profile.endTime - profile.startTime) / 1000,
    bySelf: [...lines].sort((a, b) => b.selfMs - a.selfMs).slice(0, top),
    // The runtime's own entries ((root), (program), (idle)) would head every inclusive list.
    byTotal: lines.filter((line) => !line.name.startsWith('(')).sort((a, b) => b.totalMs - a.totalMs).slice(0, top),
  };
}
