import { createHash, createHmac } from "node:crypto";
import { asBuffer } from "./bytes.js";

export type HashName = "sm3" | "sha256";

export function digest(name: HashName, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(name);
  for (const p of parts) h.update(asBuffer(p));
  return new Uint8Array(h.digest());
}

export const sm3 = (...parts: Uint8Array[]): Uint8Array => digest("sm3", ...parts);
export const sha256 = (...parts: Uint8Array[]): Uint8Array => digest("sha256", ...parts);

export function hmac(name: HashName, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac(name, asBuffer(key));
  for (const p of parts) h.update(asBuffer(p));
  return new Uint8Array(h.digest());
}
