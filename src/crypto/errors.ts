import { CodedError } from "../errors.js";

/**
 * Stable codes of the crypto layer. verify() never throws: a bad signature is `false`.
 * These are for keys, PEM, seal/open and unknown suites.
 */
export type CryptoErrorCode =
  | "UNKNOWN_SUITE"
  | "INVALID_PUBLIC_KEY"
  | "INVALID_PRIVATE_KEY"
  | "INVALID_PEM"
  | "UNSUPPORTED_KEY"
  | "SUITE_MISMATCH"
  | "INVALID_SEAL_KEY"
  | "SEAL_OPEN_FAILED"
  | "BACKEND_UNAVAILABLE"
  | "INVALID_ARGUMENT";

export class CryptoError extends CodedError<CryptoErrorCode> {}
