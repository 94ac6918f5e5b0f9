/**
 * The churn generator's schedule, which every peer derives alike from the admin's `churn` event and the
 * wall clock: time is cut into slots of `periodMs`; in slot k, the member picked by a hash of (event id,
 * k) among the sorted candidate keys leaves for the slot's first `downMs`, then rejoins. No messages are
 * needed to agree on it; clocks only need to agree to well under a period (one machine, or NTP).
 */
import type { ChurnPlan } from '../engine/node.ts';

export interface ChurnSlot {
  readonly index: number;
  readonly start: number;
  /** When this slot's victim comes back. */
  readonly downUntil: number;
  /** When the next slot starts. */
  readonly next: number;
}

export function churnSlot(plan: Pick<ChurnPlan, 'periodMs' | 'downMs'>, now: number): ChurnSlot {
  const index = Math.floor(now / plan.periodMs);
  const start = index * plan.periodMs;
  return { index, start, downUntil: start + plan.downMs, next: start + plan.periodMs };
}

/** FNV-1a, 32 bits: a stable, well-spread hash of short text (not for security). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The member who leaves in slot `index`: candidates are sorted first, so every peer picks the same key. */
export function churnVictim(plan: Pick<ChurnPlan, 'id' | 'exempt'>, candidates: readonly string[], index: number): string | undefined {
  const eligible = [...new Set(candidates)].filter((key) => !plan.exempt.includes(key)).sort();
  if (eligible.length === 0) return undefined;
  return eligible[fnv1a(`${plan.id}:${index}`) % eligible.length];
}
