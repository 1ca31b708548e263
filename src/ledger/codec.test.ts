import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "./bytes.js";
import {
  bool,
  bytes,
  type Codec,
  decode,
  encode,
  fixedBytes,
  list,
  optional,
  string,
  struct,
  taggedUnion,
  u8,
  u16,
  u32,
  u64,
  unit,
  Writer,
} from "./codec.js";
import { CodecError } from "./errors.js";

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CodecError) return e.code;
    throw e;
  }
  return "no error";
}

const sample = struct({
  flag: bool,
  small: u8,
  port: u16,
  count: u32,
  amountFen: u64,
  id: fixedBytes(4),
  blob: bytes(40),
  name: string(24),
  tags: list(string(8), 5),
  memo: optional(string(16)),
  op: taggedUnion("u8", {
    pay: { tag: 1, codec: struct({ to: fixedBytes(2), amountFen: u64 }) },
    noop: { tag: 2, codec: unit },
    nested: { tag: 7, codec: list(optional(u16), 3) },
  }),
  wide: taggedUnion("u16", { a: { tag: 0x0102, codec: bool }, b: { tag: 3, codec: u8 } }),
});

const sampleArb = fc.record({
  flag: fc.boolean(),
  small: fc.integer({ min: 0, max: 255 }),
  port: fc.integer({ min: 0, max: 0xffff }),
  count: fc.integer({ min: 0, max: 0xffff_ffff }),
  amountFen: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  id: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  blob: fc.uint8Array({ maxLength: 40 }),
  name: fc.string({ unit: "grapheme", maxLength: 6 }),
  tags: fc.array(fc.string({ maxLength: 8, unit: "grapheme-ascii" }), { maxLength: 5 }),
  memo: fc.option(fc.string({ maxLength: 16, unit: "grapheme-ascii" }), { nil: undefined }),
  op: fc.oneof(
    fc.record({
      kind: fc.constant("pay" as const),
      value: fc.record({
        to: fc.uint8Array({ minLength: 2, maxLength: 2 }),
        amountFen: fc.bigInt(0n, 1000n),
      }),
    }),
    fc.constant({ kind: "noop" as const, value: null }),
    fc.record({
      kind: fc.constant("nested" as const),
      value: fc.array(fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }), { maxLength: 3 }),
    }),
  ),
  wide: fc.oneof(
    fc.record({ kind: fc.constant("a" as const), value: fc.boolean() }),
    fc.record({ kind: fc.constant("b" as const), value: fc.integer({ min: 0, max: 255 }) }),
  ),
});

describe("codec round trips", () => {
  it("decode(encode(v)) equals v for a struct using every combinator", () => {
    fc.assert(
      fc.property(sampleArb, (v) => {
        // Grapheme strings can exceed 24 UTF-8 bytes; those must be refused, not truncated.
        const nameBytes = new TextEncoder().encode(v.name).length;
        if (nameBytes > 24) {
          expect(codeOf(() => encode(sample, v))).toBe("CODEC_TOO_LONG");
          return;
        }
        const b = encode(sample, v);
        expect(decode(sample, b)).toEqual(v);
        expect(encode(sample, decode(sample, b))).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });

  it("any bytes that decode are the one canonical encoding of their value", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        let v: unknown;
        try {
          v = decode(sample, b);
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
          return;
        }
        expect(encode(sample, v as Parameters<typeof sample.encode>[0])).toEqual(b);
      }),
      { numRuns: 3000 },
    );
  });

  it("decoding random bytes with any codec throws only CodecError", () => {
    const codecs: Codec<unknown>[] = [
      sample,
      string(1000),
      list(bytes(10), 100),
      optional(u64),
      taggedUnion("u16", { x: { tag: 9, codec: string(4) } }),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...codecs), fc.uint8Array({ maxLength: 64 }), (codec, b) => {
        try {
          decode(codec, b);
        } catch (e) {
          expect(e).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps struct field order as defined", () => {
    const c = struct({ z: u8, a: u8, m: u8 });
    expect(toHex(encode(c, { a: 2, m: 3, z: 1 }))).toBe("010203");
  });

  it("grows the writer buffer for large values", () => {
    const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
    const c = list(bytes(200_000), 3);
    expect(decode(c, encode(c, [big, big]))).toEqual([big, big]);
  });

  it("hands over a full buffer only when no later write can change it", () => {
    const w = new Writer(8);
    w.u64(1n);
    const first = w.finish();
    w.u8(0xff);
    expect(toHex(first)).toBe("0000000000000001");
    expect(toHex(w.finish())).toBe("0000000000000001ff");
  });

  it("decoded bytes do not alias the input", () => {
    const input = encode(bytes(4), new Uint8Array([1, 2, 3]));
    const out = decode(bytes(4), input);
    input[4] = 9;
    expect(out).toEqual(new Uint8Array([1, 2, 3]));
  });
});

describe("exact encodings", () => {
  it("writes integers big-endian with fixed width", () => {
    expect(toHex(encode(u8, 0xab))).toBe("ab");
    expect(toHex(encode(u16, 0x0102))).toBe("0102");
    expect(toHex(encode(u32, 0x01020304))).toBe("01020304");
    expect(toHex(encode(u64, 0x0102030405060708n))).toBe("0102030405060708");
    expect(toHex(encode(u64, (1n << 64n) - 1n))).toBe("ffffffffffffffff");
  });

  it("writes bytes, strings, lists, optionals and tags", () => {
    expect(toHex(encode(bytes(8), new Uint8Array([0xaa, 0xbb])))).toBe("00000002aabb");
    expect(toHex(encode(string(8), "fen元"))).toBe("0000000666656ee58583");
    expect(toHex(encode(list(u8, 3), [1, 2]))).toBe("000000020102");
    expect(toHex(encode(optional(u8), undefined))).toBe("00");
    expect(toHex(encode(optional(u8), 5))).toBe("0105");
    expect(toHex(encode(bool, true))).toBe("01");
    const tu = taggedUnion("u16", { a: { tag: 0x0102, codec: u8 } });
    expect(toHex(encode(tu, { kind: "a", value: 7 }))).toBe("010207");
  });
});

describe("non-canonical input is rejected", () => {
  it("rejects bool bytes other than 0 and 1", () => {
    expect(codeOf(() => decode(bool, fromHex("02")))).toBe("CODEC_NON_CANONICAL");
    expect(codeOf(() => decode(bool, fromHex("ff")))).toBe("CODEC_NON_CANONICAL");
  });

  it("rejects an optional flag other than 0 and 1", () => {
    expect(codeOf(() => decode(optional(u8), fromHex("0205")))).toBe("CODEC_NON_CANONICAL");
  });

  it("rejects trailing bytes", () => {
    expect(codeOf(() => decode(u16, fromHex("010203")))).toBe("CODEC_TRAILING_BYTES");
  });

  it("rejects truncated input", () => {
    expect(codeOf(() => decode(u64, fromHex("01020304")))).toBe("CODEC_TRUNCATED");
    expect(codeOf(() => decode(bytes(10), fromHex("00000005aabb")))).toBe("CODEC_TRUNCATED");
    expect(codeOf(() => decode(u8, new Uint8Array(0)))).toBe("CODEC_TRUNCATED");
  });

  it("rejects lengths over the maximum before reading them", () => {
    expect(codeOf(() => decode(bytes(2), fromHex("00000003aabbcc")))).toBe("CODEC_TOO_LONG");
    expect(codeOf(() => decode(list(u8, 1), fromHex("ffffffff")))).toBe("CODEC_TOO_LONG");
    expect(codeOf(() => decode(string(1), fromHex("000000026162")))).toBe("CODEC_TOO_LONG");
    expect(codeOf(() => encode(bytes(1), new Uint8Array(2)))).toBe("CODEC_TOO_LONG");
    expect(codeOf(() => encode(list(u8, 1), [1, 2]))).toBe("CODEC_TOO_LONG");
  });

  it("rejects unknown tags", () => {
    const tu = taggedUnion("u8", { a: { tag: 1, codec: unit } });
    expect(codeOf(() => decode(tu, fromHex("02")))).toBe("CODEC_UNKNOWN_TAG");
    expect(codeOf(() => encode(tu, { kind: "b" } as never))).toBe("CODEC_UNKNOWN_TAG");
  });

  it("rejects invalid UTF-8 and keeps a leading BOM", () => {
    const s = string(10);
    for (const bad of ["0000000261ff", "00000002c080", "00000003eda080", "00000002e282", "0000000180"]) {
      expect(codeOf(() => decode(s, fromHex(bad)))).toBe("CODEC_INVALID_UTF8");
    }
    expect(decode(s, fromHex("00000004efbbbf61"))).toBe("\ufeffa");
    expect(codeOf(() => encode(s, "a\ud800"))).toBe("CODEC_INVALID_UTF8");
    expect(decode(s, encode(s, "😀"))).toBe("😀");
  });

  it("refuses values that have no encoding", () => {
    expect(codeOf(() => encode(u64, -1n))).toBe("CODEC_OUT_OF_RANGE");
    expect(codeOf(() => encode(u64, 1n << 64n))).toBe("CODEC_OUT_OF_RANGE");
    expect(codeOf(() => encode(u64, 5 as unknown as bigint))).toBe("CODEC_OUT_OF_RANGE");
    expect(codeOf(() => encode(u8, 256))).toBe("CODEC_OUT_OF_RANGE");
    expect(codeOf(() => encode(u16, 1.5))).toBe("CODEC_OUT_OF_RANGE");
    expect(codeOf(() => encode(u32, -1))).toBe("CODEC_OUT_OF_RANGE");
    expect(codeOf(() => encode(fixedBytes(3), new Uint8Array(2)))).toBe("CODEC_WRONG_LENGTH");
  });

  it("refuses values of the wrong type with CODEC_WRONG_TYPE", () => {
    const wrong = <T>(c: Codec<T>, v: unknown) => codeOf(() => encode(c, v as T));
    expect(wrong(bool, "false")).toBe("CODEC_WRONG_TYPE");
    expect(wrong(bytes(4), [1, 2])).toBe("CODEC_WRONG_TYPE");
    expect(wrong(fixedBytes(2), "ab")).toBe("CODEC_WRONG_TYPE");
    expect(wrong(string(4), 5)).toBe("CODEC_WRONG_TYPE");
    expect(wrong(list(u8, 4), "ab")).toBe("CODEC_WRONG_TYPE");
    expect(wrong(struct({ a: u8 }), null)).toBe("CODEC_WRONG_TYPE");
    expect(wrong(struct({ a: u8 }), {})).toBe("CODEC_OUT_OF_RANGE");
  });

  it("refuses ambiguous definitions", () => {
    expect(() => struct({ "1": u8 })).toThrow(TypeError);
    expect(() => taggedUnion("u8", { a: { tag: 1, codec: u8 }, b: { tag: 1, codec: u8 } })).toThrow(
      TypeError,
    );
    expect(() => taggedUnion("u8", { a: { tag: 256, codec: u8 } })).toThrow(TypeError);
  });
});
