/**
 * The ports through which the engine meets the world. The engine never reads a clock, a random source,
 * a key store or a socket: the composition root (browser, server, test, simulator) injects these.
 */

/** Signs with one ed25519 key, synchronously (node:crypto, @noble/ed25519, tweetnacl): the engine signs inline. */
export interface Signer {
  /** The public key, lowercase hex. */
  readonly publicKey: string;
  sign(message: Uint8Array): Uint8Array;
}

/**
 * Signs with one ed25519 key, asynchronously (WebCrypto returns a promise). The engine never calls it: it
 * emits a `sign` output, which the driver performs through this, and is fed the signatures as `signed`.
 */
export interface AsyncSigner {
  /** The public key, lowercase hex. */
  readonly publicKey: string;
  /** One signature per message, in order; rejects when the platform could not sign. */
  signBatch(messages: readonly Uint8Array[]): Promise<Uint8Array[]>;
}

/** A key the engine writes with: signed inline when synchronous, by its driver otherwise. */
export type AnySigner = Signer | AsyncSigner;

export function signsInline(signer: AnySigner): signer is Signer {
  return 'sign' in signer;
}

/** Bytes the engine asks its driver to sign with `publicKey`; the answer comes back as a `signed` input. */
export interface SignRequest {
  readonly id: string;
  /** The key to sign with (this node's own, or the room admin's), lowercase hex. */
  readonly publicKey: string;
  readonly message: Uint8Array;
}

/** A signature the driver made for a `SignRequest` (lowercase hex), or its failure. */
export type SignResult = { readonly id: string; readonly ok: true; readonly sig: string } | { readonly id: string; readonly ok: false };

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
