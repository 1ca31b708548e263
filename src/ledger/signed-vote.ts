/**
 * A validator's signed prevote or precommit as it travels between nodes, and as evidence of
 * double signing on the chain. Prevotes sign no timestamp, so theirs is always 0.
 */
import type { Suite } from "../crypto/suite.js";
import { type CodecType, fixedBytes, oneOf, optional, struct, u8, u32, u64 } from "./codec.js";
import { verifySignatureBytes } from "./suite.js";
import { publicKeyCodec, signatureCodec } from "./tx.js";
import { commitVoteSignBytes, prevoteSignBytes } from "./vote.js";

export const PREVOTE_TYPE = 1;
export const PRECOMMIT_TYPE = 2;
/** The vote types, a closed enumeration: any other byte does not decode. */
export const voteTypeCodec = oneOf([PREVOTE_TYPE, PRECOMMIT_TYPE], u8);

export const signedVoteCodec = struct({
  voteType: voteTypeCodec,
  height: u64,
  round: u32,
  blockHash: optional(fixedBytes(32)),
  timestampMs: u64,
  validator: publicKeyCodec,
  signature: signatureCodec,
});
export type SignedVote = CodecType<typeof signedVoteCodec>;

/** The bytes the validator signed, or undefined for a malformed vote. */
export function signedVoteSignBytes(
  chainId: string,
  vote: Omit<SignedVote, "signature" | "validator">,
): Uint8Array | undefined {
  if (vote.voteType === PREVOTE_TYPE) {
    return vote.timestampMs === 0n
      ? prevoteSignBytes(chainId, vote.height, vote.round, vote.blockHash)
      : undefined;
  }
  if (vote.voteType === PRECOMMIT_TYPE) {
    return commitVoteSignBytes(chainId, vote.height, vote.round, vote.blockHash, vote.timestampMs);
  }
  return undefined;
}

/** True when the vote is well formed and signed by its validator; never throws. */
export function verifySignedVote(
  suite: Pick<Suite, "verify" | "publicKeyFromBytes">,
  chainId: string,
  vote: SignedVote,
): boolean {
  const message = signedVoteSignBytes(chainId, vote);
  if (message === undefined) return false;
  return verifySignatureBytes(suite, vote.validator, message, vote.signature);
}
