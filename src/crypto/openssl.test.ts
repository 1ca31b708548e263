import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DER } from "@noble/curves/abstract/weierstrass.js";
import { afterAll, describe, expect, it } from "vitest";
import { bigIntToBytes, bytesToBigInt, bytesToHex, concatBytes } from "./bytes.js";
import { detectPemSuite, getSuite, SUITE_IDS, type SuiteId } from "./index.js";

// Interop with the machine's openssl binary (CI installs it): keys we write, it reads, and back.
const dir = mkdtempSync(join(tmpdir(), "mkl-openssl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" }).toString();
const GENPKEY: Record<SuiteId, string[]> = {
  sm: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2"],
  "ecdsa-p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  "ecdsa-secp256k1": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
  ed25519: ["-algorithm", "ed25519"],
};
// How `openssl pkeyutl` must be told to hash for each suite.
const DIGEST: Record<SuiteId, string[]> = {
  sm: ["-digest", "sm3", "-pkeyopt", "distid:1234567812345678"],
  "ecdsa-p256": ["-digest", "sha256"],
  "ecdsa-secp256k1": ["-digest", "sha256"],
  ed25519: [],
};
const toDer = (sig: Uint8Array) =>
  DER.hexFromSig({ r: bytesToBigInt(sig.subarray(0, 32)), s: bytesToBigInt(sig.subarray(32)) });
const fromDer = (der: Uint8Array) => {
  const { r, s } = DER.toSig(der);
  return concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32));
};

describe.each(SUITE_IDS)("%s keys and signatures with openssl", (id) => {
  const suite = getSuite(id);
  const msg = new TextEncoder().encode(`MarketLedger ${id} interop`);
  writeFileSync(join(dir, `${id}.msg`), msg);

  it("openssl pkey reads the PKCS#8 and SPKI PEMs we write, and finds the same public key", () => {
    const kp = suite.generateKeyPair();
    writeFileSync(join(dir, `${id}.ours.pem`), suite.privateKeyToPem(kp.privateKey));
    writeFileSync(join(dir, `${id}.ours.pub.pem`), suite.publicKeyToPem(kp.publicKey));
    openssl("pkey", "-in", `${id}.ours.pem`, "-noout");
    openssl("pkey", "-pubin", "-in", `${id}.ours.pub.pem`, "-noout");
    const derived = openssl("pkey", "-in", `${id}.ours.pem`, "-pubout");
    expect(derived).toBe(suite.publicKeyToPem(kp.publicKey));
  });

  it("we read keys openssl generates, detect their suite, and derive the same public key", () => {
    openssl("genpkey", ...GENPKEY[id], "-out", `${id}.theirs.pem`);
    const pem = readFileSync(join(dir, `${id}.theirs.pem`), "utf8");
    expect(detectPemSuite(pem)).toBe(id);
    const key = suite.privateKeyFromPem(pem);
    const theirPub = openssl("pkey", "-in", `${id}.theirs.pem`, "-pubout");
    expect(detectPemSuite(theirPub)).toBe(id);
    expect(bytesToHex(suite.publicKeyFromPem(theirPub).bytes)).toBe(bytesToHex(suite.publicKeyOf(key).bytes));
  });

  it("openssl verifies our signatures and we verify openssl's", () => {
    const key = suite.privateKeyFromPem(readFileSync(join(dir, `${id}.theirs.pem`), "utf8"));
    writeFileSync(join(dir, `${id}.pub.pem`), suite.publicKeyToPem(suite.publicKeyOf(key)));
    const sig = suite.sign(key, msg);
    writeFileSync(join(dir, `${id}.sig`), id === "ed25519" ? sig : Buffer.from(toDer(sig), "hex"));
    const verified = openssl(
      "pkeyutl",
      "-verify",
      "-pubin",
      "-inkey",
      `${id}.pub.pem`,
      "-rawin",
      ...DIGEST[id],
      "-in",
      `${id}.msg`,
      "-sigfile",
      `${id}.sig`,
    );
    expect(verified).toMatch(/Signature Verified Successfully/);

    openssl(
      "pkeyutl",
      "-sign",
      "-inkey",
      `${id}.theirs.pem`,
      "-rawin",
      ...DIGEST[id],
      "-in",
      `${id}.msg`,
      "-out",
      `${id}.their.sig`,
    );
    const raw = new Uint8Array(readFileSync(join(dir, `${id}.their.sig`)));
    let theirs = id === "ed25519" ? raw : fromDer(raw);
    if (id.startsWith("ecdsa")) {
      // OpenSSL does not normalise s; our one accepted encoding is the low-S twin.
      const n = BigInt(
        `0x${id === "ecdsa-p256" ? "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551" : "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"}`,
      );
      const s = bytesToBigInt(theirs.subarray(32));
      if (s > n >> 1n) theirs = concatBytes(theirs.subarray(0, 32), bigIntToBytes(n - s, 32));
    }
    expect(suite.verify(suite.publicKeyOf(key), msg, theirs)).toBe(true);
  });
});
