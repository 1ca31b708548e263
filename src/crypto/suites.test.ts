import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bigIntToBytes, bytesToBigInt, bytesToHex, concatBytes } from "./bytes.js";
import { CURVES } from "./curves.js";
import { CryptoError, getSuite, isSuiteId, SIGNATURE_ENCODING, SUITE_IDS, type Suite } from "./index.js";

const message = fc.uint8Array({ maxLength: 256 });
const cases = SUITE_IDS.flatMap((id) =>
  (["auto", "pure-js"] as const).map((backend) => [id, backend] as const),
);

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  const i = Math.floor(bit / 8) % out.length;
  out[i] = (out[i] ?? 0) ^ (1 << (bit % 8));
  return out;
}

describe.each(cases)("suite %s (%s)", (id, backend) => {
  const suite: Suite = getSuite(id, { backend });
  const other: Suite = getSuite(id, { backend: backend === "auto" ? "pure-js" : "auto" });
  const kp = suite.generateKeyPair();

  it("is cached and documents its encoding", () => {
    expect(getSuite(id, { backend })).toBe(suite);
    expect(SIGNATURE_ENCODING[id]).toMatch(/64 bytes/);
    expect(suite.hash(new Uint8Array()).length).toBe(32);
  });

  it("sign/verify roundtrip, also across backends", () => {
    fc.assert(
      fc.property(message, (msg) => {
        const sig = suite.sign(kp.privateKey, msg);
        expect(sig.length).toBe(64);
        expect(suite.verify(kp.publicKey, msg, sig)).toBe(true);
        expect(other.verify(kp.publicKey, msg, sig)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it("rejects any tampered message or signature, without throwing", () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.nat(), (msg, bitM, bitS) => {
        const sig = suite.sign(kp.privateKey, msg);
        if (msg.length > 0) expect(suite.verify(kp.publicKey, flipBit(msg, bitM), sig)).toBe(false);
        expect(suite.verify(kp.publicKey, concatBytes(msg, Uint8Array.of(0)), sig)).toBe(false);
        expect(suite.verify(kp.publicKey, msg, flipBit(sig, bitS))).toBe(false);
        expect(suite.verify(suite.generateKeyPair().publicKey, msg, sig)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it("verify returns false on junk of any shape", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), message, (junk, msg) => {
        expect(suite.verify(kp.publicKey, msg, junk)).toBe(false);
      }),
      { numRuns: 100 },
    );
    const sig = suite.sign(kp.privateKey, new Uint8Array());
    const foreign = SUITE_IDS.find((s) => s !== id) ?? "sm";
    expect(suite.verify({ suite: foreign, bytes: kp.publicKey.bytes }, new Uint8Array(), sig)).toBe(false);
    expect(suite.verify({ suite: id, bytes: new Uint8Array(3) }, new Uint8Array(), sig)).toBe(false);
  });

  it("PEM roundtrip of private and public keys", () => {
    const priv = suite.privateKeyFromPem(suite.privateKeyToPem(kp.privateKey));
    expect(bytesToHex(priv.bytes)).toBe(bytesToHex(kp.privateKey.bytes));
    const pub = suite.publicKeyFromPem(suite.publicKeyToPem(kp.publicKey));
    expect(bytesToHex(pub.bytes)).toBe(bytesToHex(kp.publicKey.bytes));
    const foreign = getSuite(id === "ed25519" ? "sm" : "ed25519");
    expect(() => foreign.publicKeyFromPem(suite.publicKeyToPem(kp.publicKey))).toThrow(CryptoError);
    expect(() => suite.privateKeyFromPem("not a pem")).toThrow(CryptoError);
  });

  it("publicKeyFromBytes rejects junk with INVALID_PUBLIC_KEY", () => {
    const bad =
      id === "ed25519"
        ? [new Uint8Array(31), new Uint8Array(32).fill(0xff)] // y >= p: non-canonical
        : [
            new Uint8Array(65),
            Uint8Array.of(4, ...new Uint8Array(64).fill(1)),
            kp.publicKey.bytes.subarray(1),
          ];
    for (const bytes of bad) {
      expect(() => suite.publicKeyFromBytes(bytes)).toThrow(
        expect.objectContaining({ code: "INVALID_PUBLIC_KEY" }),
      );
    }
    expect(bytesToHex(suite.publicKeyFromBytes(kp.publicKey.bytes).bytes)).toBe(
      bytesToHex(kp.publicKey.bytes),
    );
  });

  it("publicKeyFromBytes answers a key met before as the first time, and junk every time", () => {
    const first = suite.publicKeyFromBytes(kp.publicKey.bytes);
    first.bytes.fill(0); // a caller that scribbles on its copy changes nobody else's
    for (let i = 0; i < 3; i++)
      expect(bytesToHex(suite.publicKeyFromBytes(kp.publicKey.bytes).bytes)).toBe(
        bytesToHex(kp.publicKey.bytes),
      );
    const junk = id === "ed25519" ? new Uint8Array(32).fill(0xff) : new Uint8Array(65);
    for (let i = 0; i < 2; i++)
      expect(() => suite.publicKeyFromBytes(junk)).toThrow(
        expect.objectContaining({ code: "INVALID_PUBLIC_KEY" }),
      );
  });

  it("seal/open roundtrip with associated data; any tampering fails", () => {
    const key = new Uint8Array(suite.sealKeyBytes).fill(7);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.nat(),
        (pt, ad, bit) => {
          const sealed = suite.seal(key, pt, ad);
          expect(bytesToHex(suite.open(key, sealed, ad))).toBe(bytesToHex(pt));
          expect(() => suite.open(key, flipBit(sealed, bit), ad)).toThrow(CryptoError);
          expect(() => suite.open(key, sealed, concatBytes(ad, Uint8Array.of(1)))).toThrow(CryptoError);
          expect(() => suite.open(flipBit(key, bit), sealed, ad)).toThrow(CryptoError);
          expect(() => suite.open(key, sealed.subarray(0, sealed.length - 1), ad)).toThrow(CryptoError);
        },
      ),
      { numRuns: 30 },
    );
    expect(() => suite.seal(new Uint8Array(5), new Uint8Array())).toThrow(CryptoError);
    // Random nonces: sealing twice never repeats the output.
    expect(bytesToHex(suite.seal(key, new Uint8Array(1)))).not.toBe(
      bytesToHex(suite.seal(key, new Uint8Array(1))),
    );
  });

  it("rejects private keys out of range", () => {
    expect(() => suite.privateKeyFromBytes(new Uint8Array(31))).toThrow(CryptoError);
    if (id !== "ed25519") {
      expect(() => suite.privateKeyFromBytes(new Uint8Array(32))).toThrow(CryptoError);
      expect(() => suite.privateKeyFromBytes(bigIntToBytes(CURVES[id].n, 32))).toThrow(CryptoError);
    }
  });
});

describe.each(["ecdsa-p256", "ecdsa-secp256k1"] as const)("%s low-S", (id) => {
  const n = CURVES[id].n;
  it.each(["auto", "pure-js"] as const)("%s signs low-S only and rejects the high-S twin", (backend) => {
    const suite = getSuite(id, { backend });
    const kp = suite.generateKeyPair();
    fc.assert(
      fc.property(message, (msg) => {
        const sig = suite.sign(kp.privateKey, msg);
        const s = bytesToBigInt(sig.subarray(32));
        expect(s <= n >> 1n).toBe(true);
        const high = concatBytes(sig.subarray(0, 32), bigIntToBytes(n - s, 32));
        expect(suite.verify(kp.publicKey, msg, high)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});

describe("ed25519 non-canonical S", () => {
  const L = CURVES.ed25519.n;
  it.each(["auto", "pure-js"] as const)("%s rejects S + L", (backend) => {
    const suite = getSuite("ed25519", { backend });
    const kp = suite.generateKeyPair();
    fc.assert(
      fc.property(message, (msg) => {
        const sig = suite.sign(kp.privateKey, msg);
        const s = bytesToBigInt(sig.slice(32).reverse());
        const bigS = bigIntToBytes(s + L, 32).reverse();
        expect(suite.verify(kp.publicKey, msg, concatBytes(sig.subarray(0, 32), bigS))).toBe(false);
      }),
      { numRuns: 30 },
    );
  });
});

describe("getSuite", () => {
  it("knows the suites and rejects others", () => {
    expect(SUITE_IDS.every(isSuiteId)).toBe(true);
    expect(isSuiteId("rsa")).toBe(false);
    expect(() => getSuite("rsa" as never)).toThrow(expect.objectContaining({ code: "UNKNOWN_SUITE" }));
  });
});

describe.each(SUITE_IDS.filter((id) => id !== "ed25519"))("%s public key forms", (id) => {
  it("publicKeyFromBytes takes a compressed point and returns it uncompressed; verify wants the canonical form", () => {
    const suite = getSuite(id);
    const kp = suite.generateKeyPair();
    const Point = CURVES[id];
    if (Point.kind !== "weierstrass") throw new Error("unreachable");
    const compressed = Point.Point.fromBytes(kp.publicKey.bytes).toBytes(true);
    expect(bytesToHex(suite.publicKeyFromBytes(compressed).bytes)).toBe(bytesToHex(kp.publicKey.bytes));
    const sig = suite.sign(kp.privateKey, new Uint8Array(1));
    expect(suite.verify({ suite: id, bytes: compressed }, new Uint8Array(1), sig)).toBe(false);
  });
});
