import { CryptoError } from "../crypto/errors.js";
import { CodedError, type LedgerError } from "../errors.js";
import { BlockError, CodecError, TxError } from "../ledger/errors.js";
import { PkiError } from "../pki/errors.js";
import type { DetailValue } from "./events.js";

/**
 * A transaction that is well formed but cannot be carried out (insufficient funds, unknown
 * account, ...). It is recorded in the block as a failed result and changes nothing but the nonce.
 * Its details are scalars only: they are hashed into the block's results (see resultDetails).
 * Each kind of operation has its own subclass with a closed list of codes.
 */
export class OperationError<Code extends Uppercase<string> = Uppercase<string>> extends CodedError<
  Code,
  Record<string, DetailValue>
> {}

/** True for a failed operation of any kind, with its code a string (`instanceof` would give `any`). */
export function isOperationError(error: unknown): error is OperationError {
  return error instanceof OperationError;
}

/** Failures of moving money between accounts, and of the addresses that name them. */
export const ACCOUNT_ERROR_CODES = [
  "INSUFFICIENT_FUNDS",
  "INVALID_ADDRESS",
  "INVALID_AMOUNT",
] as const satisfies readonly Uppercase<string>[];
export type AccountErrorCode = (typeof ACCOUNT_ERROR_CODES)[number];

export class AccountError extends OperationError<AccountErrorCode> {}

/**
 * Why a block is invalid: what it carries (txs, nonces, its certificate of the head, its time, its
 * header); BACKFILL_: a block below a restored node's snapshot that the block above does not certify.
 */
export const INVALID_BLOCK_CODES = [
  "BACKFILL_COMMIT_MISMATCH",
  "BACKFILL_GENESIS_MISMATCH",
  "BACKFILL_HASH_MISMATCH",
  "BACKFILL_LAST_COMMIT_MISMATCH",
  "BACKFILL_RESULTS_MISMATCH",
  "BACKFILL_TXS_MISMATCH",
  "BACKFILL_WRONG_HEIGHT",
  "BLOCK_BAD_LAST_COMMIT",
  "BLOCK_BAD_NONCE",
  "BLOCK_BAD_TIME",
  "BLOCK_HEADER_MISMATCH",
  "BLOCK_INVALID_TX",
  "BLOCK_LAST_COMMIT_MISMATCH",
  "BLOCK_OVER_WORK_LIMIT",
  "BLOCK_WRONG_HEIGHT",
  "SYNC_BAD_COMMIT",
  "SYNC_NO_COMMIT",
] as const satisfies readonly Uppercase<string>[];
export type InvalidBlockCode = (typeof INVALID_BLOCK_CODES)[number];

/** A block that no honest proposer would make: it is rejected whole. */
export class InvalidBlockError extends CodedError<InvalidBlockCode> {}

/**
 * True for the errors that mean "this input is invalid": bytes that do not decode, a
 * transaction or block that breaks a rule, a bad key, certificate or operation. Only these may
 * become a refused transaction, a failed result, a nil vote or a refused block. Anything else
 * (an InvariantError, a storage fault, a TypeError) is not the input's fault and must propagate.
 */
export function isInvalidInput(error: unknown): error is LedgerError {
  return (
    error instanceof CodecError ||
    error instanceof TxError ||
    error instanceof BlockError ||
    error instanceof CryptoError ||
    error instanceof PkiError ||
    error instanceof OperationError ||
    error instanceof InvalidBlockError
  );
}
