/**
 * The simulated network's conditions for the engine runs: a one-way latency distribution, independent
 * loss and duplication per message, and an optional partition that splits the nodes into two random
 * halves and heals. Pure values and samplers; peerlab.ts applies them.
 */
import type { Rng } from '../ports/ports.ts';

export type Latency =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'exp'; readonly mean: number };

/** Split at `startMs`, heal at `endMs`; virtual ms from the first write. */
export interface Partition {
  readonly startMs: number;
  readonly endMs: number;
}

export interface NetworkConditions {
  readonly latency: Latency;
  /** Chance that a message is lost, independently per message. */
  readonly loss: number;
  /** Chance that a message is delivered twice (the copy with its own latency, so it may overtake). */
  readonly duplicate: number;
  readonly partition: Partition | undefined;
}

/** A LAN-to-WAN WebRTC hop with jitter that reorders messages, as the simulator always used. */
export const DEFAULT_LATENCY: Latency = { kind: 'uniform', min: 50, max: 100 };

export const PERFECT_NETWORK: NetworkConditions = { latency: DEFAULT_LATENCY, loss: 0, duplicate: 0, partition: undefined };

/** Largest latency parameter accepted, in ms (an hour: beyond that nothing converges within a run anyway). */
const MAX_LATENCY_MS = 3_600_000;

export function meanLatency(latency: Latency): number {
  switch (latency.kind) {
    case 'fixed':
      return latency.ms;
    case 'uniform':
      return (latency.min + latency.max) / 2;
    case 'exp':
      return latency.mean;
  }
}

export function sampleLatency(latency: Latency, rng: Rng): number {
  switch (latency.kind) {
    case 'fixed':
      return latency.ms;
    case 'uniform':
      return latency.min + rng.next() * (latency.max - latency.min);
    case 'exp':
      return -latency.mean * Math.log(1 - rng.next());
  }
}

export function formatLatency(latency: Latency): string {
  switch (latency.kind) {
    case 'fixed':
      return `fixed:${latency.ms}`;
    case 'uniform':
      return `uniform:${latency.min}:${latency.max}`;
    case 'exp':
      return `exp:${latency.mean}`;
  }
}

/** `fixed:MS`, `uniform:MIN:MAX` or `exp:MEAN`, or a message saying what is wrong. */
export function parseLatency(text: string): Latency | string {
  const [kind, ...rest] = text.split(':');
  const numbers = rest.map((part) => (/^\d+(\.\d+)?$/.test(part) ? Number(part) : NaN));
  if (numbers.some((value) => !(value <= MAX_LATENCY_MS))) return `--latency: bad number in "${text}"`;
  if (kind === 'fixed' && numbers.length === 1) return { kind, ms: numbers[0]! };
  if (kind === 'uniform' && numbers.length === 2 && numbers[0]! <= numbers[1]!) return { kind, min: numbers[0]!, max: numbers[1]! };
  if (kind === 'exp' && numbers.length === 1 && numbers[0]! > 0) return { kind, mean: numbers[0]! };
  return `--latency must be fixed:MS, uniform:MIN:MAX (MIN <= MAX) or exp:MEAN (MEAN > 0) (got "${text}")`;
}

/** `START:END` in virtual ms from the first write, START < END, or a message. */
export function parsePartition(text: string): Partition | string {
  const match = /^(\d+):(\d+)$/.exec(text);
  if (!match || Number(match[1]) >= Number(match[2])) return `--partition must be START:END in virtual ms with START < END (got "${text}")`;
  return { startMs: Number(match[1]), endMs: Number(match[2]) };
}
