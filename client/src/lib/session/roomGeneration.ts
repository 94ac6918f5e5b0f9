/**
 * The room generation this browser last saw, per room code (localStorage, shared by the browser's tabs,
 * like the room admin key). A page starts its engine in this generation; when the server runs a newer
 * one (the admin reset the room), the page drops its copy of the room, records the new generation and
 * starts again. A browser that missed the reset still holds the old number: its first join tells it.
 */
import { GENERATION_SEPARATOR } from '@peerlab/shared';

function key(room: string): string {
  return `peerlab.generation.${room}`;
}

export function loadGeneration(room: string): number {
  try {
    const value = Number(localStorage.getItem(key(room)) ?? '0');
    return Number.isSafeInteger(value) && value >= 0 ? value : 0;
  } catch {
    return 0; // storage disabled: every page learns the generation from its join
  }
}

/** Records the generation; false when storage would not keep it (the caller must not count on a reload). */
export function saveGeneration(room: string, generation: number): boolean {
  try {
    localStorage.setItem(key(room), String(generation));
  } catch {
    return false;
  }
  return loadGeneration(room) === generation;
}

/** A per-room storage key (the sequence counter) for one generation: a new generation's sequences restart at 1. */
export function generationScoped(storageKey: string, generation: number): string {
  return generation === 0 ? storageKey : `${storageKey}${GENERATION_SEPARATOR}${generation}`;
}
