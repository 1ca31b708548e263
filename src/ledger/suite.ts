import type { Suite } from "../crypto/suite.js";
import { LedgerError } from "../errors.js";

/**
 * The part of a crypto Suite the ledger uses. Functions take this rather than Suite so a
 * light client (or a test) can pass anything that hashes, signs and verifies; a full Suite
 * from getSuite(id) fits.
 */
export type LedgerSuite = Pick<Suite, "hash" | "sign" | "verify" | "publicKeyFromBytes">;
export type Hasher = Pick<Suite, "hash">;

/**
 * True when `signature` is the holder of `publicKey`'s signature of `message`. False, never a
 * throw, for a malformed key (a typed error): hostile bytes must not crash the node. Anything
 * else, an InvariantError above all, is a bug and propagates.
 */
export function verifySignatureBytes(
  suite: Pick<Suite, "verify" | "publicKeyFromBytes">,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return suite.verify(suite.publicKeyFromBytes(publicKey), message, signature);
  } catch (error) {
    if (error instanceof LedgerError) return false;
    throw error;
  }
}
