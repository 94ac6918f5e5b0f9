/**
 * A join's proof of possession (issue 13): the server keys its members by public key, so a join must show
 * that the joiner holds the secret of the key it names, or anyone could take over another member's entry
 * and receive what is addressed to it. The joiner signs, with that key, bytes that bind the room, the key,
 * the Socket.IO connection it joins on and the time. The connection id is chosen at random by the server
 * and known to both ends once connected, so it serves as the server's challenge: a proof seen once is good
 * on that one connection only. The time bounds how long it stays good (a connection's id can outlive a
 * disconnect, for the recovery window of the Redis scale-out).
 */
import { canonicalJson, toHex, utf8 } from '../engine/encoding.ts';
import { signsInline, type AnySigner, type VerifyRequest } from '../ports/ports.ts';

/**
 * How far a proof's time may be from the server's clock, either way: wide enough for a page's clock to
 * be a little off and a busy page to sign late, narrow enough that a captured proof soon expires. A page
 * whose clock is further off learns the server's from the refusal and signs again (serverLink.ts).
 */
export const JOIN_PROOF_WINDOW_MS = 60_000;

/**
 * Domain separation: an event's signed bytes are a canonical JSON object (they start with `{`), a
 * report's start with `peerlab/report/v1`, these with this: no join proof passes for either, nor the reverse.
 */
const JOIN_PROOF_PREFIX = 'peerlab/join/v1\n';

/** What a join proof is about. */
export interface JoinProofClaim {
  /** The room code the join names. */
  readonly room: string;
  /** The public key the join names, hex: the key that signs. */
  readonly peer: string;
  /** The Socket.IO connection id the join is sent on (`socket.id`, the same at both ends). */
  readonly socket: string;
  /** When it was signed: ms since the epoch, by the server's clock as the joiner knows it. */
  readonly at: number;
}

/** The proof a join carries (JoinRequest.proof). */
export interface JoinProof {
  readonly at: number;
  /** The ed25519 signature of `joinProofBytes(claim)` by `peer`, lowercase hex. */
  readonly sig: string;
}

export function joinProofBytes(claim: JoinProofClaim): Uint8Array {
  const { room, peer, socket, at } = claim;
  return utf8(JOIN_PROOF_PREFIX + canonicalJson({ room, peer, socket, at }));
}

/** Signs a join's proof with the joiner's key, synchronous or not (a browser's WebCrypto answers later). */
export async function signJoinProof(signer: AnySigner, claim: Omit<JoinProofClaim, 'peer'>): Promise<JoinProof> {
  const bytes = joinProofBytes({ ...claim, peer: signer.publicKey });
  const sig = signsInline(signer) ? signer.sign(bytes) : (await signer.signBatch([bytes]))[0];
  if (!sig) throw new Error('the signer returned no signature for the join proof');
  return { at: claim.at, sig: toHex(sig) };
}

/** The signature check a join's proof asks for, on the connection it arrived on. */
export function joinProofCheck(join: { readonly room: string; readonly peer: string; readonly proof: JoinProof }, socket: string): VerifyRequest {
  const { room, peer, proof } = join;
  return { id: 'join', publicKey: peer, message: joinProofBytes({ room, peer, socket, at: proof.at }), signature: proof.sig };
}

/** Why a proof's time is not acceptable at `now` (undefined: within the window). */
export function joinProofStaleness(at: number, now: number, windowMs = JOIN_PROOF_WINDOW_MS): string | undefined {
  if (at < now - windowMs) return `the proof was signed ${Math.round((now - at) / 1000)} s ago (at most ${windowMs / 1000} s)`;
  if (at > now + windowMs) return `the proof is dated ${Math.round((at - now) / 1000)} s ahead of the server's clock (at most ${windowMs / 1000} s)`;
  return undefined;
}
