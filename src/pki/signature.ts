import { AsnConvert } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { bigIntToBytes } from "../crypto/bytes.js";
import { CURVES } from "../crypto/curves.js";
import { readAll, TAG, tlv } from "../crypto/der.js";
import { bytesToHex, detectPemSuite, getSuite } from "../crypto/index.js";
import type { PrivateKey, PublicKey, SuiteId } from "../crypto/suite.js";
import { PkiError } from "./errors.js";
import { OID } from "./oids.js";
import { fromPem, toPem } from "./pem.js";

/**
 * Signatures inside X.509 structures. sm: SM2-with-SM3 with the default distinguishing ID
 * 1234567812345678 (GM/T 0015), DER SEQUENCE {r, s}; ECDSA suites: ecdsa-with-SHA256, DER;
 * ed25519: the raw 64-byte signature. The suites sign r||s, so this module converts.
 */

export function signatureAlgorithmOid(suite: SuiteId): string {
  if (suite === "sm") return OID.sm2WithSm3;
  if (suite === "ed25519") return OID.ed25519;
  return OID.ecdsaWithSha256;
}

export function signatureAlgorithm(suite: SuiteId): AlgorithmIdentifier {
  // Parameters are absent for all three (RFC 5758, RFC 8410, GM/T 0015).
  return new AlgorithmIdentifier({ algorithm: signatureAlgorithmOid(suite) });
}

function derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const pad = (trimmed[0] ?? 0) & 0x80 ? Uint8Array.of(0) : new Uint8Array(0);
  return tlv(TAG.INTEGER, pad, trimmed);
}

function rsToDer(rs: Uint8Array): Uint8Array {
  return tlv(TAG.SEQUENCE, derInteger(rs.subarray(0, 32)), derInteger(rs.subarray(32)));
}

function derToRs(der: Uint8Array): Uint8Array | undefined {
  try {
    const [seq, ...rest] = readAll(der);
    if (seq?.tag !== TAG.SEQUENCE || rest.length > 0) return undefined;
    const ints = readAll(seq.content);
    if (ints.length !== 2) return undefined;
    const out = new Uint8Array(64);
    for (const [i, int] of ints.entries()) {
      if (int.tag !== TAG.INTEGER) return undefined;
      let v = int.content;
      if (v.length === 0 || ((v[0] ?? 0) & 0x80) !== 0) return undefined; // empty or negative
      if (v.length > 1 && v[0] === 0) v = v.subarray(1);
      if (v.length > 32) return undefined;
      out.set(v, i * 32 + 32 - v.length);
    }
    return out;
  } catch {
    return undefined;
  }
}

function bigIntOf(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

/** ECDSA (r, n-s) is as valid as (r, s); our suites accept only low S, so flip a high S. */
function lowS(suite: SuiteId, rs: Uint8Array): Uint8Array {
  const n = CURVES[suite].n;
  const s = bigIntOf(rs.subarray(32));
  if (s <= n >> 1n) return rs;
  const out = rs.slice();
  out.set(bigIntToBytes(n - s, 32), 32);
  return out;
}

/** Signs DER-encoded to-be-signed bytes for an X.509 structure. */
export function signTbs(privateKey: PrivateKey, tbs: Uint8Array): Uint8Array {
  const suite = getSuite(privateKey.suite);
  const raw = suite.sign(privateKey, tbs);
  return privateKey.suite === "ed25519" ? raw : rsToDer(raw);
}

/** True when `signature` (as found in a certificate, CSR or CRL) signs `tbs` under `publicKey`. */
export function verifyTbs(
  publicKey: PublicKey,
  algorithm: AlgorithmIdentifier,
  tbs: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (algorithm.algorithm !== signatureAlgorithmOid(publicKey.suite)) return false;
  const suite = getSuite(publicKey.suite);
  if (publicKey.suite === "ed25519") return suite.verify(publicKey, tbs, signature);
  const rs = derToRs(signature);
  if (!rs) return false;
  return suite.verify(publicKey, tbs, publicKey.suite === "sm" ? rs : lowS(publicKey.suite, rs));
}

export function spkiDer(publicKey: PublicKey): Uint8Array {
  return fromPem(getSuite(publicKey.suite).publicKeyToPem(publicKey), "PUBLIC KEY");
}

export function spkiOf(publicKey: PublicKey): SubjectPublicKeyInfo {
  return AsnConvert.parse(spkiDer(publicKey), SubjectPublicKeyInfo);
}

/** The key in a SubjectPublicKeyInfo, if it is on one of our suites' curves. */
export function publicKeyOfSpki(spki: SubjectPublicKeyInfo): PublicKey {
  const pem = toPem("PUBLIC KEY", new Uint8Array(AsnConvert.serialize(spki)));
  try {
    return getSuite(detectPemSuite(pem)).publicKeyFromPem(pem);
  } catch (e) {
    throw new PkiError("KEY_UNSUPPORTED", `unsupported public key: ${e instanceof Error ? e.message : e}`);
  }
}
