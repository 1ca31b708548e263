/** The crypto suites a chain can choose at genesis. */
export const SUITE_IDS = ["sm", "ecdsa-p256", "ecdsa-secp256k1", "ed25519"] as const;
export type SuiteId = (typeof SUITE_IDS)[number];

export function isSuiteId(value: unknown): value is SuiteId {
  return typeof value === "string" && (SUITE_IDS as readonly string[]).includes(value);
}

/** Which implementation runs a suite's signatures: native OpenSSL/node:crypto, or pure JavaScript. */
export type CryptoBackend = "native" | "pure-js";

export interface PrivateKey {
  readonly suite: SuiteId;
  /** Raw private scalar / seed, 32 bytes for every suite. */
  readonly bytes: Uint8Array;
}

export interface PublicKey {
  readonly suite: SuiteId;
  /**
   * Canonical public key bytes: uncompressed SEC1 point (65 bytes, 0x04||X||Y) for sm and
   * ECDSA suites, the 32-byte RFC 8032 encoding for ed25519.
   */
  readonly bytes: Uint8Array;
}

export interface KeyPair {
  readonly privateKey: PrivateKey;
  readonly publicKey: PublicKey;
}

/**
 * One interface over every suite. Signatures have one deterministic encoding per suite
 * (see SIGNATURE_ENCODING): verify() rejects any other encoding of the same signature.
 */
export interface Suite {
  readonly id: SuiteId;
  /** Name of the hash used for ledger hashing: "sm3" or "sha256". Digests are 32 bytes. */
  readonly hashName: "sm3" | "sha256";
  readonly backend: CryptoBackend;
  hash(data: Uint8Array): Uint8Array;
  generateKeyPair(): KeyPair;
  /** A private key from raw bytes, range-checked; throws CryptoError("INVALID_PRIVATE_KEY"). */
  privateKeyFromBytes(bytes: Uint8Array): PrivateKey;
  /** Derive the public key from a private key. */
  publicKeyOf(privateKey: PrivateKey): PublicKey;
  sign(privateKey: PrivateKey, message: Uint8Array): Uint8Array;
  verify(publicKey: PublicKey, message: Uint8Array, signature: Uint8Array): boolean;
  /**
   * Parse public key bytes, throwing CryptoError(code "INVALID_PUBLIC_KEY") on junk or a point
   * off the curve. EC suites also accept a 33-byte compressed point and return it uncompressed.
   */
  publicKeyFromBytes(bytes: Uint8Array): PublicKey;
  /** PKCS#8 PEM that `openssl pkey` reads. */
  privateKeyToPem(privateKey: PrivateKey): string;
  privateKeyFromPem(pem: string): PrivateKey;
  /** SPKI PEM that `openssl pkey -pubin` reads. */
  publicKeyToPem(publicKey: PublicKey): string;
  publicKeyFromPem(pem: string): PublicKey;
  /** Key length of seal/open: 16 bytes (SM4) or 32 (AES-256). */
  readonly sealKeyBytes: 16 | 32;
  /**
   * Authenticated encryption at rest; throws CryptoError("SEAL_OPEN_FAILED") on tampering.
   * sm: SM4-CBC + HMAC-SM3 encrypt-then-MAC, iv(16)||ct||tag(32) (Node 20's OpenSSL 3.0 has no
   * SM4-GCM); others: AES-256-GCM, nonce(12)||ct||tag(16). Nonces are random.
   */
  seal(key: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Uint8Array;
  open(key: Uint8Array, sealed: Uint8Array, associatedData?: Uint8Array): Uint8Array;
}
