import type { WeierstrassPointCons } from "@noble/curves/abstract/weierstrass.js";
import { weierstrass } from "@noble/curves/abstract/weierstrass.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { SuiteId } from "./suite.js";

/** SM2 recommended curve, GB/T 32918.5 (GM/T 0003.5). */
export const SM2_CURVE = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
} as const;

export const sm2Point: WeierstrassPointCons<bigint> = weierstrass<bigint>(SM2_CURVE);

/** Curve OIDs as written in PKCS#8/SPKI AlgorithmIdentifier parameters. */
export const OID = {
  ecPublicKey: "1.2.840.10045.2.1",
  p256: "1.2.840.10045.3.1.7",
  secp256k1: "1.3.132.0.10",
  sm2: "1.2.156.10197.1.301",
  ed25519: "1.3.101.112",
} as const;

export interface WeierstrassInfo {
  kind: "weierstrass";
  Point: WeierstrassPointCons<bigint>;
  n: bigint;
  curveOid: string;
  /** OpenSSL / node:crypto curve name. */
  nodeCurve: string;
}

export interface EdwardsInfo {
  kind: "edwards";
  /** Group order L of Ed25519. */
  n: bigint;
  algOid: string;
}

export const CURVES: Record<SuiteId, WeierstrassInfo | EdwardsInfo> = {
  sm: { kind: "weierstrass", Point: sm2Point, n: SM2_CURVE.n, curveOid: OID.sm2, nodeCurve: "SM2" },
  "ecdsa-p256": {
    kind: "weierstrass",
    Point: p256.Point,
    n: p256.Point.CURVE().n,
    curveOid: OID.p256,
    nodeCurve: "prime256v1",
  },
  "ecdsa-secp256k1": {
    kind: "weierstrass",
    Point: secp256k1.Point,
    n: secp256k1.Point.CURVE().n,
    curveOid: OID.secp256k1,
    nodeCurve: "secp256k1",
  },
  ed25519: { kind: "edwards", n: ed25519.Point.CURVE().n, algOid: OID.ed25519 },
};
