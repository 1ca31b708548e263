import type { Suite } from "../crypto/suite.js";
import { TxError } from "../ledger/errors.js";
import {
  checkTxEnvelope,
  decodeSignedTx,
  makeTxCodecs,
  type SignedTx,
  txHash,
  verifyTxSignature,
} from "../ledger/tx.js";
import { readAccount, writeAccount } from "./accounts.js";
import { addressOf } from "./address.js";
import { type BlockWork, TX_WORK_LIMIT } from "./block-work.js";
import { InvalidBlockError, isInvalidInput, isOperationError } from "./errors.js";
import { type AppEvent, resultDetails, TX_OK, type TxResult } from "./events.js";
import { applyScheduledValidatorSet } from "./governance/validator-set.js";
import { authorizeSender } from "./identity/authorize.js";
import type { Signer } from "./identity/signer.js";
import { marketingEndBlock } from "./marketing/end-block.js";
import { dueAt } from "./marketing/orders.js";
import { executeOperation, type Operation, operationCodec } from "./operations/index.js";
import { ReadOnce, StateOverlay, type StateReader, type StateWriteEntry } from "./state.js";
import { txWork } from "./tx-work.js";

export const txCodecs = makeTxCodecs(operationCodec);
export type AppTx = SignedTx<Operation>;

export interface BlockEnv {
  readonly chainId: string;
  readonly height: bigint;
  /** Consensus time from the block header: the app's only clock. */
  readonly timeMs: bigint;
}

export interface BlockOutcome {
  readonly results: TxResult[];
  readonly txHashes: Uint8Array[];
  /** Every state change of the block, sorted by key. */
  readonly writes: StateWriteEntry[];
  /** Events of the end-block work (orders completed by block time, their settlements). */
  readonly endBlockEvents?: AppEvent[];
  /** The block's work units (block-work.ts): its transactions', then the end-block hook's. */
  readonly work?: BlockWork;
}

/** A transaction that passed the checks every node makes before anything runs. */
export interface AdmittedTx {
  readonly tx: AppTx;
  readonly hash: Uint8Array;
  readonly sender: Uint8Array;
  readonly bytes: Uint8Array;
}

/**
 * Transactions whose exact bytes this node has already seen verify (by their hash). Signature
 * checks are deterministic, so skipping the second check of the same bytes changes no outcome;
 * it halves the signature work of a node that admitted a transaction and then executes it.
 */
export type KnownValid = (txHash: Uint8Array) => boolean;

/**
 * What a node knows of transactions beyond their hashes: the admitted form of the very byte
 * arrays its pool holds (by identity, so a lookup costs no hash), made when they were decoded
 * and verified at admission. A block built from the pool, or one whose transactions were
 * resolved from the pool, then executes without decoding or hashing them again; the outcome is
 * the same, since the admitted form is what decoding those bytes gives.
 */
export interface KnownTxs {
  readonly valid: KnownValid;
  readonly admitted: (bytes: Uint8Array) => AdmittedTx | undefined;
}

/**
 * The stateless checks of a transaction (decoding, size, chain, expiry, signature), shared by
 * mempool admission and block execution so that both judge a transaction the same way.
 */
export function admitTx(suite: Suite, env: BlockEnv, bytes: Uint8Array, knownValid?: KnownValid): AdmittedTx {
  const admitted = decodeTxEnvelope(suite, env, bytes);
  if (knownValid?.(admitted.hash) !== true) checkTxSignature(suite, admitted);
  return admitted;
}

/** The cheap half of admitTx: decoding, size, chain and expiry, with no signature check. */
export function decodeTxEnvelope(suite: Suite, env: BlockEnv, bytes: Uint8Array): AdmittedTx {
  const admitted = decodeTx(suite, bytes);
  checkTxEnvelope(admitted.tx, env.chainId, env.height);
  return admitted;
}

/** A transaction decoded, with its hash and sender address; nothing about it checked yet. */
export function decodeTx(suite: Suite, bytes: Uint8Array): AdmittedTx {
  const tx = decodeSignedTx(bytes, txCodecs);
  return { tx, hash: txHash(suite, bytes), sender: addressOf(suite.hash, tx.sender), bytes };
}

/** The costly half of admitTx: throws TX_BAD_SIGNATURE unless the sender's key signed the tx. */
export function checkTxSignature(suite: Suite, admitted: AdmittedTx): void {
  if (!verifyTxSignature(suite, admitted.tx, txCodecs)) {
    throw new TxError("TX_BAD_SIGNATURE", "the signature does not verify under the sender's public key");
  }
}

/**
 * The stateful check of a transaction: its sender is a registered identity, active, not revoked,
 * its certificate not expired at env.timeMs, and its role may sign this kind of operation. The
 * node calls it at admission (against committed state); executeBlock calls it again for every
 * transaction, where a failure fails that transaction (IdentityError codes such as
 * IDENTITY_UNKNOWN, IDENTITY_REVOKED, ROLE_NOT_PERMITTED), because a revocation earlier in the
 * same block may legitimately overtake it.
 */
export function authorizeTx(state: StateReader, env: BlockEnv, admitted: AdmittedTx): Signer {
  return authorizeSender(state, env.timeMs, admitted.sender, admitted.tx.op.kind);
}

/**
 * Executes a block's transactions in order against `committed` and returns their results and
 * the state changes. A transaction that fails its operation is recorded with its error code and
 * changes only its sender's nonce; a transaction no honest proposer would include (undecodable,
 * wrong chain, expired, bad signature, out-of-order nonce, or starting once the block's
 * transactions have done TX_WORK_LIMIT of work) makes the whole block invalid. With `fill` (a
 * proposer building its block) the transactions from the first that would start past the work
 * limit are left out instead: the outcome's txHashes say how many were taken.
 */
export function executeBlock(
  suite: Suite,
  committed: StateReader,
  env: BlockEnv,
  txs: readonly Uint8Array[],
  known?: KnownValid | KnownTxs,
  options: { fill?: boolean } = {},
): BlockOutcome {
  const knownTxs = typeof known === "function" ? { valid: known, admitted: () => undefined } : known;
  const below = new ReadOnce(committed);
  const block = new StateOverlay(below);
  const results: TxResult[] = [];
  const txHashes: Uint8Array[] = [];
  const work: BlockWork = { txs: 0, endBlock: 0 };
  for (let index = 0; index < txs.length; index++) {
    if (work.txs >= TX_WORK_LIMIT) {
      if (options.fill) break;
      throw new InvalidBlockError(
        "BLOCK_OVER_WORK_LIMIT",
        `transaction ${index} starts after the block's transactions did ${work.txs} work units, the limit is ${TX_WORK_LIMIT}`,
        { at: index, work: work.txs, limit: TX_WORK_LIMIT },
      );
    }
    const admitted = admitInBlock(suite, env, txs[index] as Uint8Array, index, knownTxs);
    work.txs += txWork(block, admitted.tx.op, admitted.bytes.length);
    takeNonce(block, admitted, index);
    results.push(runOperation(suite, block, env, admitted));
    txHashes.push(admitted.hash);
  }
  // A validator set scheduled for the next height takes effect now, so this block's header
  // names it as the next set.
  applyScheduledValidatorSet(block, env.height);
  // Deterministic end-of-block work, at the block's time, after its transactions.
  const endBlockEvents = marketingEndBlock({
    height: env.height,
    timeMs: env.timeMs,
    state: block,
    hash: suite.hash,
    work,
  });
  // A key made and removed within the block (a commission queued and settled at once) leaves
  // a delete of what committed state never held: no change, yet each would cost the state tree
  // a walk down its path and the store a removal.
  const writes = block.sortedWrites().filter((w) => w.value !== undefined || below.get(w.key) !== undefined);
  return { results, txHashes, writes, endBlockEvents, work };
}

/**
 * Whether a block at `timeMs` on top of `committed` has end-block work even without
 * transactions (orders whose return window has passed): a proposer then proposes at once
 * rather than after the idle interval. Only a hint for when to propose; it changes no outcome.
 */
export function endBlockWorkAt(committed: StateReader, timeMs: bigint): boolean {
  return dueAt(committed, timeMs);
}

function admitInBlock(
  suite: Suite,
  env: BlockEnv,
  bytes: Uint8Array,
  index: number,
  known: KnownTxs | undefined,
): AdmittedTx {
  try {
    const admitted = known?.admitted(bytes);
    if (admitted === undefined) return admitTx(suite, env, bytes, known?.valid);
    // Verified when admitted; its height may not be (the expiry), so the envelope is checked again.
    checkTxEnvelope(admitted.tx, env.chainId, env.height);
    return admitted;
  } catch (error) {
    if (!isInvalidInput(error)) throw error;
    throw new InvalidBlockError("BLOCK_INVALID_TX", `transaction ${index}: ${error.message}`, {
      index,
      cause: error.code,
    });
  }
}

function takeNonce(block: StateOverlay, admitted: AdmittedTx, index: number): void {
  const account = readAccount(block, admitted.sender);
  if (admitted.tx.nonce !== account.nonce) {
    throw new InvalidBlockError(
      "BLOCK_BAD_NONCE",
      `transaction ${index} has nonce ${admitted.tx.nonce}, the sender's next nonce is ${account.nonce}`,
      { index, nonce: admitted.tx.nonce.toString(), expected: account.nonce.toString() },
    );
  }
  writeAccount(block, admitted.sender, { ...account, nonce: account.nonce + 1n });
}

function runOperation(suite: Suite, block: StateOverlay, env: BlockEnv, admitted: AdmittedTx): TxResult {
  const scratch = block.child();
  const events: AppEvent[] = [];
  try {
    authorizeTx(scratch, env, admitted);
    executeOperation(
      {
        chainId: env.chainId,
        height: env.height,
        timeMs: env.timeMs,
        sender: admitted.sender,
        senderPublicKey: admitted.tx.sender,
        txHash: admitted.hash,
        state: scratch,
        hash: suite.hash,
        signatures: suite,
        emit: (event) => events.push(event),
      },
      admitted.tx.op,
    );
  } catch (error) {
    if (!isOperationError(error)) throw error;
    return { code: error.code, details: resultDetails(error.details), events: [] };
  }
  block.merge(scratch);
  return { code: TX_OK, details: [], events };
}
