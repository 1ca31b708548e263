// Test-only helpers: hash functions from node:crypto and an ed25519 suite from @noble/curves,
// independent of src/crypto, so ledger tests also cross-check the crypto layer's suites.
import { createHash } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { CryptoError } from "../crypto/errors.js";
import { getSuite } from "../crypto/index.js";
import type { PrivateKey, PublicKey } from "../crypto/suite.js";
import type { HashFn } from "./bytes.js";
import type { LedgerSuite } from "./suite.js";

export function nodeHashFn(name: "sha256" | "sm3"): HashFn {
  return (data) => new Uint8Array(createHash(name).update(data).digest());
}

export const sha256: HashFn = nodeHashFn("sha256");
export const sm3: HashFn = nodeHashFn("sm3");

export interface TestSuite {
  name: string;
  suite: LedgerSuite;
  hashFn: HashFn;
  /** A deterministic private key from a small seed, and its public key bytes. */
  key(seed: number): { privateKey: PrivateKey; publicKey: Uint8Array };
}

function seedBytes(seed: number): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes[0] = 0x42;
  bytes[30] = (seed >> 8) & 0xff;
  bytes[31] = (seed & 0xff) + 1;
  return bytes;
}

/** ed25519 from @noble/curves with SHA-256 from node:crypto: the independent reference. */
export function nobleEd25519(): TestSuite {
  const suite: LedgerSuite = {
    hash: sha256,
    sign: (k, msg) => ed25519.sign(msg, k.bytes),
    // As the real suites: verify answers false for malformed input, a bad key is a CryptoError.
    verify: (pub, msg, sig) => {
      try {
        return ed25519.verify(sig, msg, pub.bytes);
      } catch {
        return false;
      }
    },
    publicKeyFromBytes: (bytes): PublicKey => {
      try {
        ed25519.Point.fromBytes(bytes);
      } catch (error) {
        throw new CryptoError("INVALID_PUBLIC_KEY", "not a valid ed25519 public key", {
          reason: String(error),
        });
      }
      return { suite: "ed25519", bytes };
    },
  };
  return {
    name: "noble-ed25519",
    suite,
    hashFn: sha256,
    key(seed) {
      const bytes = seedBytes(seed);
      return { privateKey: { suite: "ed25519", bytes }, publicKey: ed25519.getPublicKey(bytes) };
    },
  };
}

/** A suite of the crypto layer. */
export function cryptoSuite(id: "sm" | "ed25519" | "ecdsa-p256"): TestSuite {
  const suite = getSuite(id);
  return {
    name: id,
    suite,
    hashFn: (d) => suite.hash(d),
    key(seed) {
      const privateKey = suite.privateKeyFromBytes(seedBytes(seed));
      return { privateKey, publicKey: suite.publicKeyOf(privateKey).bytes };
    },
  };
}

export function allTestSuites(): TestSuite[] {
  return [nobleEd25519(), cryptoSuite("sm"), cryptoSuite("ed25519"), cryptoSuite("ecdsa-p256")];
}
