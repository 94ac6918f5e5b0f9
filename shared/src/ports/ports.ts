/**
 * The ports through which the engine meets the world. The engine never reads a clock, a random source,
 * a key store or a socket: the composition root (browser, server, test, simulator) injects these.
 */

/** Signs with one ed25519 key, synchronously (tweetnacl, or node:crypto where it is faster). */
export interface Signer {
  /** The public key, lowercase hex. */
  readonly publicKey: string;
  sign(message: Uint8Array): Uint8Array;
}

/** One signature the engine asks its driver to check; the answer comes back as a `verified` input. */
export interface VerifyRequest {
  readonly id: string;
  /** ed25519 public key, lowercase hex. */
  readonly publicKey: string;
  readonly message: Uint8Array;
  /** Signature, lowercase hex. */
  readonly signature: string;
}

/** Checks a batch of signatures; may be asynchronous (WebCrypto) — the engine never awaits it. */
export interface Verifier {
  readonly name: string;
  verifyBatch(requests: readonly VerifyRequest[]): Promise<boolean[]>;
}

/** Uniform random source in [0, 1). Seeded in tests and in the simulator. */
export interface Rng {
  next(): number;
}
