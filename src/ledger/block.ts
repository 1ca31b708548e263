/**
 * Blocks, headers and commit certificates, and their canonical encodings.
 *
 * Header encoding, in this order: chainId string(64), height u64, timeMs u64, previousHash,
 * lastCommitHash, txRoot, resultsRoot, stateRoot (32 bytes each), proposer bytes(128),
 * validatorSetHash, nextValidatorSetHash (32 bytes each). blockHash = suite hash of that
 * encoding. The genesis block's previousHash is 32 zero bytes.
 *
 * A block carries the commit certificate of the previous block (`lastCommit`, as in CometBFT),
 * and its header commits to it: lastCommitHash = hash of the optional certificate's encoding
 * (0x00 for none, at height 1). So the proposer's signature covers the certificate whose
 * precommit timestamps give the block its time, and no relay can swap in another one.
 *
 * The block's own commit certificate is not part of the block hash (it signs the hash). A
 * block holds its txs as the encoded signed txs, opaque here; txRoot is merkleRoot over those
 * bytes and resultsRoot merkleRoot over the app's encoded tx results, one per tx, in block order.
 */
import {
  bytes,
  type Codec,
  decode,
  encode,
  fixedBytes,
  list,
  optional,
  string,
  struct,
  u32,
  u64,
} from "./codec.js";
import { BlockError } from "./errors.js";
import type { Hasher } from "./suite.js";
import { MAX_CHAIN_ID_BYTES, MAX_TX_BYTES, publicKeyCodec, signatureCodec } from "./tx.js";

/** Every hash the ledger stores or names: block, tx, state root (SHA-256 and SM3 alike). */
export const HASH_BYTES = 32;
export const MAX_BLOCK_TXS = 10_000;
export const MAX_BLOCK_BYTES = 32 * 1024 * 1024;
export const MAX_VALIDATORS = 1024;

export interface BlockHeader {
  chainId: string;
  height: bigint;
  /** Consensus time, ms since the Unix epoch; the app reads time from the header only. */
  timeMs: bigint;
  previousHash: Uint8Array;
  /** Hash of the block's lastCommit (see lastCommitHash). */
  lastCommitHash: Uint8Array;
  txRoot: Uint8Array;
  resultsRoot: Uint8Array;
  stateRoot: Uint8Array;
  /** The proposer's public key bytes. */
  proposer: Uint8Array;
  validatorSetHash: Uint8Array;
  nextValidatorSetHash: Uint8Array;
}

export interface CommitSignature {
  validator: Uint8Array;
  timestampMs: bigint;
  signature: Uint8Array;
}

export interface CommitCertificate {
  height: bigint;
  round: number;
  blockHash: Uint8Array;
  signatures: CommitSignature[];
}

export interface Block {
  header: BlockHeader;
  /** Encoded signed txs, opaque to the ledger. */
  txs: Uint8Array[];
  /** The previous block's commit certificate (none at height 1); header.lastCommitHash commits to it. */
  lastCommit: CommitCertificate | undefined;
  /** Filled by consensus; not part of the block hash. */
  commit: CommitCertificate | undefined;
}

const hash32 = fixedBytes(HASH_BYTES);

export const blockHeaderCodec: Codec<BlockHeader> = struct({
  chainId: string(MAX_CHAIN_ID_BYTES),
  height: u64,
  timeMs: u64,
  previousHash: hash32,
  lastCommitHash: hash32,
  txRoot: hash32,
  resultsRoot: hash32,
  stateRoot: hash32,
  proposer: publicKeyCodec,
  validatorSetHash: hash32,
  nextValidatorSetHash: hash32,
});

export const commitSignatureCodec: Codec<CommitSignature> = struct({
  validator: publicKeyCodec,
  timestampMs: u64,
  signature: signatureCodec,
});

export const commitCertificateCodec: Codec<CommitCertificate> = struct({
  height: u64,
  round: u32,
  blockHash: hash32,
  signatures: list(commitSignatureCodec, MAX_VALIDATORS),
});

const lastCommitCodec = optional(commitCertificateCodec);

export const blockCodec: Codec<Block> = struct({
  header: blockHeaderCodec,
  txs: list(bytes(MAX_TX_BYTES), MAX_BLOCK_TXS),
  lastCommit: lastCommitCodec,
  commit: optional(commitCertificateCodec),
});

export function blockHash(suite: Hasher, header: BlockHeader): Uint8Array {
  return suite.hash(encode(blockHeaderCodec, header, 416));
}

/** What header.lastCommitHash must be for a block carrying `lastCommit`. */
export function lastCommitHash(suite: Hasher, lastCommit: CommitCertificate | undefined): Uint8Array {
  return suite.hash(encode(lastCommitCodec, lastCommit, 1024));
}

export function encodeBlock(block: Block): Uint8Array {
  const out = encode(blockCodec, block, 4096);
  if (out.length > MAX_BLOCK_BYTES) throw tooLarge(out.length);
  return out;
}

/** Decodes a block, refusing more than MAX_BLOCK_BYTES before parsing. */
export function decodeBlock(bytes: Uint8Array): Block {
  if (bytes.length > MAX_BLOCK_BYTES) throw tooLarge(bytes.length);
  return decode(blockCodec, bytes);
}

function tooLarge(size: number): BlockError {
  return new BlockError("BLOCK_TOO_LARGE", `block is ${size} bytes, max ${MAX_BLOCK_BYTES}`, {
    size,
    max: MAX_BLOCK_BYTES,
  });
}
