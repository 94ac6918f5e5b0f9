/**
 * The user's writes (chat, ledger transfer, board pixel) as engine inputs, checked first: what a user
 * cannot mean (an empty message, a cell off the board) is no write, and a mistake the user should be told
 * about comes back as a sentence instead of an input.
 */
import { BOARD_SIZE, isPixelColor, type Input, type PixelColor } from '@peerlab/shared';

/** Longest chat message a user can type; keeps one event far below the engine's event size limit. */
export const MAX_CHAT_CHARS = 500;
/** Ledger account names, as the engine's decoder accepts them. */
const ACCOUNT_PATTERN = /^[a-z0-9_-]{1,24}$/;

export type WriteInput = Extract<Input, { type: 'write' }>;

/** A write, or why not in a sentence for the user. */
export type CheckedWrite = { readonly input: WriteInput } | { readonly refused: string };

/** A chat message, trimmed and cut to MAX_CHAT_CHARS; undefined when nothing is left. */
export function chatWrite(text: string, name: string): WriteInput | undefined {
  const trimmed = text.trim().slice(0, MAX_CHAT_CHARS);
  return trimmed === '' ? undefined : { type: 'write', kind: 'chat', body: { text: trimmed, name } };
}

/** A ledger transfer between named accounts; the authority (or, in p2p, the writing peer) judges it. */
export function transferWrite(from: string, to: string, amount: number, memo: string): CheckedWrite {
  if (!ACCOUNT_PATTERN.test(from) || !ACCOUNT_PATTERN.test(to)) return { refused: 'Account names are 1–24 lowercase letters, digits, - or _.' };
  if (!Number.isInteger(amount) || amount < 1) return { refused: 'The amount must be a whole number of at least 1.' };
  return { input: { type: 'write', kind: 'transfer', body: memo ? { from, to, amount, memo } : { from, to, amount } } };
}

/** One board cell; `over` is the id of the cell's winner the writer shows (it paints over that). */
export function pixelWrite(x: number, y: number, color: PixelColor, over?: string): WriteInput | undefined {
  if (!isPixelColor(color) || !Number.isInteger(x) || !Number.isInteger(y)) return undefined;
  if (x < 0 || y < 0 || x >= BOARD_SIZE || y >= BOARD_SIZE) return undefined;
  return { type: 'write', kind: 'pixel', body: over === undefined ? { x, y, color } : { x, y, color, over } };
}
