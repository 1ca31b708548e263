import { createCipheriv, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { sm2 as smCrypto } from "sm-crypto-v2";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "./bytes.js";
import { getSmSuite, getSuite } from "./index.js";
import { makeSm2, sm2 } from "./sm2-pure.js";

// Published known-answer vectors, copied into the repo (each file names its source): a clone stands alone.
const VECTORS = new URL("./vectors/", import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: vector files are plain JSON read as-is
const load = (name: string): any => JSON.parse(readFileSync(new URL(name, VECTORS), "utf8"));

const sm3sm4 = load("sm3_sm4.json");
const sm2Vectors = load("sm2_sign.json");
const others = load("ed25519_ecdsa.json");
const utf8 = (s: string) => new TextEncoder().encode(s);
const big = (hex: string) => BigInt(`0x${hex}`);
const BACKENDS = ["auto", "pure-js"] as const;

describe("SM3 (GB/T 32905-2016 Annex A)", () => {
  for (const v of sm3sm4.sm3.vectors) {
    it(`hashes ${v.msg_ascii.slice(0, 12)}...`, () => {
      for (const backend of BACKENDS) {
        expect(bytesToHex(getSuite("sm", { backend }).hash(hexToBytes(v.msg_hex)))).toBe(v.digest);
      }
    });
  }
});

describe("SM4 (GB/T 32907-2016 Annex A), the block cipher under seal()", () => {
  for (const v of sm3sm4.sm4.vectors) {
    it(`encrypts ${v.iterations} time(s)`, () => {
      const cipher = createCipheriv("sm4-ecb", Buffer.from(v.key, "hex"), null).setAutoPadding(false);
      let block = Buffer.from(v.plaintext, "hex");
      for (let i = 0; i < v.iterations; i++) block = cipher.update(block);
      expect(block.toString("hex")).toBe(v.ciphertext);
    });
  }
  it("sm4-cbc (the mode seal() uses) with a zero IV equals the single-block vector", () => {
    const v = sm3sm4.sm4.vectors[0];
    const c = createCipheriv("sm4-cbc", Buffer.from(v.key, "hex"), Buffer.alloc(16)).setAutoPadding(false);
    expect(c.update(Buffer.from(v.plaintext, "hex")).toString("hex")).toBe(v.ciphertext);
  });
});

describe("SM2 signatures (GM/T 0003.5 / GB/T 32918 Annex A)", () => {
  for (const v of sm2Vectors.vectors) {
    const curve = {
      p: big(v.curve.p),
      a: big(v.curve.a),
      b: big(v.curve.b),
      n: big(v.curve.n),
      Gx: big(v.curve.gx),
      Gy: big(v.curve.gy),
    };
    const recommended = v.curve.p === "fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff";
    const impl = recommended ? sm2 : makeSm2(curve);
    const d = hexToBytes(v.d);
    const id = utf8(v.id);
    const msg = hexToBytes(v.msg_hex);
    const pub = hexToBytes(`04${v.Qx}${v.Qy}`);
    const sig = hexToBytes(v.r + v.s);

    it(`${v.name}: Q, Z, e and the signature with the given k`, () => {
      expect(bytesToHex(impl.publicKeyOf(d))).toBe(bytesToHex(pub));
      expect(bytesToHex(impl.z(pub, id))).toBe(v.Z);
      expect(impl.e(pub, msg, id).toString(16).padStart(64, "0")).toBe(v.e);
      expect(bytesToHex(impl.signWithK(d, impl.e(pub, msg, id), big(v.k)) ?? new Uint8Array())).toBe(
        v.r + v.s,
      );
      expect(impl.verify(pub, msg, sig, id)).toBe(true);
      expect(impl.verify(pub, msg, sig, utf8(`${v.id}x`))).toBe(false);
    });

    if (!recommended) continue;
    it(`${v.name}: every backend of the sm suite accepts it, and sm-crypto-v2 agrees`, () => {
      for (const backend of BACKENDS) {
        const suite = getSmSuite({ backend });
        const key = suite.privateKeyFromBytes(d);
        const publicKey = suite.publicKeyFromBytes(pub);
        expect(bytesToHex(suite.publicKeyOf(key).bytes)).toBe(bytesToHex(pub));
        expect(bytesToHex(suite.zDigest(publicKey, v.id))).toBe(v.Z);
        expect(suite.verifyWithId(publicKey, msg, sig, id)).toBe(true);
        expect(suite.verifyWithId(publicKey, msg, sig, v.id)).toBe(true);
        // The default ID applies to verify(): only the default-ID vector passes it.
        expect(suite.verify(publicKey, msg, sig)).toBe(v.id === "1234567812345678");
      }
      const opts = v.id === "1234567812345678" ? { hash: true } : { hash: true, userId: v.id };
      expect(smCrypto.doVerifySignature(msg, v.r + v.s, `04${v.Qx}${v.Qy}`, opts)).toBe(true);
    });
  }
});

describe("Ed25519 (RFC 8032 7.1)", () => {
  for (const v of others.ed25519.vectors) {
    it(v.name, () => {
      for (const backend of BACKENDS) {
        const suite = getSuite("ed25519", { backend });
        const key = suite.privateKeyFromBytes(hexToBytes(v.sk));
        expect(bytesToHex(suite.publicKeyOf(key).bytes)).toBe(v.pk);
        expect(bytesToHex(suite.sign(key, hexToBytes(v.msg)))).toBe(v.sig);
        expect(
          suite.verify(suite.publicKeyFromBytes(hexToBytes(v.pk)), hexToBytes(v.msg), hexToBytes(v.sig)),
        ).toBe(true);
      }
    });
  }
});

describe("ECDSA P-256 with SHA-256 (RFC 6979 A.2.5)", () => {
  const v = others.ecdsa_p256_sha256;
  const n = big("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  for (const c of v.cases) {
    it(`message "${c.msg}"`, () => {
      const s = big(c.s);
      const lowS = (s > n >> 1n ? n - s : s).toString(16).padStart(64, "0");
      for (const backend of BACKENDS) {
        const suite = getSuite("ecdsa-p256", { backend });
        const key = suite.privateKeyFromBytes(hexToBytes(v.x));
        const pub = suite.publicKeyOf(key);
        expect(bytesToHex(pub.bytes)).toBe(`04${v.Ux}${v.Uy}`);
        expect(suite.verify(pub, utf8(c.msg), hexToBytes(c.r + lowS))).toBe(true);
        // The vector's own s is high for "sample": that second encoding must be rejected.
        expect(suite.verify(pub, utf8(c.msg), hexToBytes(c.r + c.s))).toBe(c.s === lowS);
      }
      // pure-js signs with RFC 6979 k, so it reproduces r and the low-S form of s exactly.
      const pure = getSuite("ecdsa-p256", { backend: "pure-js" });
      expect(bytesToHex(pure.sign(pure.privateKeyFromBytes(hexToBytes(v.x)), utf8(c.msg)))).toBe(c.r + lowS);
    });
  }
});

describe("ECDSA secp256k1 with SHA-256 (RFC 6979 vectors)", () => {
  for (const [i, v] of others.ecdsa_secp256k1_sha256.vectors.entries()) {
    it(`vector ${i + 1}: ${v.msg.slice(0, 20)}`, () => {
      for (const backend of BACKENDS) {
        const suite = getSuite("ecdsa-secp256k1", { backend });
        const key = suite.privateKeyFromBytes(hexToBytes(v.d));
        const pub = suite.publicKeyOf(key);
        expect(bytesToHex(pub.bytes)).toBe(v.pub);
        expect(suite.verify(pub, utf8(v.msg), hexToBytes(v.sig))).toBe(true);
      }
      const pure = getSuite("ecdsa-secp256k1", { backend: "pure-js" });
      expect(bytesToHex(pure.sign(pure.privateKeyFromBytes(hexToBytes(v.d)), utf8(v.msg)))).toBe(v.sig);
    });
  }
});

describe("the ledger hash of non-SM suites is SHA-256", () => {
  it("matches node:crypto", () => {
    const data = utf8("abc");
    expect(bytesToHex(getSuite("ed25519").hash(data))).toBe(createHash("sha256").update(data).digest("hex"));
  });
});
