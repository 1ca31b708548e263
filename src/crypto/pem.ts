import { CURVES, OID } from "./curves.js";
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
} from "./der.js";
import { CryptoError } from "./errors.js";
import type { SuiteId } from "./suite.js";

/**
 * PKCS#8 private keys and SPKI public keys, as OpenSSL writes them: EC keys use
 * id-ecPublicKey with the named curve (SM2: 1.2.156.10197.1.301), Ed25519 uses RFC 8410.
 */

const INT_0 = tlv(TAG.INTEGER, Uint8Array.of(0));
const INT_1 = tlv(TAG.INTEGER, Uint8Array.of(1));

function algorithmId(suite: SuiteId): Uint8Array {
  const c = CURVES[suite];
  if (c.kind === "edwards") return tlv(TAG.SEQUENCE, encodeOid(c.algOid));
  return tlv(TAG.SEQUENCE, encodeOid(OID.ecPublicKey), encodeOid(c.curveOid));
}

export function encodePrivateKeyPem(suite: SuiteId, d: Uint8Array, pub: Uint8Array): string {
  const c = CURVES[suite];
  const inner =
    c.kind === "edwards"
      ? tlv(TAG.OCTET_STRING, d)
      : tlv(
          TAG.SEQUENCE,
          INT_1,
          tlv(TAG.OCTET_STRING, d),
          tlv(TAG.CONTEXT_1, tlv(TAG.BIT_STRING, Uint8Array.of(0), pub)),
        );
  return toPem("PRIVATE KEY", tlv(TAG.SEQUENCE, INT_0, algorithmId(suite), tlv(TAG.OCTET_STRING, inner)));
}

export function encodePublicKeyPem(suite: SuiteId, pub: Uint8Array): string {
  return toPem(
    "PUBLIC KEY",
    tlv(TAG.SEQUENCE, algorithmId(suite), tlv(TAG.BIT_STRING, Uint8Array.of(0), pub)),
  );
}

/** Maps an AlgorithmIdentifier to our suite; SM2 may also appear as the algorithm OID itself. */
function suiteOfAlgorithm(algId: Uint8Array): SuiteId {
  const parts = readAll(algId);
  const alg = decodeOid(expectTag(parts[0], TAG.OID));
  if (alg === OID.ed25519) return "ed25519";
  if (alg === OID.sm2) return "sm";
  if (alg !== OID.ecPublicKey) throw new CryptoError("UNSUPPORTED_KEY", `unsupported key algorithm ${alg}`);
  const param = parts[1];
  if (param?.tag !== TAG.OID) throw new CryptoError("UNSUPPORTED_KEY", "EC key without a named curve");
  const curve = decodeOid(param.content);
  for (const [suite, info] of Object.entries(CURVES)) {
    if (info.kind === "weierstrass" && info.curveOid === curve) return suite as SuiteId;
  }
  throw new CryptoError("UNSUPPORTED_KEY", `unsupported curve ${curve}`);
}

function pemError(e: unknown, what: string): never {
  if (e instanceof CryptoError) throw e;
  throw new CryptoError("INVALID_PEM", `malformed ${what}: ${e instanceof Error ? e.message : String(e)}`);
}

export interface DecodedPrivateKey {
  suite: SuiteId;
  d: Uint8Array;
  /** The public key stored beside an EC private key, if any (checked by the caller). */
  pub?: Uint8Array;
}

export function decodePrivateKeyPem(pem: string): DecodedPrivateKey {
  try {
    const [version, alg, key] = readAll(readOne(fromPem(pem, "PRIVATE KEY"), TAG.SEQUENCE));
    expectTag(version, TAG.INTEGER);
    const suite = suiteOfAlgorithm(expectTag(alg, TAG.SEQUENCE));
    const keyBytes = expectTag(key, TAG.OCTET_STRING);
    if (suite === "ed25519") return { suite, d: readOne(keyBytes, TAG.OCTET_STRING).slice() };
    const [, priv, ...rest] = readAll(readOne(keyBytes, TAG.SEQUENCE));
    const d = expectTag(priv, TAG.OCTET_STRING);
    if (d.length > 32) throw new DerError("EC private key longer than 32 bytes");
    const padded = new Uint8Array(32);
    padded.set(d, 32 - d.length);
    const pubTlv = rest.find((t) => t.tag === TAG.CONTEXT_1);
    if (!pubTlv) return { suite, d: padded };
    const bits = readOne(pubTlv.content, TAG.BIT_STRING);
    return { suite, d: padded, pub: bits.slice(1) };
  } catch (e) {
    return pemError(e, "PKCS#8 private key");
  }
}

export function decodePublicKeyPem(pem: string): { suite: SuiteId; pub: Uint8Array } {
  try {
    const [alg, bits] = readAll(readOne(fromPem(pem, "PUBLIC KEY"), TAG.SEQUENCE));
    const suite = suiteOfAlgorithm(expectTag(alg, TAG.SEQUENCE));
    const content = expectTag(bits, TAG.BIT_STRING);
    if (content[0] !== 0) throw new DerError("BIT STRING with unused bits");
    return { suite, pub: content.slice(1) };
  } catch (e) {
    return pemError(e, "SPKI public key");
  }
}

/** The suite of a PEM key (private PKCS#8 or public SPKI), from its algorithm and curve OIDs. */
export function detectPemSuite(pem: string): SuiteId {
  if (pem.includes("-----BEGIN PRIVATE KEY-----")) return decodePrivateKeyPem(pem).suite;
  if (pem.includes("-----BEGIN PUBLIC KEY-----")) return decodePublicKeyPem(pem).suite;
  throw new CryptoError("INVALID_PEM", "expected a PKCS#8 'PRIVATE KEY' or SPKI 'PUBLIC KEY' PEM block");
}
