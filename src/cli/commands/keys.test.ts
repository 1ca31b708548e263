import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { SUITE_IDS } from "../../crypto/index.js";
import { registerKeyCommands } from "./keys.js";

// The commands run in-process on a fresh program with exitOverride: fast and deterministic.
const dir = mkdtempSync(join(tmpdir(), "mkl-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  out: string;
  err: string;
}

function mkl(...args: string[]): Run {
  const run: Run = { code: 0, out: "", err: "" };
  const program = new Command("mkl").exitOverride().configureOutput({
    writeOut: (s) => {
      run.out += s;
    },
    writeErr: (s) => {
      run.err += s;
    },
  });
  registerKeyCommands(program);
  try {
    program.parse(args, { from: "user" });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    run.code = e.exitCode;
  }
  return run;
}

describe.each(SUITE_IDS)("mkl keys (%s)", (suite) => {
  const key = join(dir, `${suite}.pem`);
  const pub = join(dir, `${suite}.pub.pem`);
  const msg = "6d657373616765";

  it("keys new writes a 0600 private key and a public key that openssl reads", () => {
    const r = mkl("keys", "new", "--suite", suite, "--out", key);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`suite ${suite}`);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    execFileSync("openssl", ["pkey", "-in", key, "-noout"], { stdio: "pipe" });
    execFileSync("openssl", ["pkey", "-pubin", "-in", pub, "-noout"], { stdio: "pipe" });
    expect(mkl("keys", "new", "--suite", suite, "--out", key).code).toBe(2); // no silent overwrite
  });

  it("sign then verify: valid exits 0, a tampered message exits 1", () => {
    const signed = mkl("keys", "sign", "--key", key, "--msg-hex", msg);
    expect(signed.code).toBe(0);
    const sig = signed.out.trim();
    expect(sig).toMatch(/^[0-9a-f]{128}$/);
    expect(mkl("keys", "verify", "--pub", pub, "--msg-hex", msg, "--sig-hex", sig)).toMatchObject({
      code: 0,
      out: "valid\n",
    });
    const bad = mkl("keys", "verify", "--pub", pub, "--msg-hex", `${msg}00`, "--sig-hex", sig);
    expect(bad).toMatchObject({ code: 1, out: "invalid\n" });
  });
});

describe("mkl keys: SM2 distinguishing ID", () => {
  it("a signature made with --id verifies only with that ID", () => {
    const key = join(dir, "id.pem");
    mkl("keys", "new", "--suite", "sm", "--out", key);
    const sig = mkl("keys", "sign", "--key", key, "--msg-hex", "00", "--id", "ALICE123@YAHOO.COM").out.trim();
    const pub = join(dir, "id.pub.pem");
    expect(
      mkl("keys", "verify", "--pub", pub, "--msg-hex", "00", "--sig-hex", sig, "--id", "ALICE123@YAHOO.COM")
        .code,
    ).toBe(0);
    expect(mkl("keys", "verify", "--pub", pub, "--msg-hex", "00", "--sig-hex", sig).code).toBe(1);
  });
});

describe("mkl hash", () => {
  it("hashes with SM3 for sm and SHA-256 otherwise", () => {
    expect(mkl("hash", "--suite", "sm", "--msg-hex", "616263").out.trim()).toBe(
      "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
    );
    expect(mkl("hash", "--suite", "ed25519", "--msg-hex", "616263").out.trim()).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

describe("mkl keys: bad input exits 2 with a message on stderr", () => {
  const junk = join(dir, "junk.pem");
  writeFileSync(junk, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  const key = join(dir, "bad-input.pem");
  mkl("keys", "new", "--suite", "ed25519", "--out", key);
  const cases: [string, string[]][] = [
    ["unknown suite", ["keys", "new", "--suite", "rsa", "--out", join(dir, "x.pem")]],
    ["bad hex", ["hash", "--suite", "sm", "--msg-hex", "xyz"]],
    ["odd hex", ["keys", "sign", "--key", key, "--msg-hex", "abc"]],
    ["missing file", ["keys", "sign", "--key", join(dir, "nope.pem"), "--msg-hex", "00"]],
    ["junk PEM", ["keys", "sign", "--key", junk, "--msg-hex", "00"]],
    ["not a PEM", ["keys", "verify", "--pub", join(dir, "x"), "--msg-hex", "00", "--sig-hex", "00"]],
    ["missing option", ["keys", "sign", "--key", key]],
  ];
  it.each(cases)("%s", (_name, args) => {
    const r = mkl(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.length).toBeGreaterThan(0);
  });
});

describe("mkl keys --help", () => {
  it("documents every suite's signature encoding", () => {
    const r = mkl("keys", "sign", "--help");
    expect(r.code).toBe(0);
    for (const suite of SUITE_IDS) expect(r.out).toContain(suite);
    expect(r.out).toContain("low-S");
    expect(r.out).toContain("r||s");
    expect(readFileSync(join(dir, "junk.pem"), "utf8")).toContain("PRIVATE KEY");
  });
});
