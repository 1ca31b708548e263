import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from "node:crypto";
import { asBuffer, concatBytes } from "./bytes.js";
import { CryptoError } from "./errors.js";
import { hmac } from "./hash.js";

/**
 * Authenticated encryption at rest.
 *
 * AES-256-GCM (ecdsa and ed25519 suites): nonce(12, random) || ciphertext || tag(16).
 *
 * SM suite: the OpenSSL 3.0 inside Node 20 offers sm4-cbc/ctr/ecb/... but no "sm4-gcm"
 * (getCiphers() lists none; createCipheriv says "Unknown cipher"), so we use SM4-CBC with
 * HMAC-SM3, encrypt-then-MAC: iv(16, random) || ciphertext (PKCS#7) || tag(32).
 * The 16-byte key is split into an encryption key and a MAC key by HMAC-SM3 with fixed
 * labels; the tag covers len(ad) (8 bytes BE) || ad || iv || ciphertext and is checked
 * in constant time before anything is decrypted.
 */

const GCM_NONCE = 12;
const GCM_TAG = 16;
const CBC_IV = 16;
const SM3_TAG = 32;
const EMPTY = new Uint8Array(0);
const ENC_LABEL = new TextEncoder().encode("MarketLedger seal v1 SM4-CBC key");
const MAC_LABEL = new TextEncoder().encode("MarketLedger seal v1 HMAC-SM3 key");

function checkKey(key: Uint8Array, length: number): void {
  if (key.length !== length) {
    throw new CryptoError("INVALID_SEAL_KEY", `seal key must be ${length} bytes, got ${key.length}`);
  }
}

function openFailed(): CryptoError {
  return new CryptoError(
    "SEAL_OPEN_FAILED",
    "sealed data failed authentication (wrong key, data or tampered)",
  );
}

export function aesGcmSeal(key: Uint8Array, plaintext: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
  checkKey(key, 32);
  const nonce = randomBytes(GCM_NONCE);
  const cipher = createCipheriv("aes-256-gcm", asBuffer(key), nonce, { authTagLength: GCM_TAG });
  cipher.setAAD(asBuffer(ad));
  const body = Buffer.concat([cipher.update(asBuffer(plaintext)), cipher.final()]);
  return concatBytes(nonce, body, cipher.getAuthTag());
}

export function aesGcmOpen(key: Uint8Array, sealed: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
  checkKey(key, 32);
  if (sealed.length < GCM_NONCE + GCM_TAG) throw openFailed();
  const nonce = asBuffer(sealed.subarray(0, GCM_NONCE));
  const tag = asBuffer(sealed.subarray(sealed.length - GCM_TAG));
  try {
    const decipher = createDecipheriv("aes-256-gcm", asBuffer(key), nonce, { authTagLength: GCM_TAG });
    decipher.setAAD(asBuffer(ad));
    decipher.setAuthTag(tag);
    const body = asBuffer(sealed.subarray(GCM_NONCE, sealed.length - GCM_TAG));
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch {
    throw openFailed();
  }
}

function sm4Keys(key: Uint8Array): { encKey: Buffer; macKey: Uint8Array } {
  return {
    encKey: asBuffer(hmac("sm3", key, ENC_LABEL).subarray(0, 16)),
    macKey: hmac("sm3", key, MAC_LABEL),
  };
}

function sm4Tag(macKey: Uint8Array, ad: Uint8Array, ivAndBody: Uint8Array): Uint8Array {
  const adLen = new Uint8Array(8);
  new DataView(adLen.buffer).setBigUint64(0, BigInt(ad.length));
  return hmac("sm3", macKey, adLen, ad, ivAndBody);
}

export function sm4Seal(key: Uint8Array, plaintext: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
  checkKey(key, 16);
  const { encKey, macKey } = sm4Keys(key);
  const iv = randomBytes(CBC_IV);
  const cipher = createCipheriv("sm4-cbc", encKey, iv);
  const ivAndBody = concatBytes(iv, cipher.update(asBuffer(plaintext)), cipher.final());
  return concatBytes(ivAndBody, sm4Tag(macKey, ad, ivAndBody));
}

export function sm4Open(key: Uint8Array, sealed: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
  checkKey(key, 16);
  if (sealed.length < CBC_IV + 16 + SM3_TAG || (sealed.length - CBC_IV - SM3_TAG) % 16 !== 0)
    throw openFailed();
  const { encKey, macKey } = sm4Keys(key);
  const ivAndBody = sealed.subarray(0, sealed.length - SM3_TAG);
  const tag = sealed.subarray(sealed.length - SM3_TAG);
  if (!timingSafeEqual(asBuffer(tag), asBuffer(sm4Tag(macKey, ad, ivAndBody)))) throw openFailed();
  try {
    const decipher = createDecipheriv("sm4-cbc", encKey, asBuffer(ivAndBody.subarray(0, CBC_IV)));
    const body = asBuffer(ivAndBody.subarray(CBC_IV));
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch {
    throw openFailed();
  }
}
