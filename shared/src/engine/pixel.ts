/**
 * The shared pixel board's wire vocabulary: a `pixel` event paints one cell of a small grid with one
 * colour of a fixed palette. It is a data event (it travels like chat in every mode); its body is
 * validated by the one decoder in messages.ts, with these bounds.
 */

/** Cells per side. Small enough that a 16×16 grid stays tappable on a phone and readable on a projector. */
export const BOARD_SIZE = 16;

/** The palette, by name: a short fixed set keeps bodies tiny and colours distinguishable on a projector. */
export const PIXEL_COLORS = ['black', 'white', 'red', 'orange', 'yellow', 'green', 'blue', 'purple'] as const;

export type PixelColor = (typeof PIXEL_COLORS)[number];

export interface PixelBody {
  /** Column, 0 … BOARD_SIZE − 1. */
  readonly x: number;
  /** Row, 0 … BOARD_SIZE − 1. */
  readonly y: number;
  readonly color: PixelColor;
  /**
   * The id of the cell's winner as the painter saw it, if the cell was painted: the write knowingly
   * paints over that one. A losing write outside the winner's chain of `over` lost a race instead.
   */
  readonly over?: string;
}

export function isPixelColor(value: unknown): value is PixelColor {
  return typeof value === 'string' && (PIXEL_COLORS as readonly string[]).includes(value);
}
