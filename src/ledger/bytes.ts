/** Byte helpers shared by the ledger; no dependencies so light clients can copy them. */

/** A 32-byte cryptographic hash: the suite's hash (SM3 or SHA-256). */
export type HashFn = (data: Uint8Array) => Uint8Array;

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Whether `bytes` starts with `prefix`. */
export function hasPrefix(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/** Lexicographic order of bytes; a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// Node's Buffer where there is one: its native encoder beats the loop below, the more so the
// longer the bytes, and like the loop gives a flat string, which hashes fast as a Map key. The
// SDK runs these in browsers too, hence the loop.
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
const HEX_CODES = new TextEncoder().encode("0123456789abcdef");

export function toHex(b: Uint8Array): string {
  if (NodeBuffer !== undefined) return NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
  return portableHex(b);
}

/** toHex without Buffer (a browser): from char codes, not concatenation, which would build a rope. */
export function portableHex(b: Uint8Array): string {
  const codes = new Array<number>(b.length * 2);
  for (let i = 0; i < b.length; i++) {
    codes[2 * i] = HEX_CODES[b[i]! >> 4]!;
    codes[2 * i + 1] = HEX_CODES[b[i]! & 15]!;
  }
  let s = "";
  // fromCharCode takes arguments; chunk to stay far below engine argument limits.
  for (let i = 0; i < codes.length; i += 8192) s += String.fromCharCode(...codes.slice(i, i + 8192));
  return s;
}

// Nibble values by character code, -1 for a character that is not a hex digit.
const NIBBLES = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) {
  NIBBLES["0123456789abcdef".charCodeAt(c)] = c;
  NIBBLES["0123456789ABCDEF".charCodeAt(c)] = c;
}

/**
 * Hex (either case) to bytes; a TypeError for anything else. By character code: a regular
 * expression and a parseInt per byte made it stand out in the profile of a node taking batches
 * of hex transactions.
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new TypeError("not a hex string");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const high = NIBBLES[hex.charCodeAt(2 * i)] ?? -1;
    const low = NIBBLES[hex.charCodeAt(2 * i + 1)] ?? -1;
    if (high < 0 || low < 0) throw new TypeError("not a hex string");
    out[i] = (high << 4) | low;
  }
  return out;
}

const utf8Encoder = new TextEncoder();

/** Domain-separation prefixes are ASCII text written as raw bytes. */
export function domainBytes(tag: string): Uint8Array {
  return utf8Encoder.encode(tag);
}

/**
 * The bytes of an ASCII string, or undefined if it holds any other character. TextEncoder.encode
 * of the short strings of state keys and records (the executor makes thousands per block) stood
 * out in a storm block's profile (README, Benchmarks: the end-of-block settlement); a
 * byte-by-byte copy avoids it, and ASCII is its own UTF-8.
 */
export function asciiBytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return undefined;
    out[i] = c;
  }
  return out;
}

/** UTF-8 bytes of a string (a lone surrogate becomes U+FFFD, as with TextEncoder). */
export function utf8Bytes(s: string): Uint8Array {
  return asciiBytes(s) ?? utf8Encoder.encode(s);
}

/** The concatenation of parts, strings as their UTF-8 bytes: how state keys are built. */
export function keyBytes(parts: readonly (string | Uint8Array)[]): Uint8Array {
  return concatBytes(...parts.map((p) => (typeof p === "string" ? utf8Bytes(p) : p)));
}
