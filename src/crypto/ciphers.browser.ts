import { cbc, gcm } from "@noble/ciphers/aes.js";
import { sm4 } from "sm-crypto-v2";

/**
 * The browser's ciphers.ts: AES from @noble/ciphers, SM4 from sm-crypto-v2 (no SM4 in noble).
 * src/crypto/portable.test.ts holds it to OpenSSL byte for byte.
 */

export function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array) {
  return gcm(key, nonce, ad).encrypt(plaintext);
}

export function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, body: Uint8Array, ad: Uint8Array) {
  return gcm(key, nonce, ad).decrypt(body);
}

export function sm4CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return sm4.encrypt(plaintext, key, { mode: "cbc", iv, padding: "pkcs#7", output: "array" });
}

export function sm4CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return sm4.decrypt(ciphertext, key, { mode: "cbc", iv, padding: "pkcs#7", output: "array" });
}

export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return cbc(key, iv).encrypt(plaintext);
}

export function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return cbc(key, iv).decrypt(ciphertext);
}
