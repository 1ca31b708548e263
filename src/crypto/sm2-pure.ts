import { randomBytes } from "node:crypto";
import { invert, mod } from "@noble/curves/abstract/modular.js";
import type { WeierstrassPoint } from "@noble/curves/abstract/weierstrass.js";
import { bigIntToBytes, bytesToBigInt, concatBytes, toUint8Array } from "./bytes.js";
import { SM2_CURVE, sm2Point } from "./curves.js";
import { sm3 } from "./hash.js";
import { Lru } from "./lru.js";

/**
 * SM2 digital signatures (GB/T 32918.2) in pure JavaScript on @noble/curves: the fallback
 * when the native addon is missing, and the only place that can sign with a chosen k
 * (known-answer vectors). Independent of sm-crypto-v2, which the tests use as a cross-check.
 */

const { n, a, b, Gx, Gy } = SM2_CURVE;
export const SM2_DEFAULT_ID = new TextEncoder().encode("1234567812345678");
const N_BYTES = 32;

/** Z = SM3(ENTL || ID || a || b || Gx || Gy || Qx || Qy), ENTL = bit length of ID, 2 bytes. */
export function sm2Z(publicKey: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): Uint8Array {
  const bits = id.length * 8;
  if (bits > 0xffff) throw new RangeError("SM2 ID longer than 8191 bytes");
  const entl = Uint8Array.of(bits >> 8, bits & 0xff);
  const curve = [a, b, Gx, Gy].map((v) => bigIntToBytes(v, N_BYTES));
  return sm3(entl, id, ...curve, publicKey.subarray(1, 33), publicKey.subarray(33, 65));
}

/** e = SM3(Z || M) as an integer. */
export function sm2E(publicKey: Uint8Array, message: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): bigint {
  return bytesToBigInt(sm3(sm2Z(publicKey, id), message));
}

/** A scalar uniformly in [1, max-1] by rejection sampling. */
export function randomScalar(max: bigint): bigint {
  for (;;) {
    const k = bytesToBigInt(randomBytes(N_BYTES));
    if (k >= 1n && k < max) return k;
  }
}

export function sm2IsValidPrivate(d: bigint): boolean {
  return d >= 1n && d <= n - 2n; // (1 + d) must be invertible mod n
}

export function sm2PublicKeyOf(d: Uint8Array): Uint8Array {
  const scalar = bytesToBigInt(d);
  if (d.length !== N_BYTES || !sm2IsValidPrivate(scalar))
    throw new RangeError("SM2 private key out of range");
  return sm2Point.BASE.multiply(scalar).toBytes(false);
}

/**
 * Sign with a given nonce k. Internal: only known-answer tests may choose k; returns null
 * when this k is unusable (r = 0, r + k = n or s = 0) so the caller picks another.
 */
export function sm2SignWithK(d: Uint8Array, e: bigint, k: bigint): Uint8Array | null {
  const dn = bytesToBigInt(d);
  const x1 = sm2Point.BASE.multiply(k).x;
  const r = mod(e + x1, n);
  if (r === 0n || r + k === n) return null;
  const inv = invert(1n + dn, n);
  const s = mod(inv * (k - r * dn), n);
  if (s === 0n) return null;
  return concatBytes(bigIntToBytes(r, N_BYTES), bigIntToBytes(s, N_BYTES));
}

export function sm2Sign(
  d: Uint8Array,
  publicKey: Uint8Array,
  message: Uint8Array,
  id: Uint8Array = SM2_DEFAULT_ID,
): Uint8Array {
  const e = sm2E(publicKey, message, id);
  for (;;) {
    const sig = sm2SignWithK(d, e, randomScalar(n));
    if (sig) return sig;
  }
}

// Parsed public points, bounded: parsing checks the curve equation and is worth caching.
const points = new Lru<string, WeierstrassPoint<bigint>>(1024);

function pointOf(publicKey: Uint8Array): WeierstrassPoint<bigint> {
  const key = Buffer.from(publicKey).toString("hex");
  let p = points.get(key);
  if (!p) {
    p = sm2Point.fromBytes(toUint8Array(publicKey));
    points.set(key, p);
  }
  return p;
}

/** Never throws: any malformed input is simply not a valid signature. */
export function sm2Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  id: Uint8Array = SM2_DEFAULT_ID,
): boolean {
  try {
    if (signature.length !== 2 * N_BYTES || publicKey.length !== 65) return false;
    const r = bytesToBigInt(signature.subarray(0, N_BYTES));
    const s = bytesToBigInt(signature.subarray(N_BYTES));
    if (r < 1n || r >= n || s < 1n || s >= n) return false;
    const t = mod(r + s, n);
    if (t === 0n) return false;
    const q = pointOf(publicKey);
    const x1 = sm2Point.BASE.mulAddUnsafe(s, q, t).x;
    return mod(sm2E(publicKey, message, id) + x1, n) === r;
  } catch {
    return false;
  }
}
