import { LedgerError } from "../errors.js";
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
