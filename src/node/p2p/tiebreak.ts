import { bytesEqual } from "../../ledger/bytes.js";
import type { LinkRole } from "./hello.js";

/** What the tie-break needs to know of an authenticated link to a peer. */
export interface LinkFacts {
  /** Our role on the link. */
  role: LinkRole;
  /** The incarnation the peer sent in its Hello on this link. */
  peerIncarnation: Uint8Array;
}

/**
 * Whether a newly authenticated link replaces the current one to the same peer. Both ends
 * compute the same answer from facts they share, so exactly one link survives:
 * - the peer restarted (another incarnation): the old link is stale, take the new one;
 * - both links were dialled by the same side: that side gave up on the old one, take the new;
 * - otherwise keep the link dialled by the node with the lower id.
 */
export function replacesCurrent(
  selfId: string,
  peerId: string,
  current: LinkFacts,
  candidate: LinkFacts,
): boolean {
  if (!bytesEqual(current.peerIncarnation, candidate.peerIncarnation)) return true;
  const diallerOf = (l: LinkFacts) => (l.role === "dialler" ? selfId : peerId);
  if (diallerOf(current) === diallerOf(candidate)) return true;
  const lower = selfId < peerId ? selfId : peerId;
  return diallerOf(candidate) === lower;
}
