/**
 * The one base error of MarketLedger. Every error we raise on purpose carries a stable
 * string `code` (part of the API contract: clients switch on it), a human message, and the
 * offending data. API errors map codes to HTTP statuses in the node layer.
 */
export class LedgerError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/**
 * The error class of one layer, whose `code` is one of a closed union: `class PkiError extends
 * CodedError<PkiErrorCode> {}` is the whole class, and its constructor refuses any other code.
 * Catch the layer's class (`instanceof PkiError`): narrowing to this generic one gives `any` codes.
 */
export abstract class CodedError<
  Code extends Uppercase<string>,
  Details extends Record<string, unknown> = Record<string, unknown>,
> extends LedgerError {
  declare readonly code: Code;
  declare readonly details: Readonly<Details>;
  constructor(code: Code, message: string, details?: Details) {
    super(code, message, details);
  }
}

/**
 * An invariant that must hold in production too; failing one is a bug, never bad input. It is
 * deliberately not a LedgerError, so no catch written for bad input can take it for one: it
 * never becomes a failed transaction, a nil vote, a refused block or an anomaly in state. It
 * propagates and stops the node (the consensus WAL is written and fsynced before anything is
 * sent, so a crash at any point leaves it safe).
 */
export class InvariantError extends Error {
  readonly code = "INVARIANT_VIOLATED";
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "InvariantError";
    this.details = details;
  }
}

export function invariant(
  condition: unknown,
  message: string,
  details?: Record<string, unknown>,
): asserts condition {
  if (!condition) throw new InvariantError(message, details);
}
