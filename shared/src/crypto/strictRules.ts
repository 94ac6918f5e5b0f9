/**
 * What every verifying path refuses alike, before its own check, so that pages on different paths (a
 * phone on @noble beside laptops on WebCrypto) hold the same events. The paths differ at the edges of
 * RFC 8032: tweetnacl takes a scalar S ≥ L, which lets anyone make a second valid-looking signature of an
 * honest event (pages on that path would hold it as its author's equivocation); OpenSSL and BoringSSL
 * take small-order and non-canonically encoded public keys, for which one signature passes for any
 * message, while @noble refuses them. No honest key or signature is refused by these rules.
 *
 * What remains different: a signature whose R has a small-order component, which only the key's owner
 * can make, passes @noble's cofactored check and fails the cofactorless native ones.
 */
import * as ed from '@noble/ed25519';
import { fromHex } from '../engine/encoding.ts';

/** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian as in a signature. */
const ORDER = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

/** Whether a 64-byte signature's scalar S is below L (RFC 8032 §5.1.7, step 1). */
export function hasCanonicalScalar(signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  for (let i = 31; i >= 0; i--) {
    const s = signature[32 + i]!;
    const l = ORDER[i]!;
    if (s !== l) return s < l;
  }
  return false; // S = L
}

/** Keys judged once each: most events come from a few authors. Bounded so it cannot grow without end. */
const KEY_CACHE_LIMIT = 4096;
const judgedKeys = new Map<string, boolean>();

/** Whether a public key (hex) decodes canonically to a point of large order, as every honest key does. */
export function isStrictPublicKey(publicKey: string): boolean {
  let ok = judgedKeys.get(publicKey);
  if (ok === undefined) {
    try {
      ok = !ed.Point.fromBytes(fromHex(publicKey), false).isSmallOrder();
    } catch {
      ok = false;
    }
    if (judgedKeys.size >= KEY_CACHE_LIMIT) judgedKeys.clear();
    judgedKeys.set(publicKey, ok);
  }
  return ok;
}

/** Both rules, for a signature in hex (a malformed one fails). */
export function passesStrictRules(publicKey: string, signature: string): boolean {
  try {
    return hasCanonicalScalar(fromHex(signature)) && isStrictPublicKey(publicKey);
  } catch {
    return false;
  }
}
