import { bigIntToBytes, compareBytes, randomBytes, toUint8Array } from "../bytes.js";
import { CURVES } from "../curves.js";
import { CryptoError } from "../errors.js";
import { digest } from "../hash.js";
import { Lru } from "../lru.js";
import { decodePrivateKeyPem, decodePublicKeyPem, encodePrivateKeyPem, encodePublicKeyPem } from "../pem.js";
import { aesGcmOpen, aesGcmSeal, sm4Open, sm4Seal } from "../seal.js";
import { randomScalar } from "../sm2-pure.js";
import type { CryptoBackend, KeyPair, PrivateKey, PublicKey, Suite, SuiteId } from "../suite.js";

/** What differs between suites and backends: the signature scheme itself. */
export interface Scheme {
  readonly backend: CryptoBackend;
  /** d is already range-checked. */
  publicKeyOf(d: Uint8Array): Uint8Array;
  sign(d: Uint8Array, message: Uint8Array): Uint8Array;
  /** pub is canonical; must never throw. */
  verify(pub: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** Largest valid private scalar + 1: SM2 needs d <= n-2 so that 1+d is invertible. */
function scalarLimit(suite: SuiteId): bigint {
  const c = CURVES[suite];
  return suite === "sm" ? c.n - 1n : c.n;
}

const limitBytes = new Map<SuiteId, Uint8Array>();

/** 1 <= value < limit for 32-byte big-endian values, by byte comparison (no BigInt on hot paths). */
export function inScalarRange(value: Uint8Array, limit: Uint8Array): boolean {
  return value.length === 32 && value.some((b) => b !== 0) && compareBytes(value, limit) < 0;
}

export function checkPrivateBytes(suite: SuiteId, bytes: Uint8Array): void {
  if (bytes.length !== 32)
    throw new CryptoError("INVALID_PRIVATE_KEY", "private key must be 32 bytes", { suite });
  if (CURVES[suite].kind === "edwards") return; // any 32-byte seed is an Ed25519 key
  let limit = limitBytes.get(suite);
  if (!limit) {
    limit = bigIntToBytes(scalarLimit(suite), 32);
    limitBytes.set(suite, limit);
  }
  if (!inScalarRange(bytes, limit)) {
    throw new CryptoError("INVALID_PRIVATE_KEY", "private scalar out of range", { suite });
  }
}

/** Validates a point and returns its canonical encoding (uncompressed SEC1 or RFC 8032). */
export function canonicalPublicBytes(suite: SuiteId, bytes: Uint8Array): Uint8Array {
  const c = CURVES[suite];
  try {
    if (c.kind === "edwards") {
      if (bytes.length !== 32) throw new Error("Ed25519 public key must be 32 bytes");
      return toUint8Array(bytes); // validated by the scheme's parse (strict RFC 8032 decoding)
    }
    return c.Point.fromBytes(toUint8Array(bytes)).toBytes(false);
  } catch (e) {
    throw new CryptoError("INVALID_PUBLIC_KEY", `not a valid ${suite} public key`, {
      suite,
      reason: e instanceof Error ? e.message : String(e),
    });
  }
}

export interface SuiteParts {
  id: SuiteId;
  scheme: Scheme;
  /** Extra public key check (Ed25519 point decoding); throws on junk. */
  checkPublic?: (bytes: Uint8Array) => void;
}

export function buildSuite({ id, scheme, checkPublic }: SuiteParts): Suite {
  const sm = id === "sm";
  const hashName = sm ? "sm3" : "sha256";

  // Decoding a point (a field square root or an on-curve check) costs more than a tenth of a
  // verification, and a chain's signers are few and sign again and again: a key validated once
  // is known by its bytes. Only valid keys are kept; bounded like every cache here.
  const validated = new Lru<string, Uint8Array>(4096);
  const publicKeyFromBytes = (bytes: Uint8Array): PublicKey => {
    const key =
      bytes.length <= 128 ? String.fromCharCode.apply(null, bytes as unknown as number[]) : undefined;
    const known = key === undefined ? undefined : validated.get(key);
    if (known !== undefined) return { suite: id, bytes: known.slice() };
    const canonical = canonicalPublicBytes(id, bytes);
    if (checkPublic) {
      try {
        checkPublic(canonical);
      } catch (e) {
        throw new CryptoError("INVALID_PUBLIC_KEY", `not a valid ${id} public key`, {
          suite: id,
          reason: e instanceof Error ? e.message : String(e),
        });
      }
    }
    if (key !== undefined) validated.set(key, canonical.slice());
    return { suite: id, bytes: canonical };
  };
  const privateKeyFromBytes = (bytes: Uint8Array): PrivateKey => {
    checkPrivateBytes(id, bytes);
    return { suite: id, bytes: toUint8Array(bytes) };
  };
  const ownPrivate = (key: PrivateKey): Uint8Array => {
    if (key.suite !== id) throw new CryptoError("SUITE_MISMATCH", `a ${key.suite} key used with suite ${id}`);
    checkPrivateBytes(id, key.bytes);
    return key.bytes;
  };
  const publicKeyOf = (key: PrivateKey): PublicKey => ({
    suite: id,
    bytes: scheme.publicKeyOf(ownPrivate(key)),
  });
  const generateKeyPair = (): KeyPair => {
    const edwards = CURVES[id].kind === "edwards";
    const bytes = edwards ? randomBytes(32) : bigIntToBytes(randomScalar(scalarLimit(id)), 32);
    const privateKey = { suite: id, bytes: new Uint8Array(bytes) };
    return { privateKey, publicKey: publicKeyOf(privateKey) };
  };

  return {
    id,
    hashName,
    backend: scheme.backend,
    sealKeyBytes: sm ? 16 : 32,
    hash: (data) => digest(hashName, data),
    generateKeyPair,
    publicKeyOf,
    privateKeyFromBytes,
    publicKeyFromBytes,
    sign: (privateKey, message) => scheme.sign(ownPrivate(privateKey), message),
    verify: (publicKey, message, signature) => {
      if (publicKey.suite !== id || !(signature instanceof Uint8Array) || !(message instanceof Uint8Array)) {
        return false;
      }
      if (!hasCanonicalShape(id, publicKey.bytes)) return false;
      try {
        return scheme.verify(publicKey.bytes, message, signature);
      } catch {
        return false;
      }
    },
    privateKeyToPem: (privateKey) =>
      encodePrivateKeyPem(id, ownPrivate(privateKey), publicKeyOf(privateKey).bytes),
    privateKeyFromPem: (pem) => {
      const decoded = decodePrivateKeyPem(pem);
      if (decoded.suite !== id)
        throw new CryptoError("SUITE_MISMATCH", `PEM holds a ${decoded.suite} key, not ${id}`);
      const key = privateKeyFromBytes(decoded.d);
      if (decoded.pub && compareBytes(canonicalPublicBytes(id, decoded.pub), publicKeyOf(key).bytes) !== 0) {
        throw new CryptoError("INVALID_PEM", "the public key in the PEM does not match its private key");
      }
      return key;
    },
    publicKeyToPem: (publicKey) => encodePublicKeyPem(id, publicKeyFromBytes(publicKey.bytes).bytes),
    publicKeyFromPem: (pem) => {
      const decoded = decodePublicKeyPem(pem);
      if (decoded.suite !== id)
        throw new CryptoError("SUITE_MISMATCH", `PEM holds a ${decoded.suite} key, not ${id}`);
      return publicKeyFromBytes(decoded.pub);
    },
    seal: (key, plaintext, ad) => (sm ? sm4Seal(key, plaintext, ad) : aesGcmSeal(key, plaintext, ad)),
    open: (key, sealed, ad) => (sm ? sm4Open(key, sealed, ad) : aesGcmOpen(key, sealed, ad)),
  };
}

/** Only the canonical public key form verifies, whatever a backend would also accept. */
function hasCanonicalShape(suite: SuiteId, pub: Uint8Array): boolean {
  if (!(pub instanceof Uint8Array)) return false;
  return CURVES[suite].kind === "edwards" ? pub.length === 32 : pub.length === 65 && pub[0] === 0x04;
}
