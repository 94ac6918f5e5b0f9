/**
 * Every signing and verifying path agrees: on RFC 8032's vectors, on each other's signatures, and on what
 * they refuse (tampered bytes, forged keys, and the edge cases strictRules.ts makes them refuse alike).
 * WebCrypto here is Node's; Chromium's runs the same checks in e2e/specs/crypto-paths.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  chooseBrowserCrypto,
  fromHex,
  generateKeyPair,
  keyPairFromSeed,
  nobleSigner,
  nobleVerify,
  RFC8032_VECTORS,
  signsInline,
  toHex,
  tweetnaclSigner,
  tweetnaclVerify,
  webCryptoSigner,
  webCryptoVerifier,
  withFallback,
  type AnySigner,
  type KeyPair,
  type VerifyRequest,
} from '../src/index.ts';
import { nodeCryptoPoolVerifier, nodeCryptoSigner, nodeCryptoSuite, nodeCryptoVerify } from '../src/crypto/nodeCrypto.ts';

const webcrypto = webCryptoVerifier();

async function signWith(signer: AnySigner, message: Uint8Array): Promise<string> {
  if (signsInline(signer)) return toHex(signer.sign(message));
  const [signature] = await signer.signBatch([message]);
  return toHex(signature!);
}

const SIGNERS: Readonly<Record<string, (pair: KeyPair) => AnySigner>> = {
  tweetnacl: tweetnaclSigner,
  noble: nobleSigner,
  'node:crypto': nodeCryptoSigner,
  webcrypto: (pair) => webCryptoSigner(pair),
};

const VERIFIERS: Readonly<Record<string, (request: VerifyRequest) => Promise<boolean>>> = {
  tweetnacl: async (request) => tweetnaclVerify(request),
  noble: async (request) => nobleVerify(request),
  'node:crypto': async (request) => nodeCryptoVerify(request),
  'node:crypto (thread pool)': async (request) => (await nodeCryptoPoolVerifier.verifyBatch([request]))[0]!,
  webcrypto: async (request) => (await webcrypto.verifyBatch([request]))[0]!,
};

async function verdicts(request: VerifyRequest): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const [name, verify] of Object.entries(VERIFIERS)) out[name] = await verify(request);
  return out;
}

const ALL_TRUE = Object.fromEntries(Object.keys(VERIFIERS).map((name) => [name, true]));
const ALL_FALSE = Object.fromEntries(Object.keys(VERIFIERS).map((name) => [name, false]));

function flipBit(hex: string, byte: number): string {
  const bytes = fromHex(hex);
  bytes[byte]! ^= 0x01;
  return toHex(bytes);
}

describe('RFC 8032 §7.1 vectors on every path', () => {
  it('has the five vectors, TEST 1024 with its 1023-byte message', () => {
    expect(RFC8032_VECTORS.map((vector) => vector.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
    expect(fromHex(RFC8032_VECTORS[3]!.message)).toHaveLength(1023);
  });

  for (const vector of RFC8032_VECTORS) {
    it(`${vector.name}: each path makes the vector's key and signature, and verifies it`, async () => {
      const pair = keyPairFromSeed(fromHex(vector.seed));
      expect(pair.publicKey).toBe(vector.publicKey);
      const message = fromHex(vector.message);
      for (const [name, makeSigner] of Object.entries(SIGNERS)) expect(await signWith(makeSigner(pair), message), name).toBe(vector.signature);
      const request = { id: vector.name, publicKey: vector.publicKey, message, signature: vector.signature };
      expect(await verdicts(request)).toEqual(ALL_TRUE);
      expect(await verdicts({ ...request, signature: flipBit(vector.signature, 0) }), 'R changed').toEqual(ALL_FALSE);
      expect(await verdicts({ ...request, signature: flipBit(vector.signature, 40) }), 'S changed').toEqual(ALL_FALSE);
      expect(await verdicts({ ...request, message: new Uint8Array([...message, 0]) }), 'message changed').toEqual(ALL_FALSE);
      expect(await verdicts({ ...request, publicKey: RFC8032_VECTORS[(RFC8032_VECTORS.indexOf(vector) + 1) % 5]!.publicKey }), 'another key').toEqual(ALL_FALSE);
    });
  }
});

describe('cross-checks between paths', () => {
  const pairs = [generateKeyPair(), generateKeyPair()];
  const message = new TextEncoder().encode('{"author":"…","body":{"text":"hello"},"kind":"chat","seq":1}');

  for (const [signerName, makeSigner] of Object.entries(SIGNERS)) {
    it(`${signerName}'s signatures verify on every path, and tampered copies on none`, async () => {
      for (const pair of pairs) {
        const signature = await signWith(makeSigner(pair), message);
        const request = { id: 'x', publicKey: pair.publicKey, message, signature };
        expect(await verdicts(request)).toEqual(ALL_TRUE);
        expect(await verdicts({ ...request, signature: flipBit(signature, 63) })).toEqual(ALL_FALSE);
        expect(await verdicts({ ...request, message: message.slice(1) })).toEqual(ALL_FALSE);
        // Forged: signed by one key, claimed for the other.
        expect(await verdicts({ ...request, publicKey: pairs.find((other) => other !== pair)!.publicKey })).toEqual(ALL_FALSE);
      }
    });
  }

  it('refuses a second signature S + L of an honest message on every path (tweetnacl alone would take it)', async () => {
    const pair = pairs[0]!;
    const signature = fromHex(await signWith(nobleSigner(pair), message));
    // S + L, little-endian, fits in 32 bytes since S < L < 2^253.
    let carry = 0;
    const order = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');
    for (let i = 0; i < 32; i++) {
      const sum = signature[32 + i]! + order[i]! + carry;
      signature[32 + i] = sum & 0xff;
      carry = sum >> 8;
    }
    expect(await verdicts({ id: 'x', publicKey: pair.publicKey, message, signature: toHex(signature) })).toEqual(ALL_FALSE);
  });

  it('refuses small-order and non-canonical keys, whose one signature passes for any message, on every path', async () => {
    const identity = `01${'00'.repeat(31)}`;
    const anyMessage = { id: 'x', message, signature: identity + '00'.repeat(32) };
    expect(await verdicts({ ...anyMessage, publicKey: identity })).toEqual(ALL_FALSE);
    // y = p + 1: the identity again, encoded out of range.
    expect(await verdicts({ ...anyMessage, publicKey: `ee${'ff'.repeat(30)}7f` })).toEqual(ALL_FALSE);
  });

  it('refuses malformed keys and signatures without throwing', async () => {
    for (const bad of [
      { id: 'x', publicKey: '00'.repeat(32), message: new Uint8Array([1]), signature: '11'.repeat(64) },
      { id: 'x', publicKey: 'zz', message: new Uint8Array([1]), signature: '11'.repeat(64) },
      { id: 'x', publicKey: pairs[0]!.publicKey, message: new Uint8Array([1]), signature: '11'.repeat(63) },
    ]) {
      expect(await verdicts(bad)).toEqual(ALL_FALSE);
    }
  });
});

describe('the choosers', () => {
  const vector = RFC8032_VECTORS[1]!;
  const pair = keyPairFromSeed(fromHex(vector.seed));

  it('the browser chooser takes native WebCrypto where it has Ed25519: asynchronous, RFC 8032 signatures', async () => {
    const suite = await chooseBrowserCrypto({ subtle: globalThis.crypto.subtle, secureContext: true });
    expect(suite.name).toBe('webcrypto');
    const signer = suite.signer(pair);
    expect(signsInline(signer)).toBe(false);
    expect(await signWith(signer, fromHex(vector.message))).toBe(vector.signature);
    expect(await suite.verifier.verifyBatch([{ id: 'x', publicKey: vector.publicKey, message: fromHex(vector.message), signature: vector.signature }])).toEqual([true]);
  });

  it('says an insecure context has no crypto.subtle, and signs with @noble there, synchronously', async () => {
    const suite = await chooseBrowserCrypto({ subtle: undefined, secureContext: false });
    expect(suite).toMatchObject({ name: 'noble', why: 'insecure context: no crypto.subtle' });
    const signer = suite.signer(pair);
    expect(signsInline(signer)).toBe(true);
    expect(await signWith(signer, fromHex(vector.message))).toBe(vector.signature);
    expect(suite.verifier.name).toBe('noble');
  });

  it('falls back to @noble where WebCrypto has no Ed25519, or one that disagrees with RFC 8032', async () => {
    const subtle = globalThis.crypto.subtle;
    const noEd25519 = { importKey: () => Promise.reject(new DOMException('Unrecognized name', 'NotSupportedError')) } as unknown as SubtleCrypto;
    expect(await chooseBrowserCrypto({ subtle: noEd25519, secureContext: true })).toMatchObject({ name: 'noble', why: 'no Ed25519 in WebCrypto (NotSupportedError)' });
    const wrong = {
      importKey: subtle.importKey.bind(subtle),
      sign: async () => new Uint8Array(64).buffer,
      verify: subtle.verify.bind(subtle),
    } as unknown as SubtleCrypto;
    expect(await chooseBrowserCrypto({ subtle: wrong, secureContext: true })).toMatchObject({ name: 'noble', why: 'its Ed25519 disagrees with RFC 8032' });
  });

  it('a native signer that fails after the probe signs with the fallback instead of losing the write', async () => {
    const failing = { publicKey: pair.publicKey, signBatch: () => Promise.reject(new Error('platform fault')) };
    const [signature] = await withFallback(failing, nobleSigner(pair)).signBatch([fromHex(vector.message)]);
    expect(toHex(signature!)).toBe(vector.signature);
  });

  it('node:crypto signs synchronously, so the server and bots sign inline, and checks on the thread pool', () => {
    const suite = nodeCryptoSuite();
    expect(suite.name).toBe('node:crypto');
    expect(suite.verifier).toBe(nodeCryptoPoolVerifier);
    const signer = suite.signer(pair);
    expect(signsInline(signer)).toBe(true);
    expect(signsInline(signer) && toHex(signer.sign(fromHex(vector.message)))).toBe(vector.signature);
  });
});

describe('event ids', () => {
  it('are tweetnacl SHA-512 bytes, whatever implementation hashes them (stored ids depend on it)', async () => {
    const nacl = (await import('tweetnacl')).default;
    const { shortHash, eventId, canonicalJson, utf8 } = await import('../src/index.ts');
    for (const text of ['', 'abc', '{"a":1}', 'é'.repeat(300), 'x'.repeat(5000)]) {
      expect(shortHash(utf8(text))).toBe(toHex(nacl.hash(utf8(text)).subarray(0, 16)));
    }
    // An id computed before the change: the same event keeps it.
    const event = { v: 1, room: 'lab', author: 'a'.repeat(64), seq: 1, lamport: 1, kind: 'chat', body: { text: 'hi', name: 'x' }, sig: 'b'.repeat(128) };
    expect(eventId(event)).toBe(toHex(nacl.hash(utf8(canonicalJson(event))).subarray(0, 16)));
  });
});
