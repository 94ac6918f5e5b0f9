/**
 * The crypto paths as a page runs them, bundled into a blank page of the real server's origin
 * (cryptoHarness.ts): RFC 8032 vectors and cross-checks for the spec, rates for `npm run bench:crypto`.
 * Browser code: it runs in Chromium, not in Node.
 */
import {
  chooseBrowserCrypto,
  eventId,
  fromHex,
  generateKeyPair,
  keyPairFromSeed,
  nobleSigner,
  nobleVerify,
  RFC8032_VECTORS,
  shortHash,
  toHex,
  tweetnaclSigner,
  tweetnaclVerify,
  webCryptoSigner,
  webCryptoVerifier,
  type KeyPair,
  type VerifyRequest,
} from '@peerlab/shared';
import nacl from 'tweetnacl';
import { sha512 } from '@noble/hashes/sha2.js';

export type PagePath = 'tweetnacl' | 'noble' | 'webcrypto';
export const PAGE_PATHS: readonly PagePath[] = ['tweetnacl', 'noble', 'webcrypto'];

async function sign(path: PagePath, pair: KeyPair, messages: readonly Uint8Array[]): Promise<string[]> {
  switch (path) {
    case 'tweetnacl':
      return messages.map((message) => toHex(tweetnaclSigner(pair).sign(message)));
    case 'noble':
      return messages.map((message) => toHex(nobleSigner(pair).sign(message)));
    case 'webcrypto':
      return (await webCryptoSigner(pair).signBatch(messages)).map(toHex);
  }
}

const webcrypto = (): ReturnType<typeof webCryptoVerifier> => webCryptoVerifier();

async function verify(path: PagePath, requests: readonly VerifyRequest[]): Promise<boolean[]> {
  switch (path) {
    case 'tweetnacl':
      return requests.map(tweetnaclVerify);
    case 'noble':
      return requests.map(nobleVerify);
    case 'webcrypto':
      return webcrypto().verifyBatch(requests);
  }
}

function flip(hex: string, byte: number): string {
  const bytes = fromHex(hex);
  bytes[byte]! ^= 1;
  return toHex(bytes);
}

export interface VectorResult {
  readonly name: string;
  readonly signed: string;
  readonly expected: string;
  readonly verified: boolean;
  readonly tamperedRefused: boolean;
}

/** Every vector on every path: the signature it makes, and whether it verifies the vector and refuses a tampered copy. */
async function vectors(): Promise<Record<PagePath, VectorResult[]>> {
  const out = {} as Record<PagePath, VectorResult[]>;
  for (const path of PAGE_PATHS) {
    out[path] = [];
    for (const vector of RFC8032_VECTORS) {
      const message = fromHex(vector.message);
      const [signed] = await sign(path, keyPairFromSeed(fromHex(vector.seed)), [message]);
      const request = { id: vector.name, publicKey: vector.publicKey, message, signature: vector.signature };
      const [verified, tamperedR, tamperedS] = await verify(path, [request, { ...request, signature: flip(vector.signature, 1) }, { ...request, signature: flip(vector.signature, 33) }]);
      out[path].push({ name: vector.name, signed: signed!, expected: vector.signature, verified: verified!, tamperedRefused: !tamperedR && !tamperedS });
    }
  }
  return out;
}

/** Each path's signature of fresh keys, checked by every path: `signer>verifier` → [valid, forged or tampered refused]. */
async function crossCheck(): Promise<Record<string, { readonly valid: boolean; readonly refused: boolean }>> {
  const pair = generateKeyPair();
  const other = generateKeyPair();
  const message = new TextEncoder().encode('{"body":{"name":"page","text":"cross-check"},"kind":"chat"}');
  const out: Record<string, { valid: boolean; refused: boolean }> = {};
  for (const signer of PAGE_PATHS) {
    const [signature] = await sign(signer, pair, [message]);
    for (const verifier of PAGE_PATHS) {
      const request = { id: 'x', publicKey: pair.publicKey, message, signature: signature! };
      const [valid, forged, tampered, altered] = await verify(verifier, [request, { ...request, publicKey: other.publicKey }, { ...request, signature: flip(signature!, 63) }, { ...request, message: message.slice(1) }]);
      out[`${signer}>${verifier}`] = { valid: valid!, refused: !forged && !tampered && !altered };
    }
  }
  return out;
}

/** A chat event's signed bytes, ~200 bytes, as the engine signs them. */
function sampleMessage(i: number): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ author: 'a'.repeat(64), body: { name: 'bench', text: `message number ${i} of the benchmark, about one hundred bytes of chat text in all` }, kind: 'chat', lamport: i, room: 'bench', seq: i, v: 1 }));
}

/** Calls `batch` (which does `size` operations) until `ms` have passed; operations a second. */
async function rate(batch: () => Promise<unknown> | unknown, size: number, ms: number): Promise<number> {
  await batch(); // warm up: key import, JIT, precomputed tables
  const start = performance.now();
  let done = 0;
  while (performance.now() - start < ms) {
    await batch();
    done += size;
  }
  return Math.round((done * 1000) / (performance.now() - start));
}

/** Batch of this many operations per call: what the engine hands its driver when events arrive together. */
const BATCH = 32;

async function rates(path: PagePath, ms: number): Promise<{ sign: number; verify: number }> {
  const pair = generateKeyPair();
  const messages = Array.from({ length: BATCH }, (_, i) => sampleMessage(i));
  const signatures = await sign(path, pair, messages);
  const requests = messages.map((message, i) => ({ id: String(i), publicKey: pair.publicKey, message, signature: signatures[i]! }));
  const signRate = await rate(() => sign(path, pair, messages), BATCH, ms);
  const verifyRate = await rate(async () => {
    const ok = await verify(path, requests);
    if (!ok.every(Boolean)) throw new Error(`${path} refused its own signatures`);
  }, BATCH, ms);
  return { sign: signRate, verify: verifyRate };
}

/**
 * The event id: SHA-512 of an event's canonical text, by tweetnacl and by @noble/hashes (hashes a second),
 * and the whole `eventId` (canonical JSON, UTF-8 and hash) for scale.
 */
async function hashRates(ms: number): Promise<{ tweetnacl: number; noble: number; eventId: number; same: boolean }> {
  const texts = Array.from({ length: BATCH }, (_, i) => sampleMessage(i));
  const events = texts.map((text) => ({ ...JSON.parse(new TextDecoder().decode(text)), sig: 'ab'.repeat(64) }));
  const same = texts.every((text) => toHex(nacl.hash(text)) === toHex(sha512(text))) && shortHash(texts[0]!) === toHex(sha512(texts[0]!).subarray(0, 16));
  return {
    tweetnacl: await rate(() => texts.forEach((text) => nacl.hash(text)), BATCH, ms),
    noble: await rate(() => texts.forEach((text) => sha512(text)), BATCH, ms),
    eventId: await rate(() => events.forEach((event) => eventId(event)), BATCH, ms),
    same,
  };
}

const harness = {
  chosen: async () => {
    const suite = await chooseBrowserCrypto();
    return { name: suite.name, why: suite.why };
  },
  vectors,
  crossCheck,
  rates,
  hashRates,
};

export type CryptoHarness = typeof harness;

declare global {
  interface Window {
    peerlabCrypto?: CryptoHarness;
  }
}

window.peerlabCrypto = harness;
