import { createHmac, hash } from "node:crypto";
import { asBuffer } from "./bytes.js";

export type HashName = "sm3" | "sha256";

/**
 * One-shot `crypto.hash` costs about half of createHash/update/digest on the short inputs the
 * ledger hashes (transactions, tree nodes, keys), and those are hashed many times per block.
 */
export function digest(name: HashName, ...parts: Uint8Array[]): Uint8Array {
  const data = parts.length === 1 ? asBuffer(parts[0] as Uint8Array) : Buffer.concat(parts);
  return new Uint8Array(hash(name, data, "buffer"));
}

export const sm3 = (...parts: Uint8Array[]): Uint8Array => digest("sm3", ...parts);
export const sha256 = (...parts: Uint8Array[]): Uint8Array => digest("sha256", ...parts);

export function hmac(name: HashName, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac(name, asBuffer(key));
  for (const p of parts) h.update(asBuffer(p));
  return new Uint8Array(h.digest());
}
