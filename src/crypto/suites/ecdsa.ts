import { sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { asBuffer, bigIntToBytes, bytesToBigInt, concatBytes, toUint8Array } from "../bytes.js";
import { CURVES, type WeierstrassInfo } from "../curves.js";
import type { Suite } from "../suite.js";
import { buildSuite, type Scheme, splitRs } from "./common.js";
import { privateKeyObject, publicKeyObject } from "./keyobjects.js";

/**
 * ECDSA with SHA-256 on P-256 or secp256k1. Signatures are r||s, 32 bytes each, with
 * low-S enforced: sign() normalises s to n - s when s > n/2, verify() rejects s > n/2.
 * "native" signs and verifies in node:crypto (OpenSSL); "pure-js" in @noble/curves.
 */

type EcdsaId = "ecdsa-p256" | "ecdsa-secp256k1";

function info(id: EcdsaId): WeierstrassInfo {
  const c = CURVES[id];
  if (c.kind !== "weierstrass") throw new Error("unreachable");
  return c;
}

// Public keys derived from private ones, weakly by the key's byte array (no secret as map key).
const derived = new WeakMap<Uint8Array, Uint8Array>();

function publicOf(c: WeierstrassInfo, d: Uint8Array): Uint8Array {
  let pub = derived.get(d);
  if (!pub) {
    pub = c.Point.BASE.multiply(bytesToBigInt(d)).toBytes(false);
    derived.set(d, pub);
  }
  return pub;
}

/** True when 1 <= r, s < n and s <= n/2 (the one encoding we accept). */
export function isCanonicalLowS(signature: Uint8Array, n: bigint): boolean {
  const rs = splitRs(signature);
  return rs !== null && rs.r >= 1n && rs.r < n && rs.s >= 1n && rs.s <= n >> 1n;
}

function normaliseLowS(signature: Uint8Array, n: bigint): Uint8Array {
  const rs = splitRs(signature);
  if (!rs || rs.s <= n >> 1n) return signature;
  return concatBytes(signature.subarray(0, 32), bigIntToBytes(n - rs.s, 32));
}

function nodeScheme(id: EcdsaId): Scheme {
  const c = info(id);
  return {
    backend: "native",
    publicKeyOf: (d) => publicOf(c, d),
    sign: (d, message) => {
      const key = privateKeyObject(id, d, publicOf(c, d));
      const der = nodeSign("sha256", asBuffer(message), { key, dsaEncoding: "ieee-p1363" });
      return normaliseLowS(new Uint8Array(der), c.n);
    },
    verify: (pub, message, signature) => {
      if (!isCanonicalLowS(signature, c.n)) return false;
      const key = publicKeyObject(id, pub);
      return nodeVerify("sha256", asBuffer(message), { key, dsaEncoding: "ieee-p1363" }, asBuffer(signature));
    },
  };
}

function nobleScheme(id: EcdsaId): Scheme {
  const c = info(id);
  const curve = id === "ecdsa-p256" ? p256 : secp256k1;
  return {
    backend: "pure-js",
    publicKeyOf: (d) => publicOf(c, d),
    sign: (d, message) => curve.sign(toUint8Array(message), toUint8Array(d), { lowS: true }),
    verify: (pub, message, signature) =>
      isCanonicalLowS(signature, c.n) &&
      curve.verify(toUint8Array(signature), toUint8Array(message), toUint8Array(pub), { lowS: true }),
  };
}

export function ecdsaSuite(id: EcdsaId, backend: "native" | "pure-js"): Suite {
  return buildSuite({ id, scheme: backend === "native" ? nodeScheme(id) : nobleScheme(id) });
}
