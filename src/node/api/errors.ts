import { LedgerError } from "../../errors.js";

/** The HTTP status of each stable error code; anything unlisted that we raised is a 400. */
const STATUS_BY_CODE: Record<string, number> = {
  NOT_FOUND: 404,
  HEIGHT_NOT_FOUND: 404,
  TX_TOO_LARGE: 413,
  TX_DUPLICATE: 409,
  TX_NONCE_TOO_LOW: 409,
  TX_NONCE_TAKEN: 409,
  MEMPOOL_FULL: 429,
  MEMPOOL_SENDER_FULL: 429,
  TX_VERIFY_BUDGET: 429,
  IDENTITY_UNKNOWN: 403,
  IDENTITY_REVOKED: 403,
  IDENTITY_SUSPENDED: 403,
  PERMISSION_DENIED: 403,
  ROLE_NOT_PERMITTED: 403,
  KEY_RETIRED: 403,
  CERT_EXPIRED: 403,
  INVARIANT_VIOLATED: 500,
};

export function httpStatusOf(error: LedgerError): number {
  if (STATUS_BY_CODE[error.code] !== undefined) return STATUS_BY_CODE[error.code] as number;
  if (error.code.startsWith("STORE_") || error.code.startsWith("STATE_MISSING")) return 500;
  return 400;
}

export class ApiError extends LedgerError {}

export function notFound(what: string): ApiError {
  return new ApiError("NOT_FOUND", `${what} not found`);
}
