/**
 * What this peer's defenses did, read from its engine: refusals by reason, duplicates ignored, links
 * dropped for flooding, keys banned for it, and the proofs of equivocation it holds. The attacker panel
 * shows it; the attacks spec reads it through `window.peerlab.debug.defenses()`.
 */
import { REJECTION_REASONS, type PeerlabNode, type RejectionReason } from '@peerlab/shared';

export interface Defenses {
  readonly rejections: Readonly<Partial<Record<RejectionReason, number>>>;
  readonly duplicates: number;
  readonly floodDrops: number;
  /** Keys banned for flooding, named when known, and when the ban ends (engine clock). */
  readonly bans: readonly { readonly peer: string; readonly name: string; readonly until: number }[];
  /** Proofs held: an author signed two different events for one sequence number. */
  readonly equivocations: readonly { readonly author: string; readonly name: string; readonly seq: number }[];
}

export const NO_DEFENSES: Defenses = { rejections: {}, duplicates: 0, floodDrops: 0, bans: [], equivocations: [] };

export function defensesOf(node: Pick<PeerlabNode, 'stats' | 'bans' | 'store'>, nameOf: (key: string) => string): Defenses {
  const stats = node.stats();
  const rejections: Partial<Record<RejectionReason, number>> = {};
  for (const reason of REJECTION_REASONS) if (stats.rejections[reason] > 0) rejections[reason] = stats.rejections[reason];
  return {
    rejections,
    duplicates: stats.duplicates,
    floodDrops: stats.floodDrops,
    bans: node.bans().map(({ peer, until }) => ({ peer, name: nameOf(peer), until })),
    equivocations: node.store.equivocations.map(({ author, seq }) => ({ author, name: nameOf(author), seq })),
  };
}
