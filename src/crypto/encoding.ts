import type { SuiteId } from "./suite.js";

/**
 * The one signature encoding of each suite. Any other encoding of the same signature
 * (DER, high-S, non-canonical S, wrong length) fails verify().
 */
export const SIGNATURE_ENCODING: Readonly<Record<SuiteId, string>> = {
  sm:
    "SM2 (GB/T 32918.2) over SM3 with distinguishing ID (default 1234567812345678): 64 bytes r||s, " +
    "each 32-byte big-endian, 1 <= r,s <= n-1",
  "ecdsa-p256":
    "ECDSA P-256 over SHA-256: 64 bytes r||s, each 32-byte big-endian, 1 <= r <= n-1, low-S (1 <= s <= n/2)",
  "ecdsa-secp256k1":
    "ECDSA secp256k1 over SHA-256: 64 bytes r||s, each 32-byte big-endian, 1 <= r <= n-1, low-S (1 <= s <= n/2)",
  ed25519: "Ed25519 (RFC 8032, pure): 64 bytes R||S, S little-endian and < L (canonical)",
};

/** Public key bytes of each suite, as PublicKey.bytes holds them. */
export const PUBLIC_KEY_ENCODING: Readonly<Record<SuiteId, string>> = {
  sm: "65 bytes uncompressed SEC1 point 04||X||Y on the SM2 curve (1.2.156.10197.1.301)",
  "ecdsa-p256": "65 bytes uncompressed SEC1 point 04||X||Y on P-256",
  "ecdsa-secp256k1": "65 bytes uncompressed SEC1 point 04||X||Y on secp256k1",
  ed25519: "32 bytes RFC 8032 encoding",
};
