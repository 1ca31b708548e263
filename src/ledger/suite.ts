import type { Suite } from "../crypto/suite.js";

/**
 * The part of a crypto Suite the ledger uses. Functions take this rather than Suite so a
 * light client (or a test) can pass anything that hashes, signs and verifies; a full Suite
 * from getSuite(id) fits.
 */
export type LedgerSuite = Pick<Suite, "hash" | "sign" | "verify" | "publicKeyFromBytes">;
export type Hasher = Pick<Suite, "hash">;
