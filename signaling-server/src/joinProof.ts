/**
 * Where a join's proof of possession is checked (issue 13), and what a checked join is. A `ProvenJoin` is
 * made here only, and the room service registers nothing else: no path — a socket's join at the door, a
 * join another process forwards over Redis, a takeover's re-join of the sockets it holds — can put a key
 * on a socket that did not sign for that key, that room and that connection.
 */
import { decodeJoin, joinProofCheck, joinProofStaleness, type JoinRequest, type Verifier, type VerifyRequest } from '@peerlab/shared';

declare const provenBrand: unique symbol;

/** A join whose proof was checked for the socket `socketId`. */
export interface ProvenJoin {
  readonly request: JoinRequest;
  readonly socketId: string;
  /** The network address the socket connected from: new identities are budgeted per address (identityBudget.ts). */
  readonly address: string;
  readonly [provenBrand]: true;
}

export type JoinProofRefusal = {
  readonly ok: false;
  readonly reason: 'schema' | 'bad_join_proof';
  readonly detail: string;
  /** For a proof whose time is off: the server's clock when it judged (JoinResponse.serverTime). */
  readonly serverTime?: number;
};

export type JoinProofOutcome = { readonly ok: true; readonly join: ProvenJoin } | JoinProofRefusal;

const NOT_THE_KEY: JoinProofRefusal = { ok: false, reason: 'bad_join_proof', detail: "the proof is not the named key's signature for this room and connection" };

function proven(request: JoinRequest, socketId: string, address: string): ProvenJoin {
  return { request, socketId, address } as ProvenJoin;
}

/**
 * At the door (socketHandlers.ts), for a join that arrived on `socketId`: the proof's time is within the
 * window of this server's clock, then (the costlier check last) it is the named key's signature.
 */
export async function checkJoinAtEntry(request: JoinRequest, socketId: string, address: string, now: number, verifier: Verifier): Promise<JoinProofOutcome> {
  const stale = joinProofStaleness(request.proof.at, now);
  if (stale !== undefined) return { ok: false, reason: 'bad_join_proof', detail: stale, serverTime: now };
  const [signed] = await verifier.verifyBatch([joinProofCheck(request, socketId)]);
  return signed === true ? { ok: true, join: proven(request, socketId, address) } : NOT_THE_KEY;
}

/**
 * On a room's owner, a join another process forwarded (redisDirectory.ts): decoded again, and its
 * signature checked again for the socket it names, so a forwarded join cannot carry a key to a socket
 * that never proved it. Its time is not judged again: the door did that, and a takeover re-joins a socket
 * with the proof it gave when it joined, minutes before. Synchronous, so that the link-up forwarded right
 * behind a join on the bus still finds the member registered.
 */
export function checkForwardedJoin(raw: unknown, socketId: unknown, address: unknown, verify: (request: VerifyRequest) => boolean): JoinProofOutcome {
  const decoded = decodeJoin(raw);
  if (!decoded.ok) return decoded;
  if (typeof socketId !== 'string' || socketId.length === 0) return { ok: false, reason: 'schema', detail: 'a forwarded join names no socket' };
  if (typeof address !== 'string' || address.length === 0 || address.length > 64) return { ok: false, reason: 'schema', detail: 'a forwarded join names no address' };
  return verify(joinProofCheck(decoded.value, socketId)) ? { ok: true, join: proven(decoded.value, socketId, address) } : NOT_THE_KEY;
}
