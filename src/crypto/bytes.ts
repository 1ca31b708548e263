/** Small byte helpers, so the crypto layer does not lean on Buffer in its API. */

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Strict hex: even length, hex digits only (Buffer.from silently truncates junk). */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError("invalid hex string");
  return new Uint8Array(Buffer.from(hex, "hex"));
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

/** A Buffer view over the same memory, for node:crypto calls. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function toUint8Array(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
}
