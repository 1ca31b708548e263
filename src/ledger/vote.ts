/**
 * The canonical bytes validators sign for consensus messages. Shared by consensus (signing,
 * checking votes) and the ledger (checking commit certificates), so both sign one format.
 *
 * Each is a domain prefix (ASCII, no length prefix) followed by the codec encoding of:
 *   chainId string(64), height u64, round u32, blockHash optional(32 bytes) [, extra]
 * where a missing blockHash is a vote for nil, and extra is timestampMs u64 for precommits and
 * validRound optional(u32) for proposals (absent when the paper's validRound is -1).
 */
import { domainBytes } from "./bytes.js";
import { type Codec, encode, fixedBytes, optional, string, struct, u32, u64 } from "./codec.js";

export const PROPOSAL_DOMAIN = "MKL/proposal/v1";
export const PREVOTE_DOMAIN = "MKL/prevote/v1";
export const PRECOMMIT_DOMAIN = "MKL/precommit/v1";

const BLOCK_HASH_BYTES = 32;
const chainId = string(64);
const maybeBlockHash = optional(fixedBytes(BLOCK_HASH_BYTES));

const prevoteCodec = struct({ chainId, height: u64, round: u32, blockHash: maybeBlockHash });
const precommitCodec = struct({
  chainId,
  height: u64,
  round: u32,
  blockHash: maybeBlockHash,
  timestampMs: u64,
});
const proposalCodec = struct({
  chainId,
  height: u64,
  round: u32,
  blockHash: fixedBytes(BLOCK_HASH_BYTES),
  validRound: optional(u32),
});

function withDomain<T>(domain: string, codec: Codec<T>, v: T): Uint8Array {
  const prefix = domainBytes(domain);
  const body = encode(codec, v, 128);
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix);
  out.set(body, prefix.length);
  return out;
}

/** Bytes signed by a prevote; blockHash undefined is a prevote for nil. */
export function prevoteSignBytes(
  chainId: string,
  height: bigint,
  round: number,
  blockHash: Uint8Array | undefined,
): Uint8Array {
  return withDomain(PREVOTE_DOMAIN, prevoteCodec, { chainId, height, round, blockHash });
}

/**
 * Bytes signed by a precommit, and so by each signature of a commit certificate; blockHash
 * undefined is a precommit for nil. timestampMs is the validator's clock when it voted.
 */
export function commitVoteSignBytes(
  chainId: string,
  height: bigint,
  round: number,
  blockHash: Uint8Array | undefined,
  timestampMs: bigint,
): Uint8Array {
  return withDomain(PRECOMMIT_DOMAIN, precommitCodec, { chainId, height, round, blockHash, timestampMs });
}

/** Bytes signed by a proposer; validRound is -1 (none) or the round of the valid value. */
export function proposalSignBytes(
  chainId: string,
  height: bigint,
  round: number,
  blockHash: Uint8Array,
  validRound: number,
): Uint8Array {
  const vr = validRound === -1 ? undefined : validRound;
  return withDomain(PROPOSAL_DOMAIN, proposalCodec, { chainId, height, round, blockHash, validRound: vr });
}
