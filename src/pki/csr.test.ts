import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import { describe, expect, it } from "vitest";
import { getSuite } from "../crypto/index.js";
import { createCsr, parseAndVerifyCsr } from "./csr.js";
import { fromPem, toPem } from "./pem.js";
import { spkiOf } from "./signature.js";

/** Runs the machine's openssl; returns its exit status and stdout+stderr. */
function openssl(args: string[]): { ok: boolean; output: string } {
  const run = spawnSync("openssl", args, { encoding: "utf8" });
  return { ok: run.status === 0, output: `${run.stdout ?? ""}${run.stderr ?? ""}` };
}

function tempFiles(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "mkl-pki-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describe.each(["sm", "ecdsa-p256", "ed25519"] as const)("CSRs on the %s suite", (suiteId) => {
  const suite = getSuite(suiteId);
  const subject = { commonName: "mkl1test", organization: "org1", organizationalUnit: "buyer" };

  it("makes a CSR that openssl verifies and that we parse back", () => {
    const keys = suite.generateKeyPair();
    const der = createCsr(keys.privateKey, subject);
    const parsed = parseAndVerifyCsr(toPem("CERTIFICATE REQUEST", der));
    expect(parsed.subject).toEqual(subject);
    expect(parsed.publicKey.bytes).toEqual(keys.publicKey.bytes);
    const dir = tempFiles({ "req.pem": toPem("CERTIFICATE REQUEST", der) });
    const distid = suiteId === "sm" ? ["-vfyopt", "distid:1234567812345678"] : [];
    const run = openssl(["req", "-in", join(dir, "req.pem"), "-verify", "-noout", ...distid]);
    expect(run.output).toMatch(/verify OK|Certificate request self-signature verify OK/);
  });

  it("rejects a CSR whose key is not the key that signed it", () => {
    const signer = suite.generateKeyPair();
    const other = suite.generateKeyPair();
    const request = AsnConvert.parse(createCsr(signer.privateKey, subject), CertificationRequest);
    request.certificationRequestInfo.subjectPKInfo = spkiOf(other.publicKey);
    delete request.certificationRequestInfoRaw;
    const forged = new Uint8Array(AsnConvert.serialize(request));
    expect(() => parseAndVerifyCsr(forged)).toThrow(expect.objectContaining({ code: "CSR_BAD_SIGNATURE" }));
  });

  it("accepts a CSR made by openssl", () => {
    const keys = suite.generateKeyPair();
    const dir = tempFiles({ "key.pem": suite.privateKeyToPem(keys.privateKey) });
    const args = [
      "req",
      "-new",
      "-key",
      join(dir, "key.pem"),
      "-subj",
      "/O=org1/OU=buyer/CN=mkl1abc",
      "-out",
      join(dir, "req.pem"),
    ];
    if (suiteId === "sm") args.push("-sm3", "-sigopt", "distid:1234567812345678");
    else if (suiteId !== "ed25519") args.push("-sha256");
    const run = openssl(args);
    expect(run.ok, run.output).toBe(true);
    const pem = openssl(["req", "-in", join(dir, "req.pem")]).output;
    const parsed = parseAndVerifyCsr(fromPem(pem, "CERTIFICATE REQUEST"));
    expect(parsed.subject.commonName).toBe("mkl1abc");
    expect(parsed.publicKey.bytes).toEqual(keys.publicKey.bytes);
  });

  it("rejects junk with a clear code", () => {
    expect(() => parseAndVerifyCsr(Uint8Array.of(1, 2, 3))).toThrow(
      expect.objectContaining({ code: "CSR_INVALID" }),
    );
  });
});
