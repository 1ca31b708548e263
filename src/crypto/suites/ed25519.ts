import { ed25519 } from "@noble/curves/ed25519.js";
import { asBuffer, bytesToBigInt, toUint8Array } from "../bytes.js";
import { CURVES } from "../curves.js";
import { type NodeSigning, nodeSigning } from "../node-crypto.js";
import type { Suite } from "../suite.js";
import { buildSuite, type Scheme } from "./common.js";
import { privateKeyObject, publicKeyObject } from "./keyobjects.js";

/**
 * Ed25519 per RFC 8032: 64-byte R||S signatures, S little-endian and < L (a non-canonical
 * S is rejected before any curve work), public keys must decode strictly (no ZIP-215 leniency).
 */

const L = CURVES.ed25519.n;
const derived = new WeakMap<Uint8Array, Uint8Array>();

function publicOf(seed: Uint8Array): Uint8Array {
  let pub = derived.get(seed);
  if (!pub) {
    pub = ed25519.getPublicKey(toUint8Array(seed));
    derived.set(seed, pub);
  }
  return pub;
}

export function isCanonicalEd25519(signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const s = bytesToBigInt(toUint8Array(signature.subarray(32)).reverse());
  return s < L;
}

/** Strict RFC 8032 point decoding: throws on a non-canonical or off-curve encoding. */
export function checkEd25519Public(pub: Uint8Array): void {
  ed25519.Point.fromBytes(toUint8Array(pub), false);
}

function nodeScheme(node: NodeSigning): Scheme {
  return {
    backend: "native",
    publicKeyOf: publicOf,
    sign: (seed, message) =>
      new Uint8Array(
        node.sign(null, asBuffer(message), privateKeyObject(node, "ed25519", seed, publicOf(seed))),
      ),
    verify: (pub, message, signature) =>
      isCanonicalEd25519(signature) &&
      node.verify(
        null,
        asBuffer(message),
        publicKeyObject(node, "ed25519", pub, checkEd25519Public),
        asBuffer(signature),
      ),
  };
}

function nobleScheme(): Scheme {
  return {
    backend: "pure-js",
    publicKeyOf: publicOf,
    sign: (seed, message) => ed25519.sign(toUint8Array(message), toUint8Array(seed)),
    verify: (pub, message, signature) =>
      isCanonicalEd25519(signature) &&
      ed25519.verify(toUint8Array(signature), toUint8Array(message), toUint8Array(pub), { zip215: false }),
  };
}

export function ed25519Suite(backend: "native" | "pure-js"): Suite {
  return buildSuite({
    id: "ed25519",
    scheme: backend === "native" && nodeSigning ? nodeScheme(nodeSigning) : nobleScheme(),
    checkPublic: checkEd25519Public,
  });
}
