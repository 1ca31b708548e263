import { OperationError } from "../errors.js";

/** Failures of governance operations: proposals and their actions, and double-sign evidence. */
export const GOVERNANCE_ERROR_CODES = [
  "EVIDENCE_BAD_SIGNATURE",
  "EVIDENCE_DUPLICATE",
  "EVIDENCE_FROM_FUTURE",
  "EVIDENCE_MISMATCH",
  "EVIDENCE_NOT_CONFLICTING",
  "EVIDENCE_NOT_VALIDATOR",
  "GOVERNANCE_ALREADY_APPROVED",
  "GOVERNANCE_BAD_ID",
  "GOVERNANCE_BUSY",
  "GOVERNANCE_CLOSED",
  "GOVERNANCE_DUPLICATE",
  "GOVERNANCE_EMPTY",
  "GOVERNANCE_LAST_ORGANISATION",
  "GOVERNANCE_NOT_ADMIN",
  "GOVERNANCE_ORG_RUNS_VALIDATORS",
  "GOVERNANCE_UNKNOWN",
  "NODE_CERT_MISMATCH",
  "NODE_CERT_NOT_LATER",
  "NODE_CERT_NOT_NODE",
  "NODE_EXISTS",
  "NODE_IS_VALIDATOR",
  "NODE_UNKNOWN",
  "VALIDATOR_CHANGE_DUPLICATE",
  "VALIDATOR_SET_EMPTY",
  "VALIDATOR_SET_TOO_LARGE",
  "VALIDATOR_UNKNOWN",
] as const satisfies readonly Uppercase<string>[];
export type GovernanceErrorCode = (typeof GOVERNANCE_ERROR_CODES)[number];

export class GovernanceError extends OperationError<GovernanceErrorCode> {}
