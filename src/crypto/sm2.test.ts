import fc from "fast-check";
import { sm2 as smCrypto } from "sm-crypto-v2";
import { describe, expect, it } from "vitest";
import { bigIntToBytes, bytesToHex, hexToBytes } from "./bytes.js";
import { CURVES } from "./curves.js";
import { getSmSuite, sm2NativeStatus } from "./index.js";
import { loadSm2Addon } from "./sm2-native.js";

// Every SM2 signature is checked against sm-crypto-v2, an implementation we do not share code with.
const N = CURVES.sm.n;
const backends = ["auto", "pure-js"] as const;
const privateScalar = fc.bigInt({ min: 1n, max: N - 2n }).map((d) => bigIntToBytes(d, 32));
const message = fc.uint8Array({ maxLength: 300 });
const asciiId = fc.string({ minLength: 0, maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
const DEFAULT_ID = "1234567812345678";

describe("native SM2 addon", () => {
  it("is built by npm ci and loaded (the issue requires native speed)", () => {
    const status = sm2NativeStatus();
    expect(status.reason).toBeUndefined();
    expect(status.available).toBe(true);
    expect(getSmSuite().backend).toBe("native");
  });
  it("a missing addon is reported with its reason, not thrown", () => {
    const { addon, status } = loadSm2Addon(["./no-such-addon.node"]);
    expect(addon).toBeNull();
    expect(status.available).toBe(false);
    expect(status.reason).toContain("no-such-addon.node");
  });
  it("forced pure-js runs pure JavaScript", () => {
    expect(getSmSuite({ backend: "pure-js" }).backend).toBe("pure-js");
  });
});

describe.each(backends)("SM2 (%s) against sm-crypto-v2", (backend) => {
  const suite = getSmSuite({ backend });

  it("every signature we make verifies in sm-crypto-v2 ({hash: true}, default userId)", () => {
    fc.assert(
      fc.property(privateScalar, message, (d, msg) => {
        const key = suite.privateKeyFromBytes(d);
        const pubHex = bytesToHex(suite.publicKeyOf(key).bytes);
        const sig = suite.sign(key, msg);
        expect(sig.length).toBe(64);
        expect(smCrypto.doVerifySignature(msg, bytesToHex(sig), pubHex, { hash: true })).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("every sm-crypto-v2 signature verifies in ours", () => {
    fc.assert(
      fc.property(privateScalar, message, (d, msg) => {
        const key = suite.privateKeyFromBytes(d);
        const pub = suite.publicKeyOf(key);
        const sigHex = smCrypto.doSignature(msg, bytesToHex(d), {
          hash: true,
          publicKey: bytesToHex(pub.bytes),
        });
        expect(suite.verify(pub, msg, hexToBytes(sigHex))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("agrees with sm-crypto-v2 on custom distinguishing IDs, both ways", () => {
    fc.assert(
      fc.property(privateScalar, message, asciiId, (d, msg, id) => {
        const key = suite.privateKeyFromBytes(d);
        const pub = suite.publicKeyOf(key);
        const pubHex = bytesToHex(pub.bytes);
        const ours = suite.signWithId(key, msg, id);
        expect(smCrypto.doVerifySignature(msg, bytesToHex(ours), pubHex, { hash: true, userId: id })).toBe(
          true,
        );
        const theirs = smCrypto.doSignature(msg, bytesToHex(d), {
          hash: true,
          userId: id,
          publicKey: pubHex,
        });
        expect(suite.verifyWithId(pub, msg, hexToBytes(theirs), id)).toBe(true);
        expect(suite.verifyWithId(pub, msg, hexToBytes(theirs), `${id}!`)).toBe(false);
        expect(bytesToHex(suite.zDigest(pub, id))).toBe(bytesToHex(smCrypto.getZ(pubHex, id)));
        if (id !== DEFAULT_ID) expect(suite.verify(pub, msg, ours)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });
});

describe("SM2 native and pure-JS are one algorithm", () => {
  it("each verifies the other's signatures", () => {
    const native = getSmSuite();
    const pure = getSmSuite({ backend: "pure-js" });
    fc.assert(
      fc.property(privateScalar, message, (d, msg) => {
        const key = native.privateKeyFromBytes(d);
        const pub = native.publicKeyOf(key);
        expect(bytesToHex(pure.publicKeyOf(key).bytes)).toBe(bytesToHex(pub.bytes));
        expect(pure.verify(pub, msg, native.sign(key, msg))).toBe(true);
        expect(native.verify(pub, msg, pure.sign(key, msg))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});

describe.each(backends)("SM2 (%s) rejects out-of-range and malleated signatures", (backend) => {
  const suite = getSmSuite({ backend });
  const { privateKey, publicKey } = suite.generateKeyPair();
  const msg = new TextEncoder().encode("settle royalty 42");
  const sig = suite.sign(privateKey, msg);
  const r = BigInt(`0x${bytesToHex(sig.subarray(0, 32))}`);
  const s = BigInt(`0x${bytesToHex(sig.subarray(32))}`);
  const rs = (a: bigint, b: bigint) =>
    hexToBytes(a.toString(16).padStart(64, "0") + b.toString(16).padStart(64, "0"));

  it("accepts the signature it made", () => expect(suite.verify(publicKey, msg, sig)).toBe(true));
  it("rejects r or s out of [1, n-1]", () => {
    const fits = (v: bigint) => v < 2n ** 256n;
    const cases: [bigint, bigint][] = [
      [0n, s],
      [r, 0n],
      [N, s],
      [r, N],
      [r + N, s],
      [r, s + N],
    ];
    for (const [a, b] of cases.filter(([a, b]) => fits(a) && fits(b))) {
      expect(suite.verify(publicKey, msg, rs(a, b))).toBe(false);
    }
  });
  it("rejects (r, n - s): SM2 has no second encoding", () => {
    expect(suite.verify(publicKey, msg, rs(r, N - s))).toBe(false);
  });
  it("rejects wrong lengths and junk without throwing", () => {
    for (const bad of [
      new Uint8Array(0),
      sig.subarray(0, 63),
      new Uint8Array([...sig, 0]),
      new Uint8Array(64),
    ]) {
      expect(suite.verify(publicKey, msg, bad)).toBe(false);
    }
    expect(suite.verify({ suite: "sm", bytes: new Uint8Array(65) }, msg, sig)).toBe(false);
  });
});
