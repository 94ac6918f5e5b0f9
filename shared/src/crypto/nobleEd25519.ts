/**
 * @noble/ed25519 with @noble/hashes' SHA-512: audited, pure JavaScript and synchronous, several times
 * faster than tweetnacl. The path of a page without WebCrypto's Ed25519 (an insecure context, such as a
 * phone on the plain-http LAN URL, has no `crypto.subtle` at all).
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { fromHex } from '../engine/encoding.ts';
import type { Signer, Verifier, VerifyRequest } from '../ports/ports.ts';
import { seedOf } from './ed25519Keys.ts';
import type { KeyPair } from './tweetnaclSigner.ts';

// The synchronous API needs a synchronous SHA-512 (its default is WebCrypto's, which is asynchronous).
ed.hashes.sha512 = sha512;

/**
 * RFC 8032's strict branch (`zip215: false`): ZIP-215's laxer point decoding would accept signatures the
 * native paths refuse, and pages on different paths would hold different events (strictRules.ts).
 */
const STRICT = { zip215: false } as const;

export function nobleSigner(pair: KeyPair): Signer {
  const seed = seedOf(pair);
  return { publicKey: pair.publicKey, sign: (message) => ed.sign(message, seed) };
}

export function nobleVerify(request: VerifyRequest): boolean {
  try {
    return ed.verify(fromHex(request.signature), request.message, fromHex(request.publicKey), STRICT);
  } catch {
    return false;
  }
}

export const nobleVerifier: Verifier = {
  name: 'noble',
  verifyBatch: async (requests) => requests.map(nobleVerify),
};
