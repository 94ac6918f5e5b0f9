/**
 * The simulator's only departure from a real room: signatures are a stand-in. Every node "signs" with a
 * fixed dummy signature and every verification request is answered `true`, because ed25519 for 10,000
 * simulated nodes would measure the crypto, not the gossip. Summaries say `"signatures": "stand-in"`.
 * Never use these outside shared/src/sim.
 */
import type { Signer } from '../ports/ports.ts';

export const SIGNATURES = 'stand-in';

const DUMMY_SIGNATURE = new Uint8Array(64);

/** A distinct, well-formed (64 hex digits) public key per simulated node. */
export function standInKey(index: number): string {
  return index.toString(16).padStart(64, '0');
}

/** `publicKey`: the node's standInKey. */
export function standInSigner(publicKey: string): Signer {
  return { publicKey, sign: () => DUMMY_SIGNATURE };
}

export function acceptEverySignature(): boolean {
  return true;
}
