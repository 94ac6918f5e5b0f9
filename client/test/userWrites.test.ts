import { describe, expect, it } from 'vitest';
import { BOARD_SIZE, type PixelColor } from '@peerlab/shared';
import { chatWrite, MAX_CHAT_CHARS, pixelWrite, transferWrite } from '../src/lib/session/userWrites.ts';

describe("the user's writes", () => {
  it('chat: trimmed, cut to MAX_CHAT_CHARS, nothing when blank', () => {
    expect(chatWrite('  hi  ', 'Ada')).toEqual({ type: 'write', kind: 'chat', body: { text: 'hi', name: 'Ada' } });
    expect((chatWrite('x'.repeat(MAX_CHAT_CHARS + 10), 'Ada')?.body as { text: string }).text).toHaveLength(MAX_CHAT_CHARS);
    expect(chatWrite(' \n ', 'Ada')).toBeUndefined();
  });

  it('transfer: account names and amount checked, the memo only when given', () => {
    expect(transferWrite('alice', 'bob', 5, '')).toEqual({ input: { type: 'write', kind: 'transfer', body: { from: 'alice', to: 'bob', amount: 5 } } });
    expect(transferWrite('alice', 'bob', 5, 'rent')).toEqual({ input: { type: 'write', kind: 'transfer', body: { from: 'alice', to: 'bob', amount: 5, memo: 'rent' } } });
    expect(transferWrite('Alice', 'bob', 5, '')).toHaveProperty('refused');
    expect(transferWrite('alice', 'b'.repeat(25), 5, '')).toHaveProperty('refused');
    expect(transferWrite('alice', 'bob', 0, '')).toHaveProperty('refused');
    expect(transferWrite('alice', 'bob', 1.5, '')).toHaveProperty('refused');
  });

  it('pixel: whole coordinates on the board and a known colour', () => {
    const color: PixelColor = 'red';
    expect(pixelWrite(0, BOARD_SIZE - 1, color)).toEqual({ type: 'write', kind: 'pixel', body: { x: 0, y: BOARD_SIZE - 1, color } });
    expect(pixelWrite(1, 1, color, 'id1')?.body).toEqual({ x: 1, y: 1, color, over: 'id1' });
    expect(pixelWrite(BOARD_SIZE, 0, color)).toBeUndefined();
    expect(pixelWrite(-1, 0, color)).toBeUndefined();
    expect(pixelWrite(0.5, 0, color)).toBeUndefined();
    expect(pixelWrite(0, 0, 'no-such-colour' as PixelColor)).toBeUndefined();
  });
});
