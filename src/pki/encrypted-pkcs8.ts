import { pbkdf2Async } from "@noble/hashes/pbkdf2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { aesCbcDecrypt, aesCbcEncrypt } from "../crypto/ciphers.js";
import {
  DerError,
  decodeOid,
  encodeOid,
  expectTag,
  fromPem,
  readAll,
  readOne,
  TAG,
  tlv,
  toPem,
} from "../crypto/der.js";
import { detectPemSuite, getSuite } from "../crypto/index.js";
import type { PrivateKey } from "../crypto/suite.js";
import { PkiError } from "./errors.js";

/**
 * Encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo) with PBES2 (RFC 8018): PBKDF2 with
 * HMAC-SHA256 and AES-256-CBC, the format `openssl pkey -passin` reads and `openssl genpkey
 * -aes-256-cbc` writes. The console keeps its keys this way, so an exported key file is a
 * standard one. Pure: the caller supplies salt and IV. Async so a browser stays responsive
 * while PBKDF2 runs.
 */

const OIDS = {
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacSha256: "1.2.840.113549.2.9",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
} as const;

/** OWASP's figure for PBKDF2-HMAC-SHA256: a guess costs an attacker as much. */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;
const MAX_ITERATIONS = 10_000_000;
const LABEL = "ENCRYPTED PRIVATE KEY";

export interface Pkcs8EncryptionParams {
  /** At least 16 random bytes. */
  readonly salt: Uint8Array;
  /** 16 random bytes. */
  readonly iv: Uint8Array;
  readonly iterations?: number;
}

function integer(n: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  return tlv(TAG.INTEGER, Uint8Array.from(bytes));
}

function readInteger(content: Uint8Array): number {
  if (content.length === 0 || content.length > 4 || (content[0]! & 0x80) !== 0)
    throw new DerError("iteration count out of range");
  return content.reduce((n, b) => n * 256 + b, 0);
}

function passphraseBytes(passphrase: string): Uint8Array {
  if (passphrase.length === 0) throw new PkiError("KEY_FILE_NO_PASSPHRASE", "the passphrase is empty");
  return new TextEncoder().encode(passphrase.normalize("NFC"));
}

function derKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  return pbkdf2Async(sha256, passphraseBytes(passphrase), salt, { c: iterations, dkLen: 32 });
}

/** The private key as an "ENCRYPTED PRIVATE KEY" PEM. */
export async function encryptPkcs8(
  privateKey: PrivateKey,
  passphrase: string,
  params: Pkcs8EncryptionParams,
): Promise<string> {
  const iterations = params.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
  if (params.salt.length < 16) throw new PkiError("KEY_FILE_INVALID", "the salt must be at least 16 bytes");
  if (params.iv.length !== 16) throw new PkiError("KEY_FILE_INVALID", "the IV must be 16 bytes");
  if (!Number.isInteger(iterations) || iterations < 1000 || iterations > MAX_ITERATIONS)
    throw new PkiError("KEY_FILE_INVALID", "PBKDF2 iterations out of range", { iterations });
  const plain = fromPem(getSuite(privateKey.suite).privateKeyToPem(privateKey), "PRIVATE KEY");
  const key = await derKey(passphrase, params.salt, iterations);
  const algorithm = tlv(
    TAG.SEQUENCE,
    encodeOid(OIDS.pbes2),
    tlv(
      TAG.SEQUENCE,
      tlv(
        TAG.SEQUENCE,
        encodeOid(OIDS.pbkdf2),
        tlv(
          TAG.SEQUENCE,
          tlv(TAG.OCTET_STRING, params.salt),
          integer(iterations),
          tlv(TAG.SEQUENCE, encodeOid(OIDS.hmacSha256), tlv(TAG.NULL)),
        ),
      ),
      tlv(TAG.SEQUENCE, encodeOid(OIDS.aes256Cbc), tlv(TAG.OCTET_STRING, params.iv)),
    ),
  );
  const encrypted = aesCbcEncrypt(key, params.iv, plain);
  return toPem(LABEL, tlv(TAG.SEQUENCE, algorithm, tlv(TAG.OCTET_STRING, encrypted)));
}

interface Pbes2 {
  salt: Uint8Array;
  iterations: number;
  iv: Uint8Array;
  encrypted: Uint8Array;
}

function parsePbes2(pem: string): Pbes2 {
  try {
    const [alg, data] = readAll(readOne(fromPem(pem, LABEL), TAG.SEQUENCE));
    const [algOid, params] = readAll(expectTag(alg, TAG.SEQUENCE));
    if (decodeOid(expectTag(algOid, TAG.OID)) !== OIDS.pbes2) throw new DerError("not PBES2");
    const [kdf, scheme] = readAll(expectTag(params, TAG.SEQUENCE));
    const [kdfOid, kdfParams] = readAll(expectTag(kdf, TAG.SEQUENCE));
    if (decodeOid(expectTag(kdfOid, TAG.OID)) !== OIDS.pbkdf2) throw new DerError("the KDF is not PBKDF2");
    const [salt, count, ...rest] = readAll(expectTag(kdfParams, TAG.SEQUENCE));
    const prf = rest.find((t) => t.tag === TAG.SEQUENCE);
    const prfOid = prf ? decodeOid(expectTag(readAll(prf.content)[0], TAG.OID)) : "hmacWithSHA1";
    if (prfOid !== OIDS.hmacSha256) throw new DerError(`unsupported PBKDF2 PRF ${prfOid}`);
    const [cipherOid, iv] = readAll(expectTag(scheme, TAG.SEQUENCE));
    if (decodeOid(expectTag(cipherOid, TAG.OID)) !== OIDS.aes256Cbc)
      throw new DerError("the cipher is not AES-256-CBC");
    const iterations = readInteger(expectTag(count, TAG.INTEGER));
    if (iterations < 1 || iterations > MAX_ITERATIONS) throw new DerError("iteration count out of range");
    return {
      salt: expectTag(salt, TAG.OCTET_STRING),
      iterations,
      iv: expectTag(iv, TAG.OCTET_STRING),
      encrypted: expectTag(data, TAG.OCTET_STRING),
    };
  } catch (e) {
    if (e instanceof PkiError) throw e;
    throw new PkiError(
      "KEY_FILE_INVALID",
      `not an encrypted PKCS#8 key this console reads (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC): ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }
}

export function isEncryptedPkcs8(pem: string): boolean {
  return pem.includes(`-----BEGIN ${LABEL}-----`);
}

/** Opens an "ENCRYPTED PRIVATE KEY" PEM; a wrong passphrase is KEY_FILE_BAD_PASSPHRASE. */
export async function decryptPkcs8(pem: string, passphrase: string): Promise<PrivateKey> {
  const p = parsePbes2(pem);
  const key = await derKey(passphrase, p.salt, p.iterations);
  let plainPem: string;
  try {
    plainPem = toPem("PRIVATE KEY", aesCbcDecrypt(key, p.iv, p.encrypted));
    return getSuite(detectPemSuite(plainPem)).privateKeyFromPem(plainPem);
  } catch {
    // CBC has no tag: a wrong passphrase shows as bad padding or a key that does not parse.
    throw new PkiError("KEY_FILE_BAD_PASSPHRASE", "wrong passphrase, or the key file was altered");
  }
}
