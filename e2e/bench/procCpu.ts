/**
 * CPU time from /proc (Linux): the whole machine's, and that of one process tree (this benchmark's
 * browsers and server), so a run on a shared machine can tell its own load from everyone else's.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc counts CPU time in these ticks (100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

export interface MachineCpu {
  /** Busy and total CPU seconds summed over all cores since boot. */
  readonly busy: number;
  readonly total: number;
}

export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
}

interface ProcStat {
  readonly ppid: number;
  /** utime + stime, in seconds. */
  readonly cpu: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** CPU seconds used so far by each live descendant of `root` (not `root` itself), by pid. */
export function treeCpu(root: number): Map<number, number> {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat) stats.set(pid, stat);
  }
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  const result = new Map<number, number>();
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    result.set(pid, stats.get(pid)!.cpu);
    stack.push(...(children.get(pid) ?? []));
  }
  return result;
}

/** CPU seconds the processes alive at both readings used between them (processes that exited are lost). */
export function cpuBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>, only?: (pid: number) => boolean): number {
  let used = 0;
  for (const [pid, cpu] of after) {
    if (only && !only(pid)) continue;
    used += cpu - (before.get(pid) ?? 0);
  }
  return used;
}
