import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { randomBytes } from "../crypto/bytes.js";
import { getSuite, SUITE_IDS } from "../crypto/index.js";
import { decryptPkcs8, encryptPkcs8 } from "./encrypted-pkcs8.js";

const FAST = { iterations: 2000 };
const openssl = (args: string[], input: string) => execFileSync("openssl", args, { input, encoding: "utf8" });

describe.each(SUITE_IDS)("encrypted PKCS#8 on the %s suite", (suiteId) => {
  const suite = getSuite(suiteId);

  it("openssl pkey opens what we write and finds the same key", async () => {
    const { privateKey } = suite.generateKeyPair();
    const pem = await encryptPkcs8(privateKey, "correct horse", {
      salt: randomBytes(16),
      iv: randomBytes(16),
      ...FAST,
    });
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const plain = openssl(["pkey", "-passin", "pass:correct horse"], pem);
    expect(suite.privateKeyFromPem(plain).bytes).toEqual(privateKey.bytes);
    expect(() =>
      execFileSync("openssl", ["pkey", "-passin", "pass:wrong"], { input: pem, stdio: "pipe" }),
    ).toThrow();
  });

  it("we open what openssl writes (pkcs8 -v2 aes-256-cbc, PBKDF2-HMAC-SHA256)", async () => {
    const { privateKey } = suite.generateKeyPair();
    const pem = openssl(
      [
        "pkcs8",
        "-topk8",
        "-v2",
        "aes-256-cbc",
        "-v2prf",
        "hmacWithSHA256",
        "-iter",
        "2000",
        "-passout",
        "pass:pa55",
      ],
      suite.privateKeyToPem(privateKey),
    );
    expect((await decryptPkcs8(pem, "pa55")).bytes).toEqual(privateKey.bytes);
  });

  it("a wrong passphrase or an altered file is a typed error", async () => {
    const { privateKey } = suite.generateKeyPair();
    const pem = await encryptPkcs8(privateKey, "right", {
      salt: randomBytes(16),
      iv: randomBytes(16),
      ...FAST,
    });
    await expect(decryptPkcs8(pem, "wrong")).rejects.toMatchObject({ code: "KEY_FILE_BAD_PASSPHRASE" });
    await expect(decryptPkcs8(pem, "")).rejects.toMatchObject({ code: "KEY_FILE_NO_PASSPHRASE" });
    await expect(decryptPkcs8(pem.replace("ENCRYPTED PRIVATE KEY", "X"), "right")).rejects.toMatchObject({
      code: "KEY_FILE_INVALID",
    });
  });
});

describe("encryption parameters", () => {
  it("refuses a short salt, a bad IV and silly iteration counts", async () => {
    const { privateKey } = getSuite("sm").generateKeyPair();
    const iv = randomBytes(16);
    for (const params of [
      { salt: randomBytes(8), iv },
      { salt: randomBytes(16), iv: randomBytes(8) },
      { salt: randomBytes(16), iv, iterations: 10 },
    ]) {
      await expect(encryptPkcs8(privateKey, "x", params)).rejects.toMatchObject({ code: "KEY_FILE_INVALID" });
    }
  });
});
