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

/** A block that no honest proposer would make: it is rejected whole. */
export class InvalidBlockError extends LedgerError {}
