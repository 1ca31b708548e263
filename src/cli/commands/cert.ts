import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { revocationList } from "../../app/identity/registry.js";
import { systemClock } from "../../clock.js";
import { getSuite, isSuiteId, SUITE_IDS } from "../../crypto/index.js";
import type { PrivateKey, SuiteId } from "../../crypto/suite.js";
import { loadNodeConfig } from "../../node/config.js";
import {
  readJsonFile as readJson,
  readTextFile as readText,
  writePublicFile as writePublic,
  writeSecretFile as writeSecret,
} from "../../node/files.js";
import {
  keyFileText,
  randomSerial,
  readCertificateFile,
  readKeyFile,
  validityStartMs,
} from "../../node/key-files.js";
import {
  createCrl,
  createCsr,
  decodeUserCode,
  formatName,
  isOrgId,
  isRevocationReason,
  isRole,
  issueCertificate,
  type ParsedCertificate,
  parseAndVerifyCsr,
  REVOCATION_REASONS,
  type RevokedEntry,
  ROLES,
  toPem,
  userCodeOf,
} from "../../pki/index.js";
import { ChainStore } from "../../storage/chain-store.js";
import { CliError, passphraseFrom, printer } from "../io.js";

/**
 * `mkl cert keygen|csr|issue|revoke|crl|show`: the daily work of an organisation's CA, offline.
 * A user makes a key and a CSR on their own machine (keygen, csr); the organisation admin issues
 * the certificate (issue) and registers it on the chain with a registerIdentity transaction;
 * revoke records a revocation in the organisation's list and re-signs its CRL. Every check runs
 * before anything is written, so bad input changes nothing.
 */

export const DAY_MS = 86_400_000n;

// File reading and writing shared with the node (one-line FileErrors, keys written 0600).
export { readJson, readText, writePublic, writeSecret };

export function refuseExisting(paths: string[], force = false): void {
  if (force) return;
  for (const path of paths)
    if (existsSync(path)) throw new CliError(`${path} exists (use --force to overwrite)`);
}

export function parseSuiteOption(value: string): SuiteId {
  if (!isSuiteId(value)) throw new CliError(`unknown suite "${value}": one of ${SUITE_IDS.join(", ")}`);
  return value;
}

export function parseDays(value: string): bigint {
  if (!/^[1-9][0-9]{0,4}$/.test(value))
    throw new CliError(`--days must be a whole number of days, got "${value}"`);
  return BigInt(value);
}

export function describeCert(cert: ParsedCertificate): string[] {
  return [
    `subject ${formatName(cert.subject)}`,
    `issuer ${formatName(cert.issuer)}`,
    `serial ${cert.serialHex}`,
    `key ${cert.publicKey.suite}`,
    `not before ${new Date(Number(cert.notBeforeMs)).toISOString()}`,
    `not after ${new Date(Number(cert.notAfterMs)).toISOString()}`,
    `CA ${cert.isCa ? "yes" : "no"}`,
  ];
}

/** An organisation's CA on disk: DIR/orgs/ID holds ca.cert.pem, ca.key.pem, revocations.json, crl.pem. */
export const ORG_FILES = {
  caCert: "ca.cert.pem",
  caKey: "ca.key.pem",
  revocations: "revocations.json",
  crl: "crl.pem",
} as const;

interface RevocationsFile {
  crlNumber: number;
  entries: Array<{ serialHex: string; revokedAtMs: string; reason: string }>;
}

export function readRevocations(orgDir: string): RevocationsFile {
  const path = join(orgDir, ORG_FILES.revocations);
  if (!existsSync(path)) return { crlNumber: 0, entries: [] };
  const doc = readJson(path) as RevocationsFile;
  if (!Number.isInteger(doc.crlNumber) || !Array.isArray(doc.entries)) {
    throw new CliError(`${path} is not a revocation list`);
  }
  return doc;
}

/** Writes revocations.json and a freshly signed crl.pem (next update in 30 days). */
export function writeCrl(
  orgDir: string,
  ca: ParsedCertificate,
  caKey: PrivateKey,
  file: RevocationsFile,
): string {
  const entries: RevokedEntry[] = file.entries.map((e) => {
    if (!isRevocationReason(e.reason)) throw new CliError(`unknown reason ${e.reason} in revocations.json`);
    return { serialHex: e.serialHex, revokedAtMs: BigInt(e.revokedAtMs), reason: e.reason };
  });
  const now = BigInt(systemClock.now());
  const crl = createCrl({
    issuer: ca,
    issuerKey: caKey,
    entries,
    crlNumber: file.crlNumber,
    thisUpdateMs: now,
    nextUpdateMs: now + 30n * DAY_MS,
  });
  const path = join(orgDir, ORG_FILES.crl);
  writePublic(join(orgDir, ORG_FILES.revocations), `${JSON.stringify(file, null, 2)}\n`);
  writePublic(path, toPem("X509 CRL", crl));
  return path;
}

function registerKeygen(cert: Command): void {
  const cmd = cert
    .command("keygen")
    .description("make a key pair on this machine (mode 0600), optionally encrypted; prints the user code")
    .requiredOption("--suite <suite>", `the chain's suite: ${SUITE_IDS.join(" | ")}`)
    .requiredOption("--out <file>", "private key file to write")
    .option("--passphrase-env <var>", "encrypt the key with the passphrase in this environment variable")
    .option("--force", "overwrite an existing file", false);
  cmd.action((o: { suite: string; out: string; passphraseEnv?: string; force: boolean }) => {
    const suite = getSuite(parseSuiteOption(o.suite));
    const passphrase = passphraseFrom(o.passphraseEnv);
    refuseExisting([o.out], o.force);
    const keys = suite.generateKeyPair();
    writeSecret(o.out, keyFileText(keys.privateKey, passphrase));
    const print = printer(cmd);
    print(`key ${o.out}${passphrase ? " (encrypted)" : ""}`);
    print(`user code ${userCodeOf(suite.hash, keys.publicKey.bytes)}`);
  });
}

function registerCsr(cert: Command): void {
  const cmd = cert
    .command("csr")
    .description("make a certificate request: CN is the user code, O the organisation, OU the role")
    .requiredOption("--key <file>", "your private key")
    .requiredOption("--org <id>", "your organisation id")
    .requiredOption("--role <role>", `one of ${ROLES.join(", ")}`)
    .requiredOption("--out <file>", "CSR file to write")
    .option("--code <code>", "keep this user code (a key rotation); default: the code of this key")
    .option("--passphrase-env <var>", "the key's passphrase is in this environment variable");
  cmd.action(
    (o: { key: string; org: string; role: string; out: string; code?: string; passphraseEnv?: string }) => {
      if (!isOrgId(o.org)) throw new CliError(`bad organisation id "${o.org}"`);
      if (!isRole(o.role)) throw new CliError(`unknown role "${o.role}": one of ${ROLES.join(", ")}`);
      const key = readKeyFile(o.key, passphraseFrom(o.passphraseEnv));
      const suite = getSuite(key.suite);
      const code = o.code ?? userCodeOf(suite.hash, suite.publicKeyOf(key).bytes);
      decodeUserCode(code);
      const csr = createCsr(key, { commonName: code, organization: o.org, organizationalUnit: o.role });
      writePublic(o.out, toPem("CERTIFICATE REQUEST", csr));
      printer(cmd)(`CSR ${o.out} for ${code} (${o.role} of ${o.org})`);
    },
  );
}

interface IssueOptions {
  caCert: string;
  caKey: string;
  csr: string;
  out: string;
  days: string;
  node: boolean;
  dns?: string;
  ip?: string;
  passphraseEnv?: string;
  force: boolean;
}

function list(value: string | undefined): string[] {
  return value === undefined
    ? []
    : value
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v.length > 0);
}

function registerIssue(cert: Command): void {
  const cmd = cert
    .command("issue")
    .description("issue a certificate from a CSR with an organisation CA (the CSR must be signed by its key)")
    .requiredOption("--ca-cert <file>", "the organisation CA certificate")
    .requiredOption("--ca-key <file>", "the organisation CA key")
    .requiredOption("--csr <file>", "the request")
    .requiredOption("--out <file>", "certificate file to write")
    .option("--days <n>", "validity in days", "365")
    .option(
      "--node",
      "a node certificate (consensus or TLS): CN is the moniker, SAN from --dns and --ip",
      false,
    )
    .option("--dns <names>", "node: comma-separated DNS names (default: the CN and localhost)")
    .option("--ip <addresses>", "node: comma-separated IP addresses (default: 127.0.0.1)")
    .option("--passphrase-env <var>", "the CA key's passphrase is in this environment variable")
    .option("--force", "overwrite an existing file", false);
  cmd.action((o: IssueOptions) => {
    const ca = readCertificateFile(o.caCert);
    const caKey = readKeyFile(o.caKey, passphraseFrom(o.passphraseEnv));
    const csr = parseAndVerifyCsr(readText(o.csr));
    const days = parseDays(o.days);
    const { organization, organizationalUnit, commonName } = csr.subject;
    if (organization !== ca.subject.organization) {
      throw new CliError(
        `the CSR names organisation "${organization ?? ""}", this CA is "${ca.subject.organization ?? ""}"`,
      );
    }
    if (!isRole(organizationalUnit))
      throw new CliError(`the CSR names unknown role "${organizationalUnit ?? ""}"`);
    if (o.node && organizationalUnit !== "node-operator")
      throw new CliError("a node certificate has OU=node-operator");
    if (!o.node) decodeUserCode(commonName);
    refuseExisting([o.out], o.force);
    const start = validityStartMs();
    const issued = issueCertificate({
      profile: o.node ? "node" : "user",
      subject: csr.subject,
      subjectPublicKey: csr.publicKey,
      serial: randomSerial(),
      notBeforeMs: start,
      notAfterMs: start + days * DAY_MS,
      issuer: ca,
      issuerKey: caKey,
      ...(o.node
        ? {
            dnsNames: o.dns === undefined ? [commonName, "localhost"] : list(o.dns),
            ipAddresses: o.ip === undefined ? ["127.0.0.1"] : list(o.ip),
          }
        : {}),
    });
    writePublic(o.out, toPem("CERTIFICATE", issued.der) + toPem("CERTIFICATE", ca.der));
    const print = printer(cmd);
    print(`certificate ${o.out} (followed by the issuing CA)`);
    for (const line of describeCert(issued)) print(`  ${line}`);
    if (o.node) return;
    const own = userCodeOf(getSuite(csr.publicKey.suite).hash, csr.publicKey.bytes);
    print(own === commonName ? `user code ${own}` : `key rotation: new key for user code ${commonName}`);
  });
}

function registerRevoke(cert: Command): void {
  const cmd = cert
    .command("revoke")
    .description("revoke a certificate in an organisation's revocation list and re-sign its CRL")
    .requiredOption("--org-dir <dir>", "the organisation's directory (network DIR/orgs/ID)")
    .option("--cert <file>", "the certificate to revoke")
    .option("--serial <hex>", "or its serial number")
    .option("--reason <reason>", `one of ${Object.keys(REVOCATION_REASONS).join(", ")}`, "unspecified")
    .option("--passphrase-env <var>", "the CA key's passphrase is in this environment variable");
  cmd.action(
    (o: { orgDir: string; cert?: string; serial?: string; reason: string; passphraseEnv?: string }) => {
      if (!isRevocationReason(o.reason)) throw new CliError(`unknown reason "${o.reason}"`);
      if ((o.cert === undefined) === (o.serial === undefined))
        throw new CliError("give --cert or --serial (one of them)");
      const ca = readCertificateFile(join(o.orgDir, ORG_FILES.caCert));
      const caKey = readKeyFile(join(o.orgDir, ORG_FILES.caKey), passphraseFrom(o.passphraseEnv));
      let serialHex = o.serial?.toLowerCase() ?? "";
      if (o.cert !== undefined) {
        const target = readCertificateFile(o.cert);
        if (Buffer.compare(target.issuerDer, ca.subjectDer) !== 0) {
          throw new CliError(`${o.cert} was not issued by ${formatName(ca.subject)}`);
        }
        serialHex = target.serialHex;
      }
      if (!/^([0-9a-f]{2}){1,20}$/.test(serialHex)) throw new CliError(`bad serial "${serialHex}"`);
      const file = readRevocations(o.orgDir);
      if (file.entries.some((e) => e.serialHex === serialHex))
        throw new CliError(`serial ${serialHex} is already revoked`);
      const next: RevocationsFile = {
        crlNumber: file.crlNumber + 1,
        entries: [...file.entries, { serialHex, revokedAtMs: String(systemClock.now()), reason: o.reason }],
      };
      const path = writeCrl(o.orgDir, ca, caKey, next);
      const print = printer(cmd);
      print(`revoked ${serialHex} (${o.reason}); CRL #${next.crlNumber} written to ${path}`);
      print("on the chain: an org admin signs revokeCertificate {code, reason} for the identity");
    },
  );
}

/** The organisation's revocations as the chain records them, from a node's committed state. */
async function chainRevocations(home: string, org: string): Promise<RevocationsFile["entries"]> {
  const { dataDir } = loadNodeConfig(home);
  if (!existsSync(dataDir)) throw new CliError(`${dataDir} does not exist: has the node started?`);
  const store = ChainStore.open(dataDir);
  try {
    return revocationList({ get: (key) => store.getState(key) }, org).map((e) => ({
      serialHex: e.serialHex,
      revokedAtMs: String(e.revokedAtMs),
      reason: e.reason,
    }));
  } finally {
    await store.close();
  }
}

function registerCrl(cert: Command): void {
  const cmd = cert
    .command("crl")
    .description("re-sign an organisation's CRL from its revocation list, or from the chain's with --home")
    .requiredOption("--org-dir <dir>", "the organisation's directory (network DIR/orgs/ID)")
    .option(
      "--home <dir>",
      "take the revocations the chain recorded (revokeCertificate, rotateKey) from this node",
    )
    .option("--passphrase-env <var>", "the CA key's passphrase is in this environment variable");
  cmd.action(async (o: { orgDir: string; home?: string; passphraseEnv?: string }) => {
    const ca = readCertificateFile(join(o.orgDir, ORG_FILES.caCert));
    const caKey = readKeyFile(join(o.orgDir, ORG_FILES.caKey), passphraseFrom(o.passphraseEnv));
    const file = readRevocations(o.orgDir);
    const org = ca.subject.organization ?? "";
    const entries =
      o.home === undefined ? file.entries : mergeEntries(file.entries, await chainRevocations(o.home, org));
    const path = writeCrl(o.orgDir, ca, caKey, { crlNumber: file.crlNumber + 1, entries });
    printer(cmd)(`CRL #${file.crlNumber + 1} of ${org} with ${entries.length} entries written to ${path}`);
  });
}

/** Local entries first; the chain's add any serial not already listed. */
function mergeEntries(
  local: RevocationsFile["entries"],
  chain: RevocationsFile["entries"],
): RevocationsFile["entries"] {
  const seen = new Set(local.map((e) => e.serialHex));
  return [...local, ...chain.filter((e) => !seen.has(e.serialHex))];
}

function registerShow(cert: Command): void {
  const cmd = cert
    .command("show")
    .description("print a certificate's subject, issuer, serial, key suite and validity")
    .argument("<file>", "certificate PEM");
  cmd.action((file: string) => {
    const print = printer(cmd);
    for (const line of describeCert(readCertificateFile(file))) print(line);
  });
}

export function registerCertCommands(program: Command): void {
  const cert = program.command("cert").description("keys, CSRs, certificates and CRLs of the consortium PKI");
  registerKeygen(cert);
  registerCsr(cert);
  registerIssue(cert);
  registerRevoke(cert);
  registerCrl(cert);
  registerShow(cert);
}
