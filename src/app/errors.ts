import { LedgerError } from "../errors.js";

/**
 * A transaction that is well formed but cannot be carried out (insufficient funds, unknown
 * account, ...). It is recorded in the block as a failed result and changes nothing but the nonce.
 */
export class OperationError extends LedgerError {}

/** A block that no honest proposer would make: it is rejected whole. */
export class InvalidBlockError extends LedgerError {}
