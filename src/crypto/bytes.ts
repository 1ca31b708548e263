import { base64 } from "@scure/base";

/**
 * Small byte helpers, portable: they run in Node and in browsers (no Buffer), so the console
 * bundles the same crypto layer the node runs.
 */

const HEX = "0123456789abcdef";
// Node's Buffer writes hex natively (hot: public keys are cache keys); browsers take the loop.
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

export function bytesToHex(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
  let s = "";
  for (const b of bytes) s += HEX[b >> 4]! + HEX[b & 15]!;
  return s;
}

/** Strict hex: even length, hex digits only. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError("invalid hex string");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

/** Strict base64 (RFC 4648 with padding); throws TypeError on anything else. */
export function base64ToBytes(text: string): Uint8Array {
  try {
    return base64.decode(text);
  } catch (e) {
    throw new TypeError(`invalid base64: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Lexicographic order of two byte strings, like Buffer.compare. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Equality in time that depends only on the lengths (for MAC tags). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Cryptographically strong random bytes from Web Crypto (global in Node 20 and in browsers). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65536 bytes per call.
  for (let at = 0; at < length; at += 65536) globalThis.crypto.getRandomValues(out.subarray(at, at + 65536));
  return out;
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

/** Fixed-width big-endian; throws if the value does not fit. */
export function bigIntToBytes(value: bigint, width: number): Uint8Array {
  if (value < 0n) throw new RangeError("negative value");
  const hex = value.toString(16).padStart(width * 2, "0");
  if (hex.length > width * 2) throw new RangeError(`value does not fit in ${width} bytes`);
  return hexToBytes(hex);
}

/** A Buffer view over the same memory, for node:crypto calls (Node-only modules). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function toUint8Array(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
}
