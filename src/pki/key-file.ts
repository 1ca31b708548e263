import { scrypt } from "@noble/hashes/scrypt.js";
import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes } from "../crypto/bytes.js";
import { detectPemSuite, getSuite, isSuiteId } from "../crypto/index.js";
import type { PrivateKey, SuiteId } from "../crypto/suite.js";
import { PkiError } from "./errors.js";

/**
 * Private keys at rest. Plain: PKCS#8 PEM (what `openssl pkey` reads). Encrypted: a small JSON
 * document; the key is scrypt(passphrase, salt) and the PKCS#8 PEM is sealed with the suite's
 * own cipher (SM4 on sm chains, AES-256-GCM otherwise), the header bound as associated data.
 * Pure: the caller supplies the salt (the seal draws its own nonce inside the crypto layer).
 */

export interface ScryptParams {
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

/** About 32 MiB and a fraction of a second: a passphrase guess costs the attacker as much. */
export const DEFAULT_SCRYPT: ScryptParams = { logN: 15, r: 8, p: 1 };

interface EncryptedKeyHeader {
  readonly type: "mkl-encrypted-key";
  readonly version: 1;
  readonly suite: SuiteId;
  readonly kdf: {
    readonly name: "scrypt";
    readonly logN: number;
    readonly r: number;
    readonly p: number;
    readonly salt: string;
  };
}

function deriveKey(passphrase: string, header: EncryptedKeyHeader, length: number): Uint8Array {
  if (passphrase.length === 0) throw new PkiError("KEY_FILE_NO_PASSPHRASE", "the passphrase is empty");
  const { logN, r, p, salt } = header.kdf;
  if (!Number.isInteger(logN) || logN < 10 || logN > 20 || r < 1 || r > 32 || p < 1 || p > 16) {
    throw new PkiError("KEY_FILE_INVALID", "scrypt parameters out of range", { logN, r, p });
  }
  return scrypt(new TextEncoder().encode(passphrase.normalize("NFC")), hexToBytes(salt), {
    N: 2 ** logN,
    r,
    p,
    dkLen: length,
    maxmem: 2 ** 31,
  });
}

function headerBytes(header: EncryptedKeyHeader): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(header));
}

export function encryptPrivateKey(
  privateKey: PrivateKey,
  passphrase: string,
  salt: Uint8Array,
  params: ScryptParams = DEFAULT_SCRYPT,
): string {
  if (salt.length < 16) throw new PkiError("KEY_FILE_INVALID", "the salt must be at least 16 bytes");
  const suite = getSuite(privateKey.suite);
  const header: EncryptedKeyHeader = {
    type: "mkl-encrypted-key",
    version: 1,
    suite: privateKey.suite,
    kdf: { name: "scrypt", ...params, salt: bytesToHex(salt) },
  };
  const key = deriveKey(passphrase, header, suite.sealKeyBytes);
  const sealed = suite.seal(
    key,
    new TextEncoder().encode(suite.privateKeyToPem(privateKey)),
    headerBytes(header),
  );
  return `${JSON.stringify({ ...header, sealed: bytesToBase64(sealed) }, null, 2)}\n`;
}

export function isEncryptedKeyFile(text: string): boolean {
  return text.trimStart().startsWith("{");
}

function parseHeader(text: string): { header: EncryptedKeyHeader; sealed: Uint8Array } {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new PkiError("KEY_FILE_INVALID", "the key file is neither PEM nor valid JSON");
  }
  const kdf = doc.kdf as Record<string, unknown> | undefined;
  if (
    doc.type !== "mkl-encrypted-key" ||
    doc.version !== 1 ||
    !isSuiteId(doc.suite) ||
    kdf?.name !== "scrypt"
  ) {
    throw new PkiError("KEY_FILE_INVALID", "not an encrypted MarketLedger key file (version 1)");
  }
  if (typeof doc.sealed !== "string" || typeof kdf.salt !== "string" || !/^([0-9a-f]{2})+$/.test(kdf.salt)) {
    throw new PkiError("KEY_FILE_INVALID", "the encrypted key file is incomplete");
  }
  const header: EncryptedKeyHeader = {
    type: "mkl-encrypted-key",
    version: 1,
    suite: doc.suite,
    kdf: { name: "scrypt", logN: Number(kdf.logN), r: Number(kdf.r), p: Number(kdf.p), salt: kdf.salt },
  };
  try {
    return { header, sealed: base64ToBytes(doc.sealed) };
  } catch {
    throw new PkiError("KEY_FILE_INVALID", "the sealed key is not valid base64");
  }
}

/** Reads a key file: plain PKCS#8 PEM, or encrypted JSON opened with `passphrase`. */
export function readPrivateKeyFile(text: string, passphrase?: string): PrivateKey {
  if (!isEncryptedKeyFile(text)) {
    return getSuite(detectPemSuite(text)).privateKeyFromPem(text);
  }
  const { header, sealed } = parseHeader(text);
  if (passphrase === undefined) {
    throw new PkiError("KEY_FILE_NO_PASSPHRASE", "this key file is encrypted: a passphrase is needed");
  }
  const suite = getSuite(header.suite);
  let pem: Uint8Array;
  try {
    pem = suite.open(deriveKey(passphrase, header, suite.sealKeyBytes), sealed, headerBytes(header));
  } catch {
    throw new PkiError("KEY_FILE_BAD_PASSPHRASE", "wrong passphrase, or the key file was altered");
  }
  return suite.privateKeyFromPem(new TextDecoder().decode(pem));
}
