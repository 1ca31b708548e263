import type { PkiErrorCode } from "../../pki/errors.js";
import { OperationError } from "../errors.js";

/** What an identity check finds wrong, beside the pki's own findings about a certificate. */
export const IDENTITY_ERROR_CODES = [
  "CERT_CODE_MISMATCH",
  "CERT_IS_CA",
  "CERT_NOT_CA",
  "CERT_REVOKED",
  "CERT_WRONG_ISSUER",
  "CERT_WRONG_ORG",
  "CERT_WRONG_SUITE",
  "IDENTITY_EXISTS",
  "IDENTITY_REVOKED",
  "IDENTITY_UNKNOWN",
  "KEY_IN_USE",
  "KEY_RETIRED",
  "ORG_EXISTS",
  "ORG_INVALID_ID",
  "ORG_INVALID_NAME",
  "ORG_REMOVED",
  "ORG_UNKNOWN",
  "ROLE_NOT_PERMITTED",
  "ROLE_UNKNOWN",
  "ROOT_CA_MISSING",
] as const satisfies readonly Uppercase<string>[];
export type IdentityErrorCode = (typeof IDENTITY_ERROR_CODES)[number] | PkiErrorCode;

/**
 * An identity check that failed: unknown or revoked signer, a role that may not sign the
 * operation, a bad certificate. As an OperationError it fails one transaction in a block (the
 * nonce is still taken) and is the reason the mempool refuses it at admission.
 */
export class IdentityError extends OperationError<IdentityErrorCode> {}
