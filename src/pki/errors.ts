import { LedgerError } from "../errors.js";

/**
 * Bad certificates, CSRs, CRLs, key files and user codes. The code says what is wrong
 * (CERT_BAD_SIGNATURE, CSR_BAD_SIGNATURE, CERT_EXPIRED, USER_CODE_INVALID, KEY_FILE_BAD_PASSPHRASE, ...).
 */
export class PkiError extends LedgerError {}
