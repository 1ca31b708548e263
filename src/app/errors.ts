import { CryptoError } from "../crypto/errors.js";
import { LedgerError } from "../errors.js";
import { BlockError, CodecError, TxError } from "../ledger/errors.js";
import { PkiError } from "../pki/errors.js";
import type { DetailValue } from "./events.js";

/**
 * A transaction that is well formed but cannot be carried out (insufficient funds, unknown
 * account, ...). It is recorded in the block as a failed result and changes nothing but the nonce.
 */
export class OperationError extends LedgerError {
  /** Scalars only: they are hashed into the block's results (see resultDetails). */
  declare readonly details: Readonly<Record<string, DetailValue>>;
  constructor(code: string, message: string, details: Record<string, DetailValue> = {}) {
    super(code, message, details);
  }
}

/** Failures of moving money between accounts, and of the addresses that name them. */
export const ACCOUNT_ERROR_CODES = [
  "INSUFFICIENT_FUNDS",
  "INVALID_ADDRESS",
  "INVALID_AMOUNT",
] as const satisfies readonly Uppercase<string>[];
export type AccountErrorCode = (typeof ACCOUNT_ERROR_CODES)[number];

export class AccountError extends OperationError {
  declare readonly code: AccountErrorCode;
  constructor(code: AccountErrorCode, message: string, details: Record<string, DetailValue> = {}) {
    super(code, message, details);
  }
}

/** Why a block is invalid: what it carries (txs, nonces, its certificate of the head, its time, its header). */
export const INVALID_BLOCK_CODES = [
  "BLOCK_BAD_LAST_COMMIT",
  "BLOCK_BAD_NONCE",
  "BLOCK_BAD_TIME",
  "BLOCK_HEADER_MISMATCH",
  "BLOCK_INVALID_TX",
  "BLOCK_LAST_COMMIT_MISMATCH",
  "BLOCK_WRONG_HEIGHT",
  "SYNC_BAD_COMMIT",
  "SYNC_NO_COMMIT",
] as const satisfies readonly Uppercase<string>[];
export type InvalidBlockCode = (typeof INVALID_BLOCK_CODES)[number];

/** A block that no honest proposer would make: it is rejected whole. */
export class InvalidBlockError extends LedgerError {
  declare readonly code: InvalidBlockCode;
  constructor(code: InvalidBlockCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

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
