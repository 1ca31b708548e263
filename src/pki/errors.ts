import { CodedError } from "../errors.js";

/** What can be wrong with a certificate, CSR, CRL, key file or user code. */
export const PKI_ERROR_CODES = [
  "CA_KEY_MISMATCH",
  "CA_NOT_CA",
  "CERT_BAD_SIGNATURE",
  "CERT_EXPIRED",
  "CERT_INVALID",
  "CERT_INVALID_REQUEST",
  "CERT_ISSUER_KEY_MISMATCH",
  "CERT_ISSUER_NOT_CA",
  "CERT_NOT_YET_VALID",
  "CERT_WRONG_ISSUER",
  "CRL_BAD_SIGNATURE",
  "CRL_INVALID",
  "CSR_BAD_SIGNATURE",
  "CSR_INVALID",
  "CSR_WRONG_ORG",
  "KEY_FILE_BAD_PASSPHRASE",
  "KEY_FILE_INVALID",
  "KEY_FILE_NO_PASSPHRASE",
  "KEY_UNSUPPORTED",
  "KEY_WRONG_SUITE",
  "PEM_INVALID",
  "ROLE_UNKNOWN",
  "USER_CODE_INVALID",
] as const satisfies readonly Uppercase<string>[];
export type PkiErrorCode = (typeof PKI_ERROR_CODES)[number];

/** Bad certificates, CSRs, CRLs, key files and user codes; the code says what is wrong. */
export class PkiError extends CodedError<PkiErrorCode> {}
