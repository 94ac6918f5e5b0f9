/**
 * One Ed25519 key in the forms each platform takes. A tweetnacl secret key is the 32-byte seed followed by
 * the public key; WebCrypto imports the seed as a JWK (`d`, with the public key as `x`), node:crypto as
 * PKCS#8 DER, and both take a public key as SPKI DER (WebCrypto also raw).
 */
import { fromHex } from '../engine/encoding.ts';
import type { KeyPair } from './tweetnaclSigner.ts';

/** RFC 8410 PKCS#8 wrapping of a 32-byte Ed25519 seed: this prefix, then the seed. */
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
/** RFC 8410 SPKI wrapping of a 32-byte Ed25519 public key: this prefix, then the key. */
const SPKI_PREFIX = fromHex('302a300506032b6570032100');

/** The RFC 8032 secret key: the first half of tweetnacl's 64-byte secret key. */
export function seedOf(pair: KeyPair): Uint8Array {
  return fromHex(pair.secretKey.slice(0, 64));
}

export function pkcs8Of(pair: KeyPair): Uint8Array {
  return concat(PKCS8_PREFIX, seedOf(pair));
}

export function spkiOf(publicKey: string): Uint8Array {
  return concat(SPKI_PREFIX, fromHex(publicKey));
}

/** The private key as WebCrypto's `importKey('jwk', …)` takes it. */
export function privateJwk(pair: KeyPair): JsonWebKey {
  return { kty: 'OKP', crv: 'Ed25519', d: base64url(seedOf(pair)), x: base64url(fromHex(pair.publicKey)), ext: false };
}

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A copy of the bytes in their own ArrayBuffer, as WebCrypto's typings want. */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
