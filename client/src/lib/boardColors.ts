/** How the board's palette names are drawn: saturated, far apart, readable on a projector and a phone. */
import type { PixelColor } from '@peerlab/shared';

export const SWATCH: Readonly<Record<PixelColor, string>> = {
  black: '#1c2430',
  white: '#ffffff',
  red: '#d62828',
  orange: '#f77f00',
  yellow: '#fcd34d',
  green: '#1a8a4a',
  blue: '#2457c5',
  purple: '#7b2cbf',
};
