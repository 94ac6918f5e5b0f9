/**
 * A platform's way to sign and verify, chosen once per page (or process): its name, why it was chosen
 * (the page says both), the verifier and a signer for each key it writes with. The choosers are
 * cryptoChoice.ts (browser) and nodeCrypto.ts (server, bots); tweetnacl is the reference behind them all.
 */
import type { AnySigner, AsyncSigner, Signer, Verifier } from '../ports/ports.ts';
import { nobleSigner, nobleVerifier } from './nobleEd25519.ts';
import { tweetnaclSigner, tweetnaclVerifier, type KeyPair } from './tweetnaclSigner.ts';

export type CryptoPathName = 'webcrypto' | 'node:crypto' | 'noble' | 'tweetnacl';

export interface CryptoSuite {
  readonly name: CryptoPathName;
  /** Why this path here, in a few words (e.g. `insecure context: no crypto.subtle`). */
  readonly why: string;
  readonly verifier: Verifier;
  /** A signer for one key (this peer's identity, the room admin's): synchronous or not, by path. */
  signer(pair: KeyPair): AnySigner;
}

export function nobleSuite(why: string): CryptoSuite {
  return { name: 'noble', why, verifier: nobleVerifier, signer: nobleSigner };
}

export function tweetnaclSuite(why: string): CryptoSuite {
  return { name: 'tweetnacl', why, verifier: tweetnaclVerifier, signer: tweetnaclSigner };
}

/**
 * An asynchronous signer that signs a batch with `fallback` when the platform's call fails (after the
 * chooser's probe passed, that is a platform fault): a write then costs more, but is never lost for it.
 */
export function withFallback(signer: AsyncSigner, fallback: Signer): AsyncSigner {
  return {
    publicKey: signer.publicKey,
    signBatch: (messages) => signer.signBatch(messages).catch(() => messages.map((message) => fallback.sign(message))),
  };
}
