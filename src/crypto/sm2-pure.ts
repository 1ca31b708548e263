import { invert, mod } from "@noble/curves/abstract/modular.js";
import { type WeierstrassPoint, weierstrass } from "@noble/curves/abstract/weierstrass.js";
import { bigIntToBytes, bytesToBigInt, bytesToHex, concatBytes, randomBytes, toUint8Array } from "./bytes.js";
import { SM2_CURVE } from "./curves.js";
import { sm3 } from "./hash.js";
import { Lru } from "./lru.js";

/**
 * SM2 digital signatures (GB/T 32918.2) in pure JavaScript on @noble/curves: the fallback
 * when the native addon is missing, and the only place that can sign with a chosen k
 * (known-answer vectors). Independent of sm-crypto-v2, which the tests use as a cross-check.
 * Parameterised by the curve so the GB/T 32918.2 example-curve vector can run too.
 */

export const SM2_DEFAULT_ID = new TextEncoder().encode("1234567812345678");
const N_BYTES = 32;

export interface Sm2CurveParams {
  p: bigint;
  a: bigint;
  b: bigint;
  n: bigint;
  Gx: bigint;
  Gy: bigint;
}

export interface Sm2 {
  readonly n: bigint;
  /** Z = SM3(ENTL || ID || a || b || Gx || Gy || Qx || Qy), ENTL = bit length of ID, 2 bytes. */
  z(publicKey: Uint8Array, id?: Uint8Array): Uint8Array;
  /** e = SM3(Z || M) as an integer. */
  e(publicKey: Uint8Array, message: Uint8Array, id?: Uint8Array): bigint;
  publicKeyOf(d: Uint8Array): Uint8Array;
  /**
   * Internal: sign with a chosen nonce k, for known-answer tests only. Returns null when this
   * k is unusable (r = 0, r + k = n or s = 0) so the caller picks another.
   */
  signWithK(d: Uint8Array, e: bigint, k: bigint): Uint8Array | null;
  sign(d: Uint8Array, publicKey: Uint8Array, message: Uint8Array, id?: Uint8Array): Uint8Array;
  /** Never throws: any malformed input is simply not a valid signature. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, id?: Uint8Array): boolean;
}

/** A scalar uniformly in [1, max-1] by rejection sampling. */
export function randomScalar(max: bigint): bigint {
  for (;;) {
    const k = bytesToBigInt(randomBytes(N_BYTES));
    if (k >= 1n && k < max) return k;
  }
}

export function makeSm2(params: Sm2CurveParams): Sm2 {
  const { n, a, b, Gx, Gy } = params;
  const Point = weierstrass<bigint>({ ...params, h: 1n });
  const curveBytes = concatBytes(...[a, b, Gx, Gy].map((v) => bigIntToBytes(v, N_BYTES)));
  // Parsed public points, bounded: parsing checks the curve equation and is worth caching.
  const points = new Lru<string, WeierstrassPoint<bigint>>(1024);

  const pointOf = (publicKey: Uint8Array): WeierstrassPoint<bigint> => {
    const key = bytesToHex(publicKey);
    let q = points.get(key);
    if (!q) {
      q = Point.fromBytes(toUint8Array(publicKey));
      points.set(key, q);
    }
    return q;
  };

  const z = (publicKey: Uint8Array, id: Uint8Array = SM2_DEFAULT_ID): Uint8Array => {
    const bits = id.length * 8;
    if (bits > 0xffff) throw new RangeError("SM2 ID longer than 8191 bytes");
    return sm3(Uint8Array.of(bits >> 8, bits & 0xff), id, curveBytes, publicKey.subarray(1, 65));
  };
  const e = (publicKey: Uint8Array, message: Uint8Array, id?: Uint8Array): bigint =>
    bytesToBigInt(sm3(z(publicKey, id), message));

  const signWithK = (d: Uint8Array, eValue: bigint, k: bigint): Uint8Array | null => {
    const dn = bytesToBigInt(d);
    const r = mod(eValue + Point.BASE.multiply(k).x, n);
    if (r === 0n || r + k === n) return null;
    const s = mod(invert(1n + dn, n) * (k - r * dn), n);
    if (s === 0n) return null;
    return concatBytes(bigIntToBytes(r, N_BYTES), bigIntToBytes(s, N_BYTES));
  };

  return {
    n,
    z,
    e,
    signWithK,
    publicKeyOf: (d) => {
      const scalar = bytesToBigInt(d);
      // (1 + d) must be invertible mod n, hence d <= n - 2.
      if (d.length !== N_BYTES || scalar < 1n || scalar > n - 2n)
        throw new RangeError("SM2 private key out of range");
      return Point.BASE.multiply(scalar).toBytes(false);
    },
    sign: (d, publicKey, message, id) => {
      const eValue = e(publicKey, message, id);
      for (;;) {
        const sig = signWithK(d, eValue, randomScalar(n));
        if (sig) return sig;
      }
    },
    verify: (publicKey, message, signature, id) => {
      try {
        if (signature.length !== 2 * N_BYTES || publicKey.length !== 65) return false;
        const r = bytesToBigInt(signature.subarray(0, N_BYTES));
        const s = bytesToBigInt(signature.subarray(N_BYTES));
        if (r < 1n || r >= n || s < 1n || s >= n) return false;
        const t = mod(r + s, n);
        if (t === 0n) return false;
        const x1 = Point.BASE.mulAddUnsafe(s, pointOf(publicKey), t).x;
        return mod(e(publicKey, message, id) + x1, n) === r;
      } catch {
        return false;
      }
    },
  };
}

/** SM2 on the recommended curve of GB/T 32918.5: what the sm suite uses. */
export const sm2 = makeSm2(SM2_CURVE);
