import { describe, expect, it } from 'vitest';
import {
  JOIN_PROOF_WINDOW_MS,
  decodeJoin,
  joinProofBytes,
  joinProofCheck,
  joinProofStaleness,
  nobleSigner,
  reportSigningBytes,
  signJoinProof,
  tweetnaclSigner,
  tweetnaclVerify,
  webCryptoSigner,
  type AsyncSigner,
} from '../src/index.ts';
import { keyPairFor } from './helpers.ts';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const claim = { room: 'lab', peer: keyPairFor('ada').publicKey, socket: 'AbC123-_xyz', at: 1_700_000_000_000 };

describe('join proofs', () => {
  it('sign bytes of their own kind, bound to the room, the key, the connection and the time', () => {
    const bytes = text(joinProofBytes(claim));
    expect(bytes.startsWith('peerlab/join/v1\n')).toBe(true);
    expect(bytes.startsWith('{')).toBe(false); // never an event's bytes
    expect(bytes.startsWith(text(reportSigningBytes('lab', { peer: claim.peer } as never)).split('\n')[0]!)).toBe(false); // nor a report's
    const variants = [{ room: 'lab2' }, { peer: keyPairFor('bob').publicKey }, { socket: 'AbC123-_xyZ' }, { at: claim.at + 1 }];
    for (const change of variants) expect(text(joinProofBytes({ ...claim, ...change })), JSON.stringify(change)).not.toBe(bytes);
  });

  it('are made alike by a synchronous and an asynchronous signer, and verify against the named key for that connection only', async () => {
    const pair = keyPairFor('ada');
    const unsigned = { room: claim.room, socket: claim.socket, at: claim.at };
    const sync = await signJoinProof(tweetnaclSigner(pair), unsigned);
    const noble = nobleSigner(pair);
    const async: AsyncSigner = { publicKey: pair.publicKey, signBatch: async (messages) => messages.map((m) => noble.sign(m)) };
    expect(await signJoinProof(async, unsigned)).toEqual(sync);
    expect(await signJoinProof(webCryptoSigner(pair), unsigned)).toEqual(sync); // a browser's path, in Node's WebCrypto
    const join = { room: claim.room, peer: pair.publicKey, proof: sync };
    expect(tweetnaclVerify(joinProofCheck(join, claim.socket))).toBe(true);
    expect(tweetnaclVerify(joinProofCheck(join, 'another-socket'))).toBe(false);
    expect(tweetnaclVerify(joinProofCheck({ ...join, room: 'lab2' }, claim.socket))).toBe(false);
    expect(tweetnaclVerify(joinProofCheck({ ...join, peer: keyPairFor('bob').publicKey }, claim.socket))).toBe(false);
    expect(tweetnaclVerify(joinProofCheck({ ...join, proof: { ...sync, at: sync.at + 1 } }, claim.socket))).toBe(false);
  });

  it('are fresh within the window either way of the server’s clock', () => {
    const now = 1_700_000_000_000;
    expect(joinProofStaleness(now, now)).toBeUndefined();
    expect(joinProofStaleness(now - JOIN_PROOF_WINDOW_MS, now)).toBeUndefined();
    expect(joinProofStaleness(now + JOIN_PROOF_WINDOW_MS, now)).toBeUndefined();
    expect(joinProofStaleness(now - JOIN_PROOF_WINDOW_MS - 1, now)).toContain('ago');
    expect(joinProofStaleness(now + JOIN_PROOF_WINDOW_MS + 1, now)).toContain('ahead');
  });
});

describe('decodeJoin', () => {
  const pair = keyPairFor('ada');
  const good = { room: 'lab', name: 'Ada', peer: pair.publicKey, adminKey: pair.publicKey, version: 1, proof: { at: 1, sig: 'ab'.repeat(64) } };

  it('accepts a join with a well-formed proof', () => {
    expect(decodeJoin(good)).toEqual({ ok: true, value: good });
  });

  it('refuses a missing or malformed proof as bad_join_proof, and other faults as schema', () => {
    const { proof: _proof, ...bare } = good;
    expect(decodeJoin(bare)).toMatchObject({ ok: false, reason: 'bad_join_proof', detail: expect.stringContaining('missing') });
    for (const proof of [null, 'sig', { at: 1 }, { at: 1, sig: 'AB'.repeat(64) }, { at: 1, sig: 'ab'.repeat(63) }, { at: -1, sig: 'ab'.repeat(64) }, { at: 1.5, sig: 'ab'.repeat(64) }, { at: 1, sig: 'ab'.repeat(64), extra: 1 }]) {
      expect(decodeJoin({ ...good, proof }), JSON.stringify(proof)).toMatchObject({ ok: false, reason: 'bad_join_proof' });
    }
    expect(decodeJoin({ ...good, room: 'bad room' })).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeJoin({ ...bare, room: 'bad room' })).toMatchObject({ ok: false, reason: 'schema' });
    expect(decodeJoin('join')).toMatchObject({ ok: false, reason: 'schema' });
  });
});
