import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type Command, CommanderError } from "commander";
import {
  bytesToHex,
  detectPemSuite,
  getSmSuite,
  getSuite,
  hexToBytes,
  isSuiteId,
  SIGNATURE_ENCODING,
  SUITE_IDS,
  type SuiteId,
} from "../../crypto/index.js";
import { LedgerError } from "../../errors.js";
import { writeSecretFile } from "../../node/files.js";

/**
 * `mkl keys new|sign|verify` and `mkl hash`. A PEM key names its own suite (curve OID), so
 * sign and verify need no --suite. Exit codes: 0 ok / valid, 1 invalid signature, 2 bad input.
 */

const ENCODING_HELP = [
  "",
  "Signature encodings (hex of exactly these bytes):",
  ...SUITE_IDS.map((id) => `  ${id.padEnd(16)} ${SIGNATURE_ENCODING[id]}`),
  "",
  "Keys are PEM: PKCS#8 private keys and SPKI public keys, readable by `openssl pkey`.",
].join("\n");

const EXIT_INVALID = 1;
const EXIT_BAD_INPUT = 2;

/** Bad input: one line on stderr, exit 2 (through commander, so exitOverride works in tests). */
function fail(cmd: Command, message: string): never {
  cmd.error(`mkl: ${message}`, { exitCode: EXIT_BAD_INPUT, code: "mkl.bad-input" });
}

/**
 * Commander reports its own usage errors (missing or unknown option) with exit code 1, which
 * here means "invalid signature"; map them to 2. Everything is thrown for the caller (main.ts
 * catches CommanderError and exits with its code; tests use exitOverride).
 */
function usageErrorsExit2(cmd: Command): Command {
  return cmd.exitOverride((err) => {
    const usage = err.exitCode === 1 && err.code.startsWith("commander.");
    throw usage ? new CommanderError(EXIT_BAD_INPUT, err.code, err.message) : err;
  });
}

/** Runs an action, turning our typed errors and bad hex into exit code 2. */
function guarded<A extends unknown[]>(cmd: Command, action: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      action(...args);
    } catch (e) {
      if (e instanceof LedgerError) fail(cmd, `${e.message} [${e.code}]`);
      if (e instanceof TypeError || e instanceof RangeError) fail(cmd, e.message);
      throw e;
    }
  };
}

function parseHex(cmd: Command, flag: string, value: string): Uint8Array {
  const hex = value.startsWith("0x") ? value.slice(2) : value;
  try {
    return hexToBytes(hex);
  } catch {
    return fail(cmd, `${flag} is not valid hex (even number of 0-9a-f digits)`);
  }
}

function parseSuite(cmd: Command, value: string): SuiteId {
  if (!isSuiteId(value)) fail(cmd, `unknown suite "${value}"; one of: ${SUITE_IDS.join(", ")}`);
  return value;
}

function readText(cmd: Command, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    return fail(cmd, `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function write(cmd: Command, line: string): void {
  const out = cmd.configureOutput();
  (out.writeOut ?? ((s: string) => process.stdout.write(s)))(`${line}\n`);
}

export function publicPathOf(privatePath: string): string {
  return privatePath.endsWith(".pem") ? `${privatePath.slice(0, -4)}.pub.pem` : `${privatePath}.pub.pem`;
}

function registerNew(keys: Command): void {
  const cmd = keys
    .command("new")
    .description("generate a key pair: --out FILE (mode 0600) and its public key beside it as *.pub.pem")
    .requiredOption("--suite <suite>", `crypto suite: ${SUITE_IDS.join(" | ")}`)
    .requiredOption("--out <file>", "private key PEM to write, e.g. key.pem (public key goes to key.pub.pem)")
    .option("--force", "overwrite existing files", false);
  cmd.action(
    guarded(cmd, (opts: { suite: string; out: string; force: boolean }) => {
      const suite = getSuite(parseSuite(cmd, opts.suite));
      const pubPath = publicPathOf(opts.out);
      for (const path of [opts.out, pubPath]) {
        if (!opts.force && existsSync(path)) fail(cmd, `${path} exists (use --force to overwrite)`);
      }
      const { privateKey, publicKey } = suite.generateKeyPair();
      writeSecretFile(opts.out, suite.privateKeyToPem(privateKey));
      writeFileSync(pubPath, suite.publicKeyToPem(publicKey));
      write(cmd, `suite ${suite.id}`);
      write(cmd, `private key ${opts.out}`);
      write(cmd, `public key ${pubPath}`);
      write(cmd, `public key hex ${bytesToHex(publicKey.bytes)}`);
    }),
  );
}

function registerSign(keys: Command): void {
  const cmd = keys
    .command("sign")
    .description("sign a message; prints the signature as hex (the suite comes from the key's curve OID)")
    .requiredOption("--key <file>", "private key PEM (PKCS#8)")
    .requiredOption("--msg-hex <hex>", "message bytes as hex")
    .option("--id <id>", "SM2 distinguishing ID (sm suite only)", "1234567812345678");
  cmd.action(
    guarded(cmd, (opts: { key: string; msgHex: string; id: string }) => {
      const pem = readText(cmd, opts.key);
      const id = detectPemSuite(pem);
      const msg = parseHex(cmd, "--msg-hex", opts.msgHex);
      const suite = getSuite(id);
      const key = suite.privateKeyFromPem(pem);
      const sig = id === "sm" ? getSmSuite().signWithId(key, msg, opts.id) : suite.sign(key, msg);
      write(cmd, bytesToHex(sig));
    }),
  );
}

function registerVerify(keys: Command): void {
  const cmd = keys
    .command("verify")
    .description("verify a signature; prints valid (exit 0) or invalid (exit 1)")
    .requiredOption("--pub <file>", "public key PEM (SPKI); a private key PEM works too")
    .requiredOption("--msg-hex <hex>", "message bytes as hex")
    .requiredOption("--sig-hex <hex>", "signature as hex, in the suite's encoding (see below)")
    .option("--id <id>", "SM2 distinguishing ID (sm suite only)", "1234567812345678");
  cmd.action(
    guarded(cmd, (opts: { pub: string; msgHex: string; sigHex: string; id: string }) => {
      const pem = readText(cmd, opts.pub);
      const id = detectPemSuite(pem);
      const msg = parseHex(cmd, "--msg-hex", opts.msgHex);
      const sig = parseHex(cmd, "--sig-hex", opts.sigHex);
      const suite = getSuite(id);
      const pub = pem.includes("PRIVATE KEY")
        ? suite.publicKeyOf(suite.privateKeyFromPem(pem))
        : suite.publicKeyFromPem(pem);
      const valid =
        id === "sm" ? getSmSuite().verifyWithId(pub, msg, sig, opts.id) : suite.verify(pub, msg, sig);
      write(cmd, valid ? "valid" : "invalid");
      if (!valid)
        cmd.error("mkl: signature is invalid", { exitCode: EXIT_INVALID, code: "mkl.invalid-signature" });
    }),
  );
}

function registerHash(program: Command): void {
  const cmd = program
    .command("hash")
    .description("hash a message with a suite's ledger hash (sm: SM3, others: SHA-256); prints hex")
    .requiredOption("--suite <suite>", `crypto suite: ${SUITE_IDS.join(" | ")}`)
    .requiredOption("--msg-hex <hex>", "message bytes as hex");
  cmd.action(
    guarded(cmd, (opts: { suite: string; msgHex: string }) => {
      const suite = getSuite(parseSuite(cmd, opts.suite));
      write(cmd, bytesToHex(suite.hash(parseHex(cmd, "--msg-hex", opts.msgHex))));
    }),
  );
}

/** Adds `keys new|sign|verify` and `hash` to the mkl program. */
export function registerKeyCommands(program: Command): void {
  const keys = program
    .command("keys")
    .description("create PEM key pairs, sign and verify with the chain's crypto suites")
    .addHelpText("after", ENCODING_HELP);
  registerNew(keys);
  registerSign(keys);
  registerVerify(keys);
  registerHash(program);
  for (const sub of keys.commands) sub.addHelpText("after", ENCODING_HELP);
  for (const cmd of [keys, ...keys.commands, ...program.commands.filter((c) => c.name() === "hash")]) {
    usageErrorsExit2(cmd);
  }
}
