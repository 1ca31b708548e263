import type { CommitCertificate as CoreCertificate, Vote } from "../../consensus/index.js";
import type { CommitCertificate } from "../../ledger/block.js";
import { fromHex } from "../../ledger/bytes.js";
import type { SignedVote } from "../../ledger/signed-vote.js";

/** Bound on what a flood of votes can make us keep (our own are always kept). */
const MAX_SIGNED_VOTES = 100_000;

/** One signed vote: who, where, for what, when (prevotes carry timestamp 0). */
export function voteKey(vote: Vote): string {
  const timestampMs = vote.type === "prevote" ? 0 : vote.timestampMs;
  return `${vote.height}/${vote.round}/${vote.type}/${vote.validator}/${vote.valueId ?? "nil"}/${timestampMs}`;
}

function polKey(height: number, round: number, valueId: string): string {
  return `${height}/${round}/${valueId}`;
}

/**
 * The signed votes of the undecided heights, ours and received, as the core names them: the
 * signatures a commit certificate and double-sign evidence are made of, and the prevotes of a
 * proof-of-lock that a re-proposal needs relayed.
 */
export class VoteBook {
  private readonly votes = new Map<string, { vote: Vote; signed: SignedVote }>();
  /** Prevotes for a value, by (height, round, value id), then by validator. */
  private readonly prevotes = new Map<string, Map<string, SignedVote>>();

  constructor(private readonly max = MAX_SIGNED_VOTES) {}

  add(vote: Vote, signed: SignedVote, own = false): void {
    if (!own && this.votes.size >= this.max) return;
    this.votes.set(voteKey(vote), { vote, signed });
    if (vote.type !== "prevote" || vote.valueId === null) return;
    const key = polKey(vote.height, vote.round, vote.valueId);
    let byValidator = this.prevotes.get(key);
    if (byValidator === undefined) {
      byValidator = new Map();
      this.prevotes.set(key, byValidator);
    }
    byValidator.set(vote.validator, signed);
  }

  get(vote: Vote): SignedVote | undefined {
    return this.votes.get(voteKey(vote))?.signed;
  }

  /** The signed prevotes we hold for `valueId` in (height, round): a proposal's proof of lock. */
  proofOfLock(height: number, round: number, valueId: string): SignedVote[] {
    return [...(this.prevotes.get(polKey(height, round, valueId))?.values() ?? [])];
  }

  /** The ledger's certificate for the core's decision, with the signatures we hold for it. */
  certificate(decided: CoreCertificate, blockHash: Uint8Array): CommitCertificate {
    return {
      height: BigInt(decided.height),
      round: decided.round,
      blockHash,
      signatures: decided.precommits.flatMap((vote) => {
        const signed = this.get(vote);
        return signed === undefined
          ? []
          : [
              {
                validator: fromHex(vote.validator),
                timestampMs: signed.timestampMs,
                signature: signed.signature,
              },
            ];
      }),
    };
  }

  /** Forget every vote of `height` and below. */
  pruneThrough(height: number): void {
    for (const [key, { vote }] of this.votes) if (vote.height <= height) this.votes.delete(key);
    for (const key of this.prevotes.keys())
      if (Number(key.split("/")[0]) <= height) this.prevotes.delete(key);
  }
}
