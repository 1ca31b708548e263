/**
 * The canonical binary codec of MarketLedger: every value has exactly one encoding, and
 * every byte string that is not that encoding is rejected with a CodecError. Hashes and
 * signatures are taken over these bytes, so "one value, one encoding" is a security rule,
 * not a style choice.
 *
 * Encoding rules
 * - u8, u16, u32: unsigned, fixed width, big-endian. JS numbers must be safe integers in range.
 * - u64: a bigint, fixed 8 bytes big-endian; negative or > 2^64-1 is rejected on encode.
 *   Money amounts (fen) are u64.
 * - bool: one byte, 0x00 (false) or 0x01 (true); any other byte is CODEC_NON_CANONICAL.
 * - fixedBytes(n): exactly n raw bytes, no prefix.
 * - bytes(max): u32 length prefix, then the bytes; a length over max is CODEC_TOO_LONG
 *   (checked before reading, so a hostile length never allocates).
 * - string(max): UTF-8 bytes encoded as bytes(max); max counts bytes, not characters.
 *   Invalid UTF-8 (overlong forms, surrogates, truncated sequences) is CODEC_INVALID_UTF8 on
 *   decode; a JS string with lone surrogates is rejected on encode. A leading U+FEFF is kept
 *   as a character, never stripped. No Unicode normalisation: different code points are
 *   different values.
 * - list(codec, max): u32 element count, then the elements in order; count over max is
 *   CODEC_TOO_LONG.
 * - optional(codec): 0x00 for undefined, or 0x01 followed by the value; other bytes are
 *   CODEC_NON_CANONICAL.
 * - struct({...}): the fields in the key order of the definition, no names, no prefix.
 * - taggedUnion(width, {...}): a u8 or u16 tag chosen per variant, then the variant's value;
 *   an unknown tag is CODEC_UNKNOWN_TAG.
 * - oneOf(values, codec?): a closed enumeration (statuses, reason codes), the value encoded as
 *   `codec`, or without a codec as its u8 position in the list (append only); a value or
 *   position outside the list is CODEC_UNKNOWN_VALUE, on decode and on encode.
 * - Top level: `decode` rejects input with bytes left after the value (CODEC_TRAILING_BYTES);
 *   input that ends early is CODEC_TRUNCATED.
 *
 * There are no floats, no varints (fixed width has one encoding without extra rules) and no
 * maps: a map is a list of entries sorted by the caller, and the caller checks the order.
 */
import { asciiBytes } from "./bytes.js";
import { CodecError } from "./errors.js";

/** Appends encoded values to a growing buffer. */
export class Writer {
  private buf: Uint8Array;
  // Made on first use: many encodings (hashes, raw bytes) never write a multi-byte integer.
  private dv: DataView | undefined;
  private len = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(Math.max(8, initialCapacity));
  }

  private get view(): DataView {
    if (this.dv === undefined)
      this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.dv;
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.dv = undefined;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.len++] = v;
  }

  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.len, v);
    this.len += 2;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.len, v);
    this.len += 4;
  }

  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.len, v);
    this.len += 8;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  get capacity(): number {
    return this.buf.length;
  }

  /** A copy of the bytes written so far. */
  copy(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** Empties the writer, keeping its buffer. */
  reset(): void {
    this.len = 0;
  }

  /** The bytes written so far, in a buffer no later write can change. */
  finish(): Uint8Array {
    // A full buffer is handed over as is: any further write would reallocate first.
    if (this.len === this.buf.length) return this.buf;
    return this.buf.slice(0, this.len);
  }
}

/** Reads encoded values from a byte string, failing with CODEC_TRUNCATED past its end. */
export class Reader {
  private readonly buf: Uint8Array;
  private dv: DataView | undefined;
  private pos = 0;

  constructor(bytes: Uint8Array) {
    this.buf = bytes;
  }

  private get view(): DataView {
    if (this.dv === undefined)
      this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.dv;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (n > this.buf.length - this.pos) {
      throw new CodecError("CODEC_TRUNCATED", `input ends early: need ${n} bytes at offset ${this.pos}`, {
        offset: this.pos,
        need: n,
        remaining: this.buf.length - this.pos,
      });
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  // u16 and u32 from the bytes themselves: most readers read no u64, and a DataView for each
  // (a tree node, an account, a record) cost more than the reads.
  u16(): number {
    this.need(2);
    const { buf, pos } = this;
    this.pos += 2;
    return (buf[pos]! << 8) | buf[pos + 1]!;
  }

  u32(): number {
    this.need(4);
    const { buf, pos } = this;
    this.pos += 4;
    return ((buf[pos]! << 24) >>> 0) + ((buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!);
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /** A copy of the next n bytes: decoded values never alias the input buffer. */
  raw(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

export interface Codec<T> {
  encode(v: T, w: Writer): void;
  decode(r: Reader): T;
}

/** The value type of a codec. */
export type CodecType<C> = C extends Codec<infer T> ? T : never;

/** Encodes one value to its canonical bytes. */
export function encode<T>(codec: Codec<T>, v: T, initialCapacity?: number): Uint8Array {
  // One writer serves every top-level encode (a new buffer per encode showed in a storm block's
  // profile, README's Benchmarks); an encode nested in another's gets a writer of its own.
  const w = spareWriter ?? new Writer(initialCapacity);
  spareWriter = undefined;
  try {
    codec.encode(v, w);
    return w.copy();
  } finally {
    w.reset();
    if (w.capacity <= SPARE_WRITER_MAX_BYTES) spareWriter = w;
  }
}

const SPARE_WRITER_MAX_BYTES = 64 * 1024;
let spareWriter: Writer | undefined;

/** Decodes exactly one value; anything but its canonical encoding is a CodecError. */
export function decode<T>(codec: Codec<T>, bytes: Uint8Array): T {
  const r = new Reader(bytes);
  const v = codec.decode(r);
  if (r.remaining !== 0) {
    throw new CodecError("CODEC_TRAILING_BYTES", `${r.remaining} bytes left after the value`, {
      offset: r.offset,
      remaining: r.remaining,
    });
  }
  return v;
}

function wrongType(expected: string, v: unknown): CodecError {
  const actual = v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
  return new CodecError("CODEC_WRONG_TYPE", `expected ${expected}, got ${actual}`, { expected, actual });
}

function checkUint(v: number, max: number, name: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new CodecError("CODEC_OUT_OF_RANGE", `${name} out of range: ${String(v)}`, { value: v });
  }
}

export const u8: Codec<number> = {
  encode(v, w) {
    checkUint(v, 0xff, "u8");
    w.u8(v);
  },
  decode: (r) => r.u8(),
};

export const u16: Codec<number> = {
  encode(v, w) {
    checkUint(v, 0xffff, "u16");
    w.u16(v);
  },
  decode: (r) => r.u16(),
};

export const u32: Codec<number> = {
  encode(v, w) {
    checkUint(v, 0xffff_ffff, "u32");
    w.u32(v);
  },
  decode: (r) => r.u32(),
};

export const U64_MAX = (1n << 64n) - 1n;

export const u64: Codec<bigint> = {
  encode(v, w) {
    if (typeof v !== "bigint" || v < 0n || v > U64_MAX) {
      throw new CodecError("CODEC_OUT_OF_RANGE", `u64 out of range: ${String(v)}`, { value: String(v) });
    }
    w.u64(v);
  },
  decode: (r) => r.u64(),
};

export const bool: Codec<boolean> = {
  encode(v, w) {
    if (typeof v !== "boolean") throw wrongType("boolean", v);
    w.u8(v ? 1 : 0);
  },
  decode(r) {
    const offset = r.offset;
    const b = r.u8();
    if (b === 0) return false;
    if (b === 1) return true;
    throw new CodecError("CODEC_NON_CANONICAL", `bool byte must be 0 or 1, got ${b}`, { offset, byte: b });
  },
};

export function fixedBytes(n: number): Codec<Uint8Array> {
  return {
    encode(v, w) {
      if (!(v instanceof Uint8Array)) throw wrongType("Uint8Array", v);
      if (v.length !== n) {
        throw new CodecError("CODEC_WRONG_LENGTH", `expected ${n} bytes, got ${v.length}`, {
          expected: n,
          actual: v.length,
        });
      }
      w.raw(v);
    },
    decode: (r) => r.raw(n),
  };
}

function readLength(r: Reader, max: number, what: string): number {
  const offset = r.offset;
  const len = r.u32();
  if (len > max) {
    throw new CodecError("CODEC_TOO_LONG", `${what} length ${len} exceeds max ${max}`, { offset, len, max });
  }
  return len;
}

function checkLength(len: number, max: number, what: string): void {
  if (len > max)
    throw new CodecError("CODEC_TOO_LONG", `${what} length ${len} exceeds max ${max}`, { len, max });
}

/** Variable-length bytes with a u32 length prefix. */
export function bytes(maxLen: number): Codec<Uint8Array> {
  return {
    encode(v, w) {
      if (!(v instanceof Uint8Array)) throw wrongType("Uint8Array", v);
      checkLength(v.length, maxLen, "bytes");
      w.u32(v.length);
      w.raw(v);
    },
    decode: (r) => r.raw(readLength(r, maxLen, "bytes")),
  };
}

const utf8Encoder = new TextEncoder();
// fatal: invalid UTF-8 throws instead of becoming U+FFFD; ignoreBOM: keep a leading U+FEFF,
// otherwise two byte strings would decode to one value.
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
// With the u flag a well-formed surrogate pair is one code point, so this matches only lone ones.
const LONE_SURROGATE = /\p{Cs}/u;

function nonAsciiUtf8(v: string): Uint8Array {
  if (LONE_SURROGATE.test(v)) {
    throw new CodecError("CODEC_INVALID_UTF8", "string holds a lone surrogate, which has no UTF-8 encoding");
  }
  return utf8Encoder.encode(v);
}

/** Short ASCII bytes as text without the decoder (the same string, cheaper; see asciiBytes); else undefined. */
function asciiText(b: Uint8Array): string | undefined {
  if (b.length > 1024) return undefined;
  for (let i = 0; i < b.length; i++) if ((b[i] as number) > 0x7f) return undefined;
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

/** UTF-8 text; maxLen counts encoded bytes. */
export function string(maxLen: number): Codec<string> {
  return {
    encode(v, w) {
      if (typeof v !== "string") throw wrongType("string", v);
      const b = asciiBytes(v) ?? nonAsciiUtf8(v);
      checkLength(b.length, maxLen, "string");
      w.u32(b.length);
      w.raw(b);
    },
    decode(r) {
      const offset = r.offset;
      const b = r.raw(readLength(r, maxLen, "string"));
      try {
        return asciiText(b) ?? utf8Decoder.decode(b);
      } catch {
        throw new CodecError("CODEC_INVALID_UTF8", "string is not valid UTF-8", { offset });
      }
    },
  };
}

/** A list with a u32 element count. */
export function list<T>(codec: Codec<T>, maxLen: number): Codec<T[]> {
  return {
    encode(v, w) {
      if (!Array.isArray(v)) throw wrongType("array", v);
      checkLength(v.length, maxLen, "list");
      w.u32(v.length);
      for (const item of v) codec.encode(item, w);
    },
    decode(r) {
      const n = readLength(r, maxLen, "list");
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(codec.decode(r));
      return out;
    },
  };
}

/**
 * The bytes `encode(list(codec, maxLen), values)` gives, made from each value's own encoding: a
 * caller that encoded the items already (to hash them) need not encode them again.
 */
export function encodeListOfEncoded(items: readonly Uint8Array[], maxLen: number): Uint8Array {
  checkLength(items.length, maxLen, "list");
  let size = 4;
  for (const item of items) size += item.length;
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, items.length);
  let at = 4;
  for (const item of items) {
    out.set(item, at);
    at += item.length;
  }
  return out;
}

/** undefined as 0x00, a value as 0x01 followed by its encoding. */
export function optional<T>(codec: Codec<T>): Codec<T | undefined> {
  return {
    encode(v, w) {
      if (v === undefined) {
        w.u8(0);
      } else {
        w.u8(1);
        codec.encode(v, w);
      }
    },
    decode(r) {
      const offset = r.offset;
      const flag = r.u8();
      if (flag === 0) return undefined;
      if (flag === 1) return codec.decode(r);
      throw new CodecError("CODEC_NON_CANONICAL", `optional flag must be 0 or 1, got ${flag}`, {
        offset,
        byte: flag,
      });
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a field map holds codecs of any value type
type FieldCodecs = Record<string, Codec<any>>;
export type StructType<F extends FieldCodecs> = { [K in keyof F]: CodecType<F[K]> };

/**
 * Fields encoded one after another in the definition's key order. Integer-like keys are
 * refused because JS objects reorder them ahead of the other keys.
 */
export function struct<F extends FieldCodecs>(fields: F): Codec<StructType<F>> {
  const entries = Object.entries(fields);
  for (const [name] of entries) {
    if (/^\d+$/.test(name) || name === "__proto__")
      throw new TypeError(`struct field name not allowed: ${name}`);
  }
  return {
    encode(v, w) {
      if (typeof v !== "object" || v === null) throw wrongType("object", v);
      for (const [name, codec] of entries) codec.encode((v as Record<string, unknown>)[name], w);
    },
    decode(r) {
      const out: Record<string, unknown> = {};
      for (const [name, codec] of entries) out[name] = codec.decode(r);
      return out as StructType<F>;
    },
  };
}

/** One variant of a tagged union: its wire tag and the codec of its value. */
export interface Variant<T> {
  tag: number;
  codec: Codec<T>;
}
// biome-ignore lint/suspicious/noExplicitAny: a variant map holds codecs of any value type
type VariantMap = Record<string, Variant<any>>;
export type UnionType<V extends VariantMap> = {
  [K in keyof V & string]: { kind: K; value: V[K] extends Variant<infer T> ? T : never };
}[keyof V & string];

/**
 * A value of one of several variants, written as `{ kind, value }`; on the wire a u8 or u16
 * tag followed by the variant's encoding.
 */
export function taggedUnion<V extends VariantMap>(tagWidth: "u8" | "u16", variants: V): Codec<UnionType<V>> {
  const maxTag = tagWidth === "u8" ? 0xff : 0xffff;
  const byTag = new Map<number, { kind: string; codec: Codec<unknown> }>();
  for (const [kind, variant] of Object.entries(variants)) {
    if (!Number.isInteger(variant.tag) || variant.tag < 0 || variant.tag > maxTag || byTag.has(variant.tag)) {
      throw new TypeError(`bad or duplicate tag ${variant.tag} for variant ${kind}`);
    }
    byTag.set(variant.tag, { kind, codec: variant.codec });
  }
  return {
    encode(v, w) {
      if (typeof v !== "object" || v === null) throw wrongType("object", v);
      const variant = Object.hasOwn(variants, v.kind) ? variants[v.kind] : undefined;
      if (variant === undefined) {
        throw new CodecError("CODEC_UNKNOWN_TAG", `unknown variant kind ${String(v.kind)}`, { kind: v.kind });
      }
      if (tagWidth === "u8") w.u8(variant.tag);
      else w.u16(variant.tag);
      variant.codec.encode(v.value, w);
    },
    decode(r) {
      const offset = r.offset;
      const tag = tagWidth === "u8" ? r.u8() : r.u16();
      const variant = byTag.get(tag);
      if (variant === undefined) {
        throw new CodecError("CODEC_UNKNOWN_TAG", `unknown tag ${tag}`, { offset, tag });
      }
      return { kind: variant.kind, value: variant.codec.decode(r) } as UnionType<V>;
    },
  };
}

/**
 * A closed enumeration (statuses, roles, reason codes, vote types): one of `values`; any other
 * value is CODEC_UNKNOWN_VALUE, on encode and on decode. With `inner`, the value itself is
 * written as `inner` writes it; without, a name is written as its u8 position in the list, which
 * only grows at its end (a position once used keeps its name, so stored bytes keep their meaning).
 */
export function oneOf<const V extends readonly string[]>(values: V): Codec<V[number]>;
export function oneOf<const V extends readonly (string | number)[]>(
  values: V,
  inner: Codec<V[number] extends string ? string : number>,
): Codec<V[number]>;
export function oneOf<const V extends readonly (string | number)[]>(
  values: V,
  inner?: Codec<string | number>,
): Codec<V[number]> {
  if (values.length === 0 || new Set(values).size !== values.length) {
    throw new TypeError("an enumeration has distinct values, at least one");
  }
  const unknown = (v: unknown, offset?: number) =>
    new CodecError("CODEC_UNKNOWN_VALUE", `${JSON.stringify(v)} is not one of ${values.join(", ")}`, {
      value: String(v),
      ...(offset === undefined ? {} : { offset }),
    });
  const position = new Map<unknown, number>(values.map((v, i) => [v, i]));
  const positionOf = (v: unknown, offset?: number): number => {
    const i = position.get(v);
    if (i === undefined) throw unknown(v, offset);
    return i;
  };
  if (inner !== undefined) {
    return {
      encode: (v, w) => inner.encode(values[positionOf(v)] as V[number], w),
      decode: (r) => {
        const offset = r.offset;
        return values[positionOf(inner.decode(r), offset)] as V[number];
      },
    };
  }
  if (values.length > 0x100)
    throw new TypeError("an enumeration written as its position has at most 256 names");
  return {
    encode: (v, w) => w.u8(positionOf(v)),
    decode: (r) => {
      const offset = r.offset;
      const i = r.u8();
      if (i >= values.length) throw unknown(`position ${i}`, offset);
      return values[i] as V[number];
    },
  };
}

/** A codec with no bytes, for variants that carry no data. */
export const unit: Codec<null> = {
  encode() {},
  decode: () => null,
};

/**
 * A codec for T built on a codec for its wire form W. `to` runs on decode and may throw a
 * CodecError to reject wire values that are not canonical for T (for example unsorted lists).
 */
export function mapCodec<W, T>(inner: Codec<W>, to: (w: W) => T, from: (t: T) => W): Codec<T> {
  return {
    encode: (v, w) => inner.encode(from(v), w),
    decode: (r) => to(inner.decode(r)),
  };
}
