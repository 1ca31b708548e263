import { LedgerError } from "../../errors.js";

/** A misuse of the consensus core by its shell (bad config, out-of-order input). */
export class ConsensusError extends LedgerError {}

export function consensusError(
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): ConsensusError {
  return new ConsensusError(code, message, details);
}
