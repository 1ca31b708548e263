import * as nodeCrypto from "node:crypto";
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "./bytes.js";
import { aesCbcEncrypt, aesGcmEncrypt, sm4CbcDecrypt, sm4CbcEncrypt } from "./ciphers.js";
import { digest, hmac } from "./hash.js";
import { getSuite, SUITE_IDS, sm2NativeStatus } from "./index.js";
import type { Sm2Addon } from "./sm2-native.js";

/**
 * Runs in the "browser-modules" vitest project: every import above resolves as the console's
 * bundle resolves it (hash.browser.ts, ciphers.browser.ts, ...), so this is the crypto the
 * browser runs. It is held to node:crypto / OpenSSL and the native SM2 addon, called directly.
 */

const require = createRequire(import.meta.url);
const addon = require("../../native/sm2/build/Release/sm2.node") as Sm2Addon;
const SM2_ID = new TextEncoder().encode("1234567812345678");
const message = fc.uint8Array({ maxLength: 300 });
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

function nodeSpki(suite: (typeof SUITE_IDS)[number], pub: Uint8Array): nodeCrypto.KeyObject {
  return nodeCrypto.createPublicKey(getSuite(suite).publicKeyToPem({ suite, bytes: pub }));
}

describe("the bundle's crypto backend", () => {
  it("is the pure-JavaScript one for every suite (no node:crypto, no addon)", () => {
    for (const id of SUITE_IDS) expect(getSuite(id).backend).toBe("pure-js");
    expect(sm2NativeStatus().available).toBe(false);
  });

  it("hashes and MACs byte for byte as node:crypto does (SM3, SHA-256)", () => {
    fc.assert(
      fc.property(message, message, key32, (a, b, key) => {
        for (const name of ["sm3", "sha256"] as const) {
          const native = nodeCrypto.createHash(name).update(a).update(b).digest("hex");
          expect(bytesToHex(digest(name, a, b))).toBe(native);
          const mac = nodeCrypto.createHmac(name, key).update(a).update(b).digest("hex");
          expect(bytesToHex(hmac(name, key, a, b))).toBe(mac);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("encrypts byte for byte as OpenSSL does (AES-256-GCM, AES-256-CBC, SM4-CBC)", () => {
    fc.assert(
      fc.property(message, message, key32, (plain, ad, key) => {
        const nonce = key.subarray(0, 12);
        const iv = key.subarray(0, 16);
        const gcm = nodeCrypto.createCipheriv("aes-256-gcm", key, nonce).setAAD(ad);
        const gcmOut = Buffer.concat([gcm.update(plain), gcm.final(), gcm.getAuthTag()]);
        expect(bytesToHex(aesGcmEncrypt(key, nonce, plain, ad))).toBe(gcmOut.toString("hex"));
        const cbc = nodeCrypto.createCipheriv("aes-256-cbc", key, iv);
        const cbcOut = Buffer.concat([cbc.update(plain), cbc.final()]).toString("hex");
        expect(bytesToHex(aesCbcEncrypt(key, iv, plain))).toBe(cbcOut);
        const sm4 = nodeCrypto.createCipheriv("sm4-cbc", iv, iv);
        const sm4Out = Buffer.concat([sm4.update(plain), sm4.final()]);
        expect(bytesToHex(sm4CbcEncrypt(iv, iv, plain))).toBe(sm4Out.toString("hex"));
        expect(bytesToHex(sm4CbcDecrypt(iv, iv, sm4Out))).toBe(bytesToHex(plain));
      }),
      { numRuns: 40 },
    );
  });

  it("SM2: the bundle's signatures verify in the native addon, and the addon's in the bundle", () => {
    const suite = getSuite("sm");
    fc.assert(
      fc.property(message, (msg) => {
        const { privateKey, publicKey } = suite.generateKeyPair();
        const ours = suite.sign(privateKey, msg);
        expect(addon.verify(addon.publicKey(publicKey.bytes), SM2_ID, msg, ours)).toBe(true);
        const [handle, nativePub] = addon.privateKey(privateKey.bytes);
        expect(bytesToHex(new Uint8Array(nativePub))).toBe(bytesToHex(publicKey.bytes));
        expect(suite.verify(publicKey, msg, new Uint8Array(addon.sign(handle, SM2_ID, msg)))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it("ECDSA (P-256, secp256k1) and Ed25519: signatures verify both ways with node:crypto", () => {
    for (const id of ["ecdsa-p256", "ecdsa-secp256k1", "ed25519"] as const) {
      const suite = getSuite(id);
      const hashName = id === "ed25519" ? null : "sha256";
      for (let i = 0; i < 8; i++) {
        const msg = nodeCrypto.randomBytes(i * 37);
        const { privateKey, publicKey } = suite.generateKeyPair();
        const spki = nodeSpki(id, publicKey.bytes);
        const pkcs8 = nodeCrypto.createPrivateKey(suite.privateKeyToPem(privateKey));
        const dsaEncoding = "ieee-p1363" as const;
        const ours = suite.sign(privateKey, msg);
        expect(nodeCrypto.verify(hashName, msg, { key: spki, dsaEncoding }, ours)).toBe(true);
        let theirs: Uint8Array = new Uint8Array(nodeCrypto.sign(hashName, msg, { key: pkcs8, dsaEncoding }));
        if (id === "ed25519")
          expect(bytesToHex(theirs)).toBe(bytesToHex(ours)); // deterministic
        else theirs = lowS(id, theirs);
        expect(suite.verify(publicKey, msg, theirs)).toBe(true);
      }
    }
  });
});

/** node:crypto may return a high S; our suites accept only the low-S form of the same signature. */
function lowS(id: "ecdsa-p256" | "ecdsa-secp256k1", sig: Uint8Array): Uint8Array {
  const n = id === "ecdsa-p256" ? P256_N : SECP256K1_N;
  const s = BigInt(`0x${bytesToHex(sig.subarray(32))}`);
  if (s <= n >> 1n) return sig;
  const out = sig.slice();
  out.set(hexToBytes((n - s).toString(16).padStart(64, "0")), 32);
  return out;
}
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
