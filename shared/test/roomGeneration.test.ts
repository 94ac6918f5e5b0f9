import { describe, expect, it } from 'vitest';
import { encodeMessage, engineRoomId, resetSigningBytes, signingBytes, toHex, type SignedEvent } from '../src/index.ts';
import { keyPairFor, makeNode, nodeSigner, nodeVerify } from './helpers.ts';
import { handleSync } from '../src/net/driveSync.ts';

function chatIn(room: string, label: string, seq: number): SignedEvent {
  const signer = nodeSigner(keyPairFor(label));
  const unsigned = { v: 1, room, author: signer.publicKey, seq, lamport: seq, kind: 'chat', body: { text: `before the reset ${seq}`, name: label } };
  return { ...unsigned, sig: toHex(signer.sign(signingBytes(unsigned))) };
}

describe('room generations', () => {
  it('generation 0 keeps the bare room code; later ones name the generation outside the code alphabet', () => {
    expect(engineRoomId('demo', 0)).toBe('demo');
    expect(engineRoomId('demo', 3)).toBe('demo~3');
    expect(engineRoomId('demo', 1)).not.toBe(engineRoomId('demo-1', 0));
  });

  it('a node of the new generation refuses, and counts, events signed for the old one', () => {
    const node = makeNode('bob', { room: engineRoomId('lab', 1) });
    node.handle({ type: 'linkUp', link: 'x', kind: 'direct' }, 0);
    const old = [chatIn('lab', 'ada', 1), chatIn('lab', 'ada', 2)];
    handleSync(node, { type: 'message', link: 'x', data: encodeMessage({ t: 'events', events: old }) }, 0, nodeVerify);
    expect(node.store.size).toBe(0);
    expect(node.stats().rejections.wrong_room).toBe(2);
    // The same author writes again in the new generation, from sequence 1: accepted.
    handleSync(node, { type: 'message', link: 'x', data: encodeMessage({ t: 'events', events: [chatIn(engineRoomId('lab', 1), 'ada', 1)] }) }, 0, nodeVerify);
    expect(node.store.size).toBe(1);
  });

  it('a reset signature is bound to the room and to the generation it ends', () => {
    expect(toHex(resetSigningBytes('lab', 1))).not.toBe(toHex(resetSigningBytes('lab', 2)));
    expect(toHex(resetSigningBytes('lab', 1))).not.toBe(toHex(resetSigningBytes('lab2', 1)));
  });
});
