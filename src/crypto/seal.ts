import { concatBytes, constantTimeEqual, randomBytes } from "./bytes.js";
import { aesGcmDecrypt, aesGcmEncrypt, sm4CbcDecrypt, sm4CbcEncrypt } from "./ciphers.js";
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
  return concatBytes(nonce, aesGcmEncrypt(key, nonce, plaintext, ad));
}

export function aesGcmOpen(key: Uint8Array, sealed: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
  checkKey(key, 32);
  if (sealed.length < GCM_NONCE + GCM_TAG) throw openFailed();
  try {
    return aesGcmDecrypt(key, sealed.subarray(0, GCM_NONCE), sealed.subarray(GCM_NONCE), ad);
  } catch {
    throw openFailed();
  }
}

function sm4Keys(key: Uint8Array): { encKey: Uint8Array; macKey: Uint8Array } {
  return {
    encKey: hmac("sm3", key, ENC_LABEL).subarray(0, 16),
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
  const ivAndBody = concatBytes(iv, sm4CbcEncrypt(encKey, iv, plaintext));
  return concatBytes(ivAndBody, sm4Tag(macKey, ad, ivAndBody));
}

export function sm4Open(key: Uint8Array, sealed: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
  checkKey(key, 16);
  if (sealed.length < CBC_IV + 16 + SM3_TAG || (sealed.length - CBC_IV - SM3_TAG) % 16 !== 0)
    throw openFailed();
  const { encKey, macKey } = sm4Keys(key);
  const ivAndBody = sealed.subarray(0, sealed.length - SM3_TAG);
  const tag = sealed.subarray(sealed.length - SM3_TAG);
  if (!constantTimeEqual(tag, sm4Tag(macKey, ad, ivAndBody))) throw openFailed();
  try {
    return sm4CbcDecrypt(encKey, ivAndBody.subarray(0, CBC_IV), ivAndBody.subarray(CBC_IV));
  } catch {
    throw openFailed();
  }
}
