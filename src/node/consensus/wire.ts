import {
  type Block,
  blockHeaderCodec,
  bytes,
  type CodecType,
  commitCertificateCodec,
  decode,
  encode,
  fixedBytes,
  HASH_BYTES,
  list,
  MAX_BLOCK_TXS,
  MAX_TX_BYTES,
  optional,
  publicKeyCodec,
  signatureCodec,
  struct,
  taggedUnion,
  u32,
  u64,
} from "../../ledger/index.js";
import { signedVoteCodec } from "../../ledger/signed-vote.js";

/**
 * What validators send one another, each message signed by its author's consensus key (the
 * transport authenticates the link; the signature makes a message evidence on its own).
 *
 * A proposal carries the whole block and the commit certificate of the previous block: the
 * block's time must be the power-weighted median of that certificate's precommit timestamps
 * (CometBFT's BFT time), which every validator can recompute.
 */
export const proposalPayloadCodec = struct({
  header: blockHeaderCodec,
  txs: list(bytes(MAX_TX_BYTES), MAX_BLOCK_TXS),
  lastCommit: optional(commitCertificateCodec),
});
export type ProposalPayload = CodecType<typeof proposalPayloadCodec>;

/**
 * The same block with its transactions named by their hashes (protocol 11): what a proposer
 * sends, since its peers hold nearly all of them in their pools already (each was gossiped as it
 * was admitted). A peer that misses one asks for the full proposal (proposalRequest).
 */
export const compactPayloadCodec = struct({
  header: blockHeaderCodec,
  txHashes: list(fixedBytes(HASH_BYTES), MAX_BLOCK_TXS),
  lastCommit: optional(commitCertificateCodec),
});
export type CompactPayload = CodecType<typeof compactPayloadCodec>;

export const signedProposalCodec = struct({
  height: u64,
  round: u32,
  /** The paper's validRound, or none for -1. */
  validRound: optional(u32),
  proposer: publicKeyCodec,
  payload: bytes(40 * 1024 * 1024),
  signature: signatureCodec,
});
export type SignedProposal = CodecType<typeof signedProposalCodec>;

export { type SignedVote, signedVoteCodec } from "../../ledger/signed-vote.js";

const peerMessageVariants = {
  proposal: { tag: 1, codec: signedProposalCodec },
  vote: { tag: 2, codec: signedVoteCodec },
  /** A transaction some client submitted to the sender, gossiped so any proposer can include it. */
  tx: { tag: 3, codec: bytes(MAX_TX_BYTES) },
  /** The sender's last committed height, so peers that are behind know whom to ask. */
  status: { tag: 4, codec: struct({ height: u64 }) },
  /** Ask for committed blocks from a height on. */
  blocksRequest: { tag: 5, codec: struct({ fromHeight: u64, max: u32 }) },
  /** Committed blocks (canonical encoding, each with its commit certificate), in height order. */
  blocks: { tag: 6, codec: list(bytes(48 * 1024 * 1024), 64) },
  /**
   * Ask for committed blocks with their results from a height downwards (backfill: a node restored
   * from a snapshot fetches the blocks below it).
   */
  backfillRequest: { tag: 7, codec: struct({ toHeight: u64, max: u32 }) },
  /**
   * The answer: blocks (each with its commit certificate) and their encoded results, from
   * toHeight down without a gap; none when the sender does not hold toHeight.
   */
  backfillBlocks: {
    tag: 8,
    codec: struct({
      toHeight: u64,
      blocks: list(struct({ block: bytes(48 * 1024 * 1024), results: bytes(48 * 1024 * 1024) }), 64),
    }),
  },
  /** A signed proposal whose payload is a compactPayloadCodec encoding (protocol 11). */
  compactProposal: { tag: 9, codec: signedProposalCodec },
  /** Send me your proposal of this height and round in full: my pool lacks some of its transactions. */
  proposalRequest: { tag: 10, codec: struct({ height: u64, round: u32 }) },
};
export const peerMessageCodec = taggedUnion("u8", peerMessageVariants);
export type PeerMessage = CodecType<typeof peerMessageCodec>;

const KIND_OF_TAG = new Map<number, string>(
  Object.entries(peerMessageVariants).map(([kind, variant]) => [variant.tag, kind]),
);

/** The kind an encoded peer message names in its first byte (for counting), or "unknown". */
export function peerMessageKind(encoded: Uint8Array): string {
  return KIND_OF_TAG.get(encoded[0] ?? -1) ?? "unknown";
}

export function encodePeerMessage(message: PeerMessage): Uint8Array {
  return encode(peerMessageCodec, message);
}

export function decodePeerMessage(data: Uint8Array): PeerMessage {
  return decode(peerMessageCodec, data);
}

export function encodeProposalPayload(
  block: Pick<Block, "header" | "txs"> & Partial<Block>,
  lastCommit: ProposalPayload["lastCommit"],
): Uint8Array {
  return encode(proposalPayloadCodec, { header: block.header, txs: block.txs, lastCommit });
}

export function decodeProposalPayload(payload: Uint8Array): ProposalPayload {
  return decode(proposalPayloadCodec, payload);
}

export function encodeCompactPayload(payload: CompactPayload): Uint8Array {
  return encode(compactPayloadCodec, payload);
}

export function decodeCompactPayload(payload: Uint8Array): CompactPayload {
  return decode(compactPayloadCodec, payload);
}
