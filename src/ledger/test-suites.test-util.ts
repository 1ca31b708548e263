// Test-only helpers: hash functions and a minimal ed25519 Suite, independent of src/crypto,
// so ledger tests also cross-check the crypto layer's suites.
import { createHash } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { PrivateKey, PublicKey, Suite } from "../crypto/suite.js";
import type { HashFn } from "./bytes.js";

export function nodeHashFn(name: "sha256" | "sm3"): HashFn {
  return (data) => new Uint8Array(createHash(name).update(data).digest());
}

export const sha256: HashFn = nodeHashFn("sha256");
export const sm3: HashFn = nodeHashFn("sm3");

function notInTests(): never {
  throw new Error("not implemented in the ledger's test suite");
}

/** An ed25519 + SHA-256 suite with just what the ledger uses. */
export function testEd25519Suite(): Suite {
  const toPublic = (bytes: Uint8Array): PublicKey => {
    if (bytes.length !== 32) throw new Error("INVALID_PUBLIC_KEY");
    ed25519.Point.fromBytes(bytes);
    return { suite: "ed25519", bytes };
  };
  const publicKeyOf = (k: PrivateKey): PublicKey => ({
    suite: "ed25519",
    bytes: ed25519.getPublicKey(k.bytes),
  });
  return {
    id: "ed25519",
    hashName: "sha256",
    backend: "pure-js",
    sealKeyBytes: 32,
    hash: sha256,
    generateKeyPair: notInTests,
    publicKeyOf,
    sign: (k, msg) => ed25519.sign(msg, k.bytes),
    verify: (pub, msg, sig) => ed25519.verify(sig, msg, pub.bytes),
    publicKeyFromBytes: toPublic,
    privateKeyToPem: notInTests,
    privateKeyFromPem: notInTests,
    publicKeyToPem: notInTests,
    publicKeyFromPem: notInTests,
    seal: notInTests,
    open: notInTests,
  };
}

/** A deterministic key from a small seed number. */
export function testKey(seed: number): PrivateKey {
  const bytes = new Uint8Array(32);
  bytes[31] = seed & 0xff;
  bytes[30] = (seed >> 8) & 0xff;
  bytes[0] = 0x42;
  return { suite: "ed25519", bytes };
}
