import { createCipheriv, createDecipheriv } from "node:crypto";
import { asBuffer, concatBytes } from "./bytes.js";

/**
 * The raw ciphers under seal(): AES-256-GCM and SM4-CBC (PKCS#7) from node:crypto (OpenSSL).
 * ciphers.browser.ts is the same in pure JavaScript. Decryption failures throw; seal.ts maps them.
 */

export function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array) {
  const cipher = createCipheriv("aes-256-gcm", asBuffer(key), asBuffer(nonce), { authTagLength: 16 });
  cipher.setAAD(asBuffer(ad));
  return concatBytes(cipher.update(asBuffer(plaintext)), cipher.final(), cipher.getAuthTag());
}

/** body is ciphertext || tag(16). */
export function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, body: Uint8Array, ad: Uint8Array) {
  const decipher = createDecipheriv("aes-256-gcm", asBuffer(key), asBuffer(nonce), { authTagLength: 16 });
  decipher.setAAD(asBuffer(ad));
  decipher.setAuthTag(asBuffer(body.subarray(body.length - 16)));
  return concatBytes(decipher.update(asBuffer(body.subarray(0, body.length - 16))), decipher.final());
}

export function sm4CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv("sm4-cbc", asBuffer(key), asBuffer(iv));
  return concatBytes(cipher.update(asBuffer(plaintext)), cipher.final());
}

export function sm4CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const decipher = createDecipheriv("sm4-cbc", asBuffer(key), asBuffer(iv));
  return concatBytes(decipher.update(asBuffer(ciphertext)), decipher.final());
}

/** AES-256-CBC (PKCS#7), the cipher of encrypted PKCS#8 files (PBES2) that OpenSSL writes. */
export function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv("aes-256-cbc", asBuffer(key), asBuffer(iv));
  return concatBytes(cipher.update(asBuffer(plaintext)), cipher.final());
}

export function aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const decipher = createDecipheriv("aes-256-cbc", asBuffer(key), asBuffer(iv));
  return concatBytes(decipher.update(asBuffer(ciphertext)), decipher.final());
}
