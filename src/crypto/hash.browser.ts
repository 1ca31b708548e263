import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { sm3 as smCryptoSm3 } from "sm-crypto-v2";
import { concatBytes, hexToBytes } from "./bytes.js";

/**
 * The browser's hash.ts: SHA-256 from @noble/hashes, SM3 from sm-crypto-v2 (no SM3 in noble).
 * src/crypto/portable.test.ts holds it to node:crypto byte for byte.
 */
export type HashName = "sm3" | "sha256";

export function digest(name: HashName, ...parts: Uint8Array[]): Uint8Array {
  const data = concatBytes(...parts);
  return name === "sha256" ? nobleSha256(data) : hexToBytes(smCryptoSm3(data));
}

export const sm3 = (...parts: Uint8Array[]): Uint8Array => digest("sm3", ...parts);
export const sha256 = (...parts: Uint8Array[]): Uint8Array => digest("sha256", ...parts);

export function hmac(name: HashName, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const data = concatBytes(...parts);
  if (name === "sha256") return nobleHmac(nobleSha256, key, data);
  return hexToBytes(smCryptoSm3(data, { key, mode: "hmac" }));
}
