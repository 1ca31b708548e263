import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { asBuffer, bigIntToBytes, bytesToBigInt, concatBytes, toUint8Array } from "../bytes.js";
import { CURVES, type WeierstrassInfo } from "../curves.js";
import { type NodeSigning, nodeSigning } from "../node-crypto.js";
import type { Suite } from "../suite.js";
import { buildSuite, inScalarRange, type Scheme } from "./common.js";
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

const bounds = new Map<bigint, { n: Uint8Array; halfPlusOne: Uint8Array }>();
function boundsOf(n: bigint): { n: Uint8Array; halfPlusOne: Uint8Array } {
  let b = bounds.get(n);
  if (!b) {
    b = { n: bigIntToBytes(n, 32), halfPlusOne: bigIntToBytes((n >> 1n) + 1n, 32) };
    bounds.set(n, b);
  }
  return b;
}

/** True when 1 <= r < n and 1 <= s <= n/2 (the one encoding we accept). */
export function isCanonicalLowS(signature: Uint8Array, n: bigint): boolean {
  const b = boundsOf(n);
  return (
    signature.length === 64 &&
    inScalarRange(signature.subarray(0, 32), b.n) &&
    inScalarRange(signature.subarray(32), b.halfPlusOne)
  );
}

function normaliseLowS(signature: Uint8Array, n: bigint): Uint8Array {
  if (signature.length !== 64 || inScalarRange(signature.subarray(32), boundsOf(n).halfPlusOne))
    return signature;
  const s = bytesToBigInt(signature.subarray(32));
  return concatBytes(signature.subarray(0, 32), bigIntToBytes(n - s, 32));
}

function nodeScheme(node: NodeSigning, id: EcdsaId): Scheme {
  const c = info(id);
  return {
    backend: "native",
    publicKeyOf: (d) => publicOf(c, d),
    sign: (d, message) => {
      const key = privateKeyObject(node, id, d, publicOf(c, d));
      const der = node.sign("sha256", asBuffer(message), { key, dsaEncoding: "ieee-p1363" });
      return normaliseLowS(new Uint8Array(der), c.n);
    },
    verify: (pub, message, signature) => {
      if (!isCanonicalLowS(signature, c.n)) return false;
      const key = publicKeyObject(node, id, pub);
      return node.verify(
        "sha256",
        asBuffer(message),
        { key, dsaEncoding: "ieee-p1363" },
        asBuffer(signature),
      );
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
  // Where node:crypto is missing (a browser), "native" runs the pure scheme too.
  const node = backend === "native" ? nodeSigning : undefined;
  return buildSuite({ id, scheme: node ? nodeScheme(node, id) : nobleScheme(id) });
}
