import nacl from 'tweetnacl';
import { fromHex, toHex } from '../engine/encoding.ts';
import type { Signer, Verifier, VerifyRequest } from '../ports/ports.ts';
import { passesStrictRules } from './strictRules.ts';

export interface KeyPair {
  /** 32-byte public key, hex. */
  readonly publicKey: string;
  /** 64-byte tweetnacl secret key (seed ‖ public key), hex. */
  readonly secretKey: string;
}

export function generateKeyPair(): KeyPair {
  const pair = nacl.sign.keyPair();
  return { publicKey: toHex(pair.publicKey), secretKey: toHex(pair.secretKey) };
}

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  const pair = nacl.sign.keyPair.fromSeed(seed);
  return { publicKey: toHex(pair.publicKey), secretKey: toHex(pair.secretKey) };
}

/** Reads a stored key pair back; undefined when the text is not one (corrupt storage is not fatal). */
export function parseKeyPair(text: string | null | undefined): KeyPair | undefined {
  if (!text || !/^[0-9a-f]{128}$/.test(text)) return undefined;
  const pair = nacl.sign.keyPair.fromSecretKey(fromHex(text));
  return { publicKey: toHex(pair.publicKey), secretKey: text };
}

/** The reference signer: tweetnacl, synchronous, everywhere (and slow: ~7 ms a signature in Chromium here). */
export function tweetnaclSigner(pair: KeyPair): Signer {
  const secret = fromHex(pair.secretKey);
  return { publicKey: pair.publicKey, sign: (message) => nacl.sign.detached(message, secret) };
}

/** tweetnacl's check behind the rules every path shares (strictRules.ts: it lacks the scalar range check). */
export function tweetnaclVerify(request: VerifyRequest): boolean {
  try {
    if (!passesStrictRules(request.publicKey, request.signature)) return false;
    return nacl.sign.detached.verify(request.message, fromHex(request.signature), fromHex(request.publicKey));
  } catch {
    return false;
  }
}

/** The reference verifier: correct everywhere, but ~80 checks a second in Chromium — a fallback only. */
export const tweetnaclVerifier: Verifier = {
  name: 'tweetnacl',
  verifyBatch: async (requests) => requests.map(tweetnaclVerify),
};

/** Short, human-comparable fingerprint of a public key. */
export function fingerprint(publicKey: string): string {
  return `${publicKey.slice(0, 4)}-${publicKey.slice(4, 8)}`;
}
