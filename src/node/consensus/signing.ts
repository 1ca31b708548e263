import type { Proposal, Vote } from "../../consensus/index.js";
import type { KeyPair, Suite } from "../../crypto/suite.js";
import { fromHex, toHex } from "../../ledger/bytes.js";
import { PRECOMMIT_TYPE, PREVOTE_TYPE, verifySignedVote } from "../../ledger/signed-vote.js";
import { verifySignatureBytes } from "../../ledger/suite.js";
import { commitVoteSignBytes, prevoteSignBytes, proposalSignBytes } from "../../ledger/vote.js";
import type { SignedProposal, SignedVote } from "./wire.js";

/**
 * Turning the core's messages into signed wire messages and back. A validator's id in the core
 * is the lowercase hex of its consensus public key, so a signature check needs no lookup.
 */
const PREVOTE = PREVOTE_TYPE;
const PRECOMMIT = PRECOMMIT_TYPE;

function voteSignBytes(chainId: string, vote: Vote): Uint8Array {
  const hash = vote.valueId === null ? undefined : fromHex(vote.valueId);
  return vote.type === "prevote"
    ? prevoteSignBytes(chainId, BigInt(vote.height), vote.round, hash)
    : commitVoteSignBytes(chainId, BigInt(vote.height), vote.round, hash, BigInt(vote.timestampMs));
}

export function signVote(suite: Suite, key: KeyPair, chainId: string, vote: Vote): SignedVote {
  // Prevotes sign no timestamp; carrying one would let a relay forge "different" votes.
  const timestampMs = vote.type === "prevote" ? 0 : vote.timestampMs;
  return {
    voteType: vote.type === "prevote" ? PREVOTE : PRECOMMIT,
    height: BigInt(vote.height),
    round: vote.round,
    blockHash: vote.valueId === null ? undefined : fromHex(vote.valueId),
    timestampMs: BigInt(timestampMs),
    validator: key.publicKey.bytes,
    signature: suite.sign(key.privateKey, voteSignBytes(chainId, { ...vote, timestampMs })),
  };
}

/** The core's view of a signed vote, or undefined if the signature does not verify. */
export function openVote(suite: Suite, chainId: string, signed: SignedVote): Vote | undefined {
  if (!verifySignedVote(suite, chainId, signed)) return undefined;
  return {
    type: signed.voteType === PREVOTE ? "prevote" : "precommit",
    height: Number(signed.height),
    round: signed.round,
    valueId: signed.blockHash === undefined ? null : toHex(signed.blockHash),
    validator: toHex(signed.validator),
    timestampMs: Number(signed.timestampMs),
  };
}

export function signProposal(
  suite: Suite,
  key: KeyPair,
  chainId: string,
  proposal: Proposal,
): SignedProposal {
  const message = proposalSignBytes(
    chainId,
    BigInt(proposal.height),
    proposal.round,
    fromHex(proposal.value.valueId),
    proposal.validRound,
  );
  return {
    height: BigInt(proposal.height),
    round: proposal.round,
    validRound: proposal.validRound === -1 ? undefined : proposal.validRound,
    proposer: key.publicKey.bytes,
    payload: proposal.value.payload,
    signature: suite.sign(key.privateKey, message),
  };
}

/**
 * The core's view of a signed proposal whose value id is `blockHashHex` (the hash of the
 * header inside the payload, computed by the caller), or undefined if the signature fails.
 */
export function openProposal(
  suite: Suite,
  chainId: string,
  signed: SignedProposal,
  blockHashHex: string,
): Proposal | undefined {
  const validRound = signed.validRound ?? -1;
  const message = proposalSignBytes(chainId, signed.height, signed.round, fromHex(blockHashHex), validRound);
  if (!verify(suite, signed.proposer, message, signed.signature)) return undefined;
  return {
    type: "proposal",
    height: Number(signed.height),
    round: signed.round,
    value: { valueId: blockHashHex, payload: signed.payload },
    validRound,
    proposer: toHex(signed.proposer),
  };
}

const verify = verifySignatureBytes;
