import { describe, expect, it } from "vitest";
import { getSuite } from "../crypto/index.js";
import { encryptPrivateKey, readPrivateKeyFile } from "./key-file.js";

const FAST = { logN: 10, r: 8, p: 1 };
const SALT = new Uint8Array(16).fill(7);

describe.each(["sm", "ecdsa-p256", "ed25519"] as const)("key files on the %s suite", (suiteId) => {
  const suite = getSuite(suiteId);

  it("round-trips a key under a passphrase and refuses a wrong one", () => {
    const keys = suite.generateKeyPair();
    const text = encryptPrivateKey(keys.privateKey, "correct horse", SALT, FAST);
    expect(text).not.toContain("PRIVATE KEY");
    expect(readPrivateKeyFile(text, "correct horse").bytes).toEqual(keys.privateKey.bytes);
    expect(() => readPrivateKeyFile(text, "wrong horse")).toThrow(
      expect.objectContaining({ code: "KEY_FILE_BAD_PASSPHRASE" }),
    );
    expect(() => readPrivateKeyFile(text)).toThrow(
      expect.objectContaining({ code: "KEY_FILE_NO_PASSPHRASE" }),
    );
  });

  it("refuses a file whose header was altered", () => {
    const keys = suite.generateKeyPair();
    const text = encryptPrivateKey(keys.privateKey, "pw", SALT, FAST);
    const altered = text.replace('"logN": 10', '"logN": 11');
    expect(() => readPrivateKeyFile(altered, "pw")).toThrow(
      expect.objectContaining({ code: "KEY_FILE_BAD_PASSPHRASE" }),
    );
  });

  it("reads a plain PKCS#8 PEM", () => {
    const keys = suite.generateKeyPair();
    expect(readPrivateKeyFile(suite.privateKeyToPem(keys.privateKey)).bytes).toEqual(keys.privateKey.bytes);
  });
});
