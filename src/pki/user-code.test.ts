import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getSuite } from "../crypto/index.js";
import { decodeUserCode, encodeUserCode, normaliseUserCode, userCodeOf } from "./user-code.js";

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

describe("user codes", () => {
  const suite = getSuite("sm");
  const codes = Array.from({ length: 4 }, () =>
    userCodeOf(suite.hash, suite.generateKeyPair().publicKey.bytes),
  );

  it("are short, prefixed and round-trip", () => {
    for (const code of codes) {
      expect(code).toMatch(/^mkl1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{22}$/);
      expect(encodeUserCode(decodeUserCode(code))).toBe(code);
      expect(normaliseUserCode(code.toUpperCase())).toBe(code);
    }
  });

  it("detect every one-character substitution, at every position, with every character", () => {
    for (const code of codes) {
      for (let i = 0; i < code.length; i++) {
        for (const c of `${CHARSET}1bio`) {
          if (c === code[i]) continue;
          const typo = code.slice(0, i) + c + code.slice(i + 1);
          expect(() => decodeUserCode(typo), typo).toThrow(
            expect.objectContaining({ code: "USER_CODE_INVALID" }),
          );
        }
      }
    }
  });

  it("detect a dropped, doubled or swapped character", () => {
    for (const code of codes) {
      for (let i = 4; i < code.length; i++) {
        const dropped = code.slice(0, i) + code.slice(i + 1);
        const doubled = code.slice(0, i) + code[i] + code.slice(i);
        expect(() => decodeUserCode(dropped)).toThrow();
        expect(() => decodeUserCode(doubled)).toThrow();
        if (i + 1 < code.length && code[i] !== code[i + 1]) {
          const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
          expect(() => decodeUserCode(swapped)).toThrow();
        }
      }
    }
  });

  it("differ for different keys and do not depend on the key's suite backend", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 65, maxLength: 65 }),
        fc.uint8Array({ minLength: 65, maxLength: 65 }),
        (a, b) => {
          fc.pre(Buffer.compare(a, b) !== 0);
          expect(userCodeOf(suite.hash, a)).not.toBe(userCodeOf(suite.hash, b));
        },
      ),
    );
    const key = suite.generateKeyPair().publicKey.bytes;
    expect(userCodeOf(getSuite("sm", { backend: "pure-js" }).hash, key)).toBe(userCodeOf(suite.hash, key));
  });

  it("reject another prefix and mixed case", () => {
    const code = codes[0]!;
    expect(() => decodeUserCode(`abc${code.slice(3)}`)).toThrow();
    expect(() => decodeUserCode(code.slice(0, 10) + code.slice(10).toUpperCase())).toThrow();
  });
});
