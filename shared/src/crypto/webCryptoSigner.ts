/**
 * Native Ed25519 signing through WebCrypto: the seed is imported once (as a JWK, not extractable) and
 * each signature is a promise, so the engine asks for it with a `sign` output and is fed the answer.
 * Chromium signs off the page's main thread.
 */
import type { AsyncSigner } from '../ports/ports.ts';
import { ownBuffer, privateJwk } from './ed25519Keys.ts';
import type { KeyPair } from './tweetnaclSigner.ts';

const ED25519 = { name: 'Ed25519' } as const;

export function webCryptoSigner(pair: KeyPair, subtle: SubtleCrypto = globalThis.crypto.subtle): AsyncSigner {
  let key: Promise<CryptoKey> | undefined;
  const imported = (): Promise<CryptoKey> => (key ??= subtle.importKey('jwk', privateJwk(pair), ED25519, false, ['sign']));
  return {
    publicKey: pair.publicKey,
    signBatch: async (messages) => {
      const secret = await imported();
      return Promise.all(messages.map(async (message) => new Uint8Array(await subtle.sign(ED25519, secret, ownBuffer(message)))));
    },
  };
}
