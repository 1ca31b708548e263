import type { Suite } from "../crypto/suite.js";
import { LedgerError } from "../errors.js";
import { type BlockHeader, blockHash, decodeBlock, lastCommitHash } from "../ledger/block.js";
import { bytesEqual, fromHex, toHex } from "../ledger/bytes.js";
import { decode } from "../ledger/codec.js";
import { verifyCommit } from "../ledger/commit.js";
import { verifyInclusion } from "../ledger/merkle.js";
import { stateProofCodec, verifyStateProof } from "../ledger/state/proof.js";
import type { Validator } from "../ledger/validators.js";
import type { BlockJson, HeaderJson, StateJson, TxStatusJson } from "./client.js";

/**
 * Checks on what a node says, made with the chain's suite and a validator set the caller
 * already trusts (from the genesis file): nothing here takes the node's word for anything.
 */
export class VerificationError extends LedgerError {}

function fail(message: string): never {
  throw new VerificationError("VERIFICATION_FAILED", message);
}

/**
 * Decodes the block's canonical bytes, checks its commit certificate and that its header
 * commits to the previous block's certificate it carries, and returns its header.
 */
export function verifyBlock(suite: Suite, block: BlockJson, validators: readonly Validator[]): BlockHeader {
  const decoded = decodeBlock(fromHex(block.encoded));
  if (decoded.commit === undefined) fail(`block ${block.header.height} carries no commit certificate`);
  const check = verifyCommit(suite, decoded.header, decoded.commit, validators);
  if (!check.ok) fail(`block ${block.header.height}: ${check.reason}`);
  if (!bytesEqual(lastCommitHash(suite, decoded.lastCommit), decoded.header.lastCommitHash))
    fail(`block ${block.header.height} carries a last commit its header does not commit to`);
  if (toHex(blockHash(suite, decoded.header)) !== block.hash)
    fail("the block hash the node reported is wrong");
  return decoded.header;
}

function sameHeader(suite: Suite, trusted: BlockHeader, reported: HeaderJson): boolean {
  return toHex(blockHash(suite, trusted)) === toHex(blockHash(suite, headerFromJson(reported)));
}

export function headerFromJson(h: HeaderJson): BlockHeader {
  return {
    chainId: h.chainId,
    height: BigInt(h.height),
    timeMs: BigInt(h.timeMs),
    previousHash: fromHex(h.previousHash),
    lastCommitHash: fromHex(h.lastCommitHash),
    txRoot: fromHex(h.txRoot),
    resultsRoot: fromHex(h.resultsRoot),
    stateRoot: fromHex(h.stateRoot),
    proposer: fromHex(h.proposer),
    validatorSetHash: fromHex(h.validatorSetHash),
    nextValidatorSetHash: fromHex(h.nextValidatorSetHash),
  };
}

/**
 * Checks that a committed transaction is in the block whose header `trusted` is (a header that
 * verifyBlock accepted): the tx bytes hash to the id, and the audit path leads to txRoot.
 */
export function verifyTxInclusion(
  suite: Suite,
  status: Extract<TxStatusJson, { status: "committed" }>,
  trusted: BlockHeader,
): void {
  const txBytes = fromHex(status.tx);
  if (toHex(suite.hash(txBytes)) !== status.hash) fail("the transaction bytes do not hash to its id");
  if (BigInt(status.height) !== trusted.height) fail("the transaction is reported at another height");
  if (!sameHeader(suite, trusted, status.header))
    fail("the node reported a header that is not the trusted one");
  const path = status.proof.path.map(fromHex);
  if (!verifyInclusion(suite.hash, trusted.txRoot, txBytes, status.index, status.proof.treeSize, path)) {
    fail("the inclusion proof does not lead to the block's txRoot");
  }
}

/** Checks a state answer against the state root of a trusted header of the same height. */
export function verifyStateValue(
  suite: Suite,
  answer: StateJson,
  trusted: BlockHeader,
): Uint8Array | undefined {
  if (BigInt(answer.height) !== trusted.height) fail("the state answer is for another height");
  if (!bytesEqual(fromHex(answer.stateRoot), trusted.stateRoot))
    fail("the state root is not the trusted header's");
  const value = answer.value === null ? undefined : fromHex(answer.value);
  const proof = decode(stateProofCodec, fromHex(answer.proof));
  if (!verifyStateProof(suite.hash, trusted.stateRoot, fromHex(answer.key), value, proof)) {
    fail("the state proof does not verify");
  }
  return value;
}
