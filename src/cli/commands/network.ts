import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { genesisSchema, PROTOCOL_VERSION, writeGenesisState } from "../../app/genesis.js";
import { StateOverlay } from "../../app/state.js";
import { getSuite } from "../../crypto/index.js";
import type { KeyPair, PrivateKey, SuiteId } from "../../crypto/suite.js";
import { toHex } from "../../ledger/bytes.js";
import { parseWith } from "../../node/config.js";
import { writeJsonFile } from "../../node/files.js";
import {
  keyFileText,
  randomSerial,
  readCertificateFile,
  readKeyFile,
  validityStartMs,
} from "../../node/key-files.js";
import { wirePeers } from "../../ops/peers.js";
import {
  type CertificateProfile,
  isOrgId,
  issueCertificate,
  type ParsedCertificate,
  type Role,
  type SubjectName,
  toPem,
  userCodeOf,
} from "../../pki/index.js";
import { CliError, passphraseFrom, printer } from "../io.js";
import { DAY_MS, parseSuiteOption, readJson, writeCrl, writePublic, writeSecret } from "./cert.js";

/**
 * `mkl network init` writes a whole consortium: a root CA, one CA per organisation, an admin
 * per organisation, a platform operator, one validator node per organisation with its consensus
 * key and certificates, and genesis.json, into DIR (built beside it, then renamed, so a failure
 * leaves nothing behind). On suites Node's TLS cannot use (sm, secp256k1, ed25519) a parallel
 * ECDSA P-256 hierarchy (TLS root, organisation TLS CAs) issues the nodes' TLS certificates;
 * on ecdsa-p256 the organisation CA issues them. `mkl network add-org` adds an organisation.
 *
 * DIR/ca/            root.cert.pem root.key.pem [tls-root.cert.pem tls-root.key.pem]
 * DIR/orgs/ORG/      ca.cert.pem ca.key.pem [tls-ca.*] admin.key.pem admin.cert.pem revocations.json crl.pem
 * DIR/operator/      operator.key.pem operator.cert.pem (the platform operator, in org1)
 * DIR/nodeN/         config.json node.key.pem node.cert.pem tls.key.pem tls.cert.pem root-ca.pem tls-ca.pem genesis.json
 * DIR/genesis.json   DIR/network.json (what add-org needs to know)
 */

const ROOT_YEARS = 10n;
const ORG_CA_YEARS = 5n;
const YEAR_DAYS = 365n;
const VALIDATOR_POWER = "10";

interface Ca {
  keys: KeyPair;
  cert: ParsedCertificate;
}

interface Manifest {
  chainId: string;
  suite: SuiteId;
  separateTls: boolean;
  orgs: Array<{ id: string; name: string }>;
  nodes: Array<{ moniker: string; organisation: string; observer?: boolean }>;
}

interface Issuer {
  suite: SuiteId;
  start: bigint;
  days: bigint;
  passphrase: string | undefined;
}

function issue(
  ctx: Issuer,
  profile: CertificateProfile,
  subject: SubjectName,
  subjectKeys: KeyPair,
  issuer: Ca | undefined,
  extra: { dnsNames?: string[]; ipAddresses?: string[] } = {},
): ParsedCertificate {
  const days =
    profile === "root-ca"
      ? ROOT_YEARS * YEAR_DAYS
      : profile === "org-ca"
        ? ORG_CA_YEARS * YEAR_DAYS
        : ctx.days;
  return issueCertificate({
    profile,
    subject,
    subjectPublicKey: subjectKeys.publicKey,
    serial: randomSerial(),
    notBeforeMs: ctx.start,
    notAfterMs: ctx.start + days * DAY_MS,
    ...(issuer ? { issuer: issuer.cert } : {}),
    issuerKey: issuer ? issuer.keys.privateKey : subjectKeys.privateKey,
    ...extra,
  });
}

function newCa(ctx: Issuer, suite: SuiteId, subject: SubjectName, parent: Ca | undefined): Ca {
  const keys = getSuite(suite).generateKeyPair();
  return { keys, cert: issue(ctx, parent ? "org-ca" : "root-ca", subject, keys, parent) };
}

function saveCa(dir: string, name: string, ca: Ca, passphrase: string | undefined): void {
  writePublic(join(dir, `${name}.cert.pem`), toPem("CERTIFICATE", ca.cert.der));
  writeSecret(join(dir, `${name}.key.pem`), keyFileText(ca.keys.privateKey, passphrase));
}

function loadCa(dir: string, name: string, passphrase: string | undefined): Ca {
  const cert = readCertificateFile(join(dir, `${name}.cert.pem`));
  const privateKey: PrivateKey = readKeyFile(join(dir, `${name}.key.pem`), passphrase);
  return { cert, keys: { privateKey, publicKey: getSuite(privateKey.suite).publicKeyOf(privateKey) } };
}

function pemChain(...certs: ParsedCertificate[]): string {
  return certs.map((c) => toPem("CERTIFICATE", c.der)).join("");
}

/** A member identity: key, certificate whose CN is the user code, files under `dir`. */
function newMember(ctx: Issuer, orgCa: Ca, org: string, role: Role, dir: string, name: string) {
  const suite = getSuite(ctx.suite);
  const keys = suite.generateKeyPair();
  const code = userCodeOf(suite.hash, keys.publicKey.bytes);
  const cert = issue(
    ctx,
    "user",
    { commonName: code, organization: org, organizationalUnit: role },
    keys,
    orgCa,
  );
  writeSecret(join(dir, `${name}.key.pem`), keyFileText(keys.privateKey, ctx.passphrase));
  writePublic(join(dir, `${name}.cert.pem`), pemChain(cert, orgCa.cert));
  return { code, cert, role, org };
}

interface OrgMaterial {
  id: string;
  name: string;
  ca: Ca;
  tlsCa: Ca | undefined;
  admin: ReturnType<typeof newMember>;
}

/** An organisation's CA, TLS CA, admin and empty CRL, written into `dir`. */
function makeOrg(
  ctx: Issuer,
  dir: string,
  id: string,
  name: string,
  root: Ca,
  tlsRoot: Ca | undefined,
): OrgMaterial {
  const ca = newCa(ctx, ctx.suite, { commonName: `${id} CA`, organization: id }, root);
  saveCa(dir, "ca", ca, ctx.passphrase);
  const tlsCa =
    tlsRoot && newCa(ctx, "ecdsa-p256", { commonName: `${id} TLS CA`, organization: id }, tlsRoot);
  if (tlsCa) saveCa(dir, "tls-ca", tlsCa, ctx.passphrase);
  const admin = newMember(ctx, ca, id, "org-admin", dir, "admin");
  writeCrl(dir, ca.cert, ca.keys.privateKey, { crlNumber: 1, entries: [] });
  return { id, name, ca, tlsCa, admin };
}

function makeNode(ctx: Issuer, out: string, n: number, org: OrgMaterial, root: Ca, tlsRoot: Ca | undefined) {
  const moniker = `node${n}`;
  const dir = join(out, moniker);
  const san = { dnsNames: [moniker, "localhost"], ipAddresses: ["127.0.0.1"] };
  const subject = { commonName: moniker, organization: org.id, organizationalUnit: "node-operator" };
  const keys = getSuite(ctx.suite).generateKeyPair();
  const cert = issue(ctx, "node", subject, keys, org.ca, san);
  // Node keys stay unencrypted (mode 0600): a node restarts unattended.
  writeSecret(join(dir, "node.key.pem"), getSuite(ctx.suite).privateKeyToPem(keys.privateKey));
  writePublic(join(dir, "node.cert.pem"), pemChain(cert, org.ca.cert));
  writePublic(join(dir, "root-ca.pem"), pemChain(root.cert));
  const tlsIssuer = org.tlsCa ?? org.ca;
  const tlsKeys = getSuite("ecdsa-p256").generateKeyPair();
  const tlsCert = issue(ctx, "node", subject, tlsKeys, tlsIssuer, san);
  writeSecret(join(dir, "tls.key.pem"), getSuite("ecdsa-p256").privateKeyToPem(tlsKeys.privateKey));
  writePublic(join(dir, "tls.cert.pem"), pemChain(tlsCert, tlsIssuer.cert));
  writePublic(join(dir, "tls-ca.pem"), pemChain((tlsRoot ?? root).cert));
  return { n, moniker, organisation: org.id, publicKey: toHex(keys.publicKey.bytes), dir };
}

/**
 * Each node's config.json: its ports on loopback (26650+N for the API, 26660+N for p2p) and every
 * other node as a peer, known by its consensus key. Other node options keep the node's defaults.
 */
function writeNodeConfigs(nodes: ReadonlyArray<ReturnType<typeof makeNode>>): void {
  for (const node of nodes) {
    const config = {
      moniker: node.moniker,
      api: { host: "127.0.0.1", port: 26650 + node.n },
      p2p: { host: "127.0.0.1", port: 26660 + node.n },
      peers: nodes
        .filter((peer) => peer !== node)
        .map((peer) => ({ id: peer.publicKey, host: "127.0.0.1", port: 26660 + peer.n })),
    };
    writeJsonFile(join(node.dir, "config.json"), config);
  }
}

function orgGenesis(org: OrgMaterial) {
  return {
    id: org.id,
    name: org.name,
    caCertificate: toPem("CERTIFICATE", org.ca.cert.der),
    ...(org.tlsCa ? { tlsCaCertificate: toPem("CERTIFICATE", org.tlsCa.cert.der) } : {}),
  };
}

function adminGenesis(member: { role: Role; org: string; cert: ParsedCertificate }) {
  return { role: member.role, organisation: member.org, certificate: toPem("CERTIFICATE", member.cert.der) };
}

/** Parses and executes the genesis file in memory: what we write, every node will accept. */
function checkGenesis(genesis: unknown): void {
  writeGenesisState(
    new StateOverlay({ get: () => undefined }),
    parseWith(genesisSchema, genesis, "genesis.json"),
  );
}

export interface InitOptions {
  orgs: string;
  suite: string;
  out: string;
  chainId: string;
  days: string;
  passphraseEnv?: string;
}

function prepareOut(out: string): void {
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new CliError(`${out} exists and is not empty: choose a new directory`);
  }
}

export function initNetwork(o: InitOptions, print: (line: string) => void): void {
  const orgCount = Number(o.orgs);
  if (!Number.isInteger(orgCount) || orgCount < 1 || orgCount > 64)
    throw new CliError("--orgs must be 1..64");
  const suite = parseSuiteOption(o.suite);
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(o.chainId)) throw new CliError(`bad --chain-id "${o.chainId}"`);
  if (!/^[1-9][0-9]{0,4}$/.test(o.days)) throw new CliError(`--days must be a whole number, got "${o.days}"`);
  const out = resolve(o.out);
  prepareOut(out);
  const ctx: Issuer = {
    suite,
    start: validityStartMs(),
    days: BigInt(o.days),
    passphrase: passphraseFrom(o.passphraseEnv),
  };
  const work = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  try {
    buildNetwork(ctx, work, o.chainId, orgCount, print);
    if (existsSync(out)) rmSync(out, { recursive: true });
    renameSync(work, out);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  print(`done: ${orgCount} organisations, ${orgCount} validators in ${out}`);
  print(
    `start every node: mkl network up --home ${out} (or one: mkl node start --home ${join(out, "node1")})`,
  );
}

function buildNetwork(
  ctx: Issuer,
  work: string,
  chainId: string,
  orgCount: number,
  print: (l: string) => void,
): void {
  const separateTls = ctx.suite !== "ecdsa-p256";
  const root = newCa(
    ctx,
    ctx.suite,
    { commonName: `${chainId} Root CA`, organization: "MarketLedger consortium" },
    undefined,
  );
  saveCa(join(work, "ca"), "root", root, ctx.passphrase);
  print(`root CA (${ctx.suite}) ${root.cert.serialHex}`);
  const tlsRoot = separateTls
    ? newCa(
        ctx,
        "ecdsa-p256",
        { commonName: `${chainId} TLS Root CA`, organization: "MarketLedger consortium" },
        undefined,
      )
    : undefined;
  if (tlsRoot) {
    saveCa(join(work, "ca"), "tls-root", tlsRoot, ctx.passphrase);
    print("TLS root CA (ecdsa-p256): Node's TLS cannot use this chain's suite");
  }
  const orgs: OrgMaterial[] = [];
  const nodes: ReturnType<typeof makeNode>[] = [];
  for (let n = 1; n <= orgCount; n++) {
    const org = makeOrg(ctx, join(work, "orgs", `org${n}`), `org${n}`, `Organisation ${n}`, root, tlsRoot);
    orgs.push(org);
    nodes.push(makeNode(ctx, work, n, org, root, tlsRoot));
    print(`[${n}/${orgCount}] ${org.id}: CA, admin ${org.admin.code}, validator node${n}`);
  }
  writeNodeConfigs(nodes);
  const operator = newMember(
    ctx,
    orgs[0]!.ca,
    orgs[0]!.id,
    "platform-operator",
    join(work, "operator"),
    "operator",
  );
  print(`platform operator ${operator.code} (in ${orgs[0]!.id})`);
  const genesis = {
    chainId,
    suite: ctx.suite,
    protocolVersion: PROTOCOL_VERSION,
    genesisTimeMs: (ctx.start + 3_600_000n).toString(),
    params: {},
    validators: nodes.map((v) => ({
      name: v.moniker,
      publicKey: v.publicKey,
      power: VALIDATOR_POWER,
      organisation: v.organisation,
    })),
    accounts: [],
    pki: {
      rootCertificate: toPem("CERTIFICATE", root.cert.der),
      ...(tlsRoot ? { tlsRootCertificate: toPem("CERTIFICATE", tlsRoot.cert.der) } : {}),
    },
    organisations: orgs.map(orgGenesis),
    identities: [adminGenesis(operator), ...orgs.map((org) => adminGenesis(org.admin))],
  };
  checkGenesis(genesis);
  writeJsonFile(join(work, "genesis.json"), genesis);
  for (const node of nodes) writeJsonFile(join(node.dir, "genesis.json"), genesis);
  const manifest: Manifest = {
    chainId,
    suite: ctx.suite,
    separateTls,
    orgs: orgs.map((o) => ({ id: o.id, name: o.name })),
    nodes: nodes.map((v) => ({ moniker: v.moniker, organisation: v.organisation })),
  };
  writeJsonFile(join(work, "network.json"), manifest);
  print("genesis.json written and checked (every certificate chains to the root)");
}

function readManifest(dir: string): Manifest {
  const doc = readJson(join(dir, "network.json")) as Manifest;
  if (!doc.chainId || !Array.isArray(doc.orgs) || !Array.isArray(doc.nodes)) {
    throw new CliError(`${dir}/network.json is not a network manifest`);
  }
  return doc;
}

interface AddOrgOptions {
  dir: string;
  id: string;
  name: string;
  days: string;
  genesis: boolean;
  passphraseEnv?: string;
}

function addOrg(o: AddOrgOptions, print: (line: string) => void): void {
  const dir = resolve(o.dir);
  const manifest = readManifest(dir);
  if (!isOrgId(o.id)) throw new CliError(`bad organisation id "${o.id}": lowercase letters, digits, dashes`);
  if (manifest.orgs.some((org) => org.id === o.id) || existsSync(join(dir, "orgs", o.id))) {
    throw new CliError(`organisation "${o.id}" already exists`);
  }
  if (o.name.length === 0 || o.name.length > 128) throw new CliError("--name must be 1..128 characters");
  const passphrase = passphraseFrom(o.passphraseEnv);
  const ctx: Issuer = { suite: manifest.suite, start: validityStartMs(), days: BigInt(o.days), passphrase };
  const root = loadCa(join(dir, "ca"), "root", passphrase);
  const tlsRoot = manifest.separateTls ? loadCa(join(dir, "ca"), "tls-root", passphrase) : undefined;
  const genesisPath = join(dir, "genesis.json");
  const genesis = o.genesis ? (readJson(genesisPath) as Record<string, unknown[]>) : undefined;
  // Built beside its final place and moved there once everything checked out.
  const orgDir = join(dir, "orgs", o.id);
  const work = join(dir, "orgs", `.${o.id}.partial-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  let next: Record<string, unknown> | undefined;
  try {
    const org = makeOrg(ctx, work, o.id, o.name, root, tlsRoot);
    if (genesis) {
      next = {
        ...genesis,
        organisations: [...(genesis.organisations ?? []), orgGenesis(org)],
        identities: [...(genesis.identities ?? []), adminGenesis(org.admin)],
      };
      checkGenesis(next);
    } else {
      writeJsonFile(join(work, "register-organisation.json"), {
        kind: "registerOrganisation",
        id: o.id,
        name: o.name,
        caCertificate: toHex(org.ca.cert.der),
        tlsCaCertificate: org.tlsCa ? toHex(org.tlsCa.cert.der) : null,
      });
      writeJsonFile(join(work, "register-admin.json"), {
        kind: "registerIdentity",
        certificate: toHex(org.admin.cert.der),
      });
    }
    renameSync(work, orgDir);
    print(`${o.id}: CA ${org.ca.cert.serialHex}, admin ${org.admin.code}`);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  if (next) {
    writeJsonFile(genesisPath, next);
    for (const node of manifest.nodes) writeJsonFile(join(dir, node.moniker, "genesis.json"), next);
    print("genesis.json updated in DIR and every node (only before the chain starts)");
  } else {
    print(
      `the platform operator submits them: mkl tx registerOrganisation --value-file orgs/${o.id}/register-organisation.json, then mkl tx registerIdentity --value-file orgs/${o.id}/register-admin.json`,
    );
  }
  manifest.orgs.push({ id: o.id, name: o.name });
  writeJsonFile(join(dir, "network.json"), manifest);
}

interface AddObserverOptions {
  dir: string;
  org: string;
  passphraseEnv?: string;
}

/**
 * An observer node (for an auditor or regulator): keys and certificates like a validator's, but
 * not in the validator set, so it follows the chain by block sync and never votes. Every node's
 * peer list gains it; running nodes accept it after a restart.
 */
function addObserver(o: AddObserverOptions, print: (line: string) => void): void {
  const dir = resolve(o.dir);
  const manifest = readManifest(dir);
  if (!existsSync(join(dir, "orgs", o.org))) throw new CliError(`no organisation "${o.org}" in ${dir}`);
  const passphrase = passphraseFrom(o.passphraseEnv);
  const ctx: Issuer = { suite: manifest.suite, start: validityStartMs(), days: 365n, passphrase };
  const root = loadCa(join(dir, "ca"), "root", passphrase);
  const tlsRoot = manifest.separateTls ? loadCa(join(dir, "ca"), "tls-root", passphrase) : undefined;
  const orgDir = join(dir, "orgs", o.org);
  const org = {
    id: o.org,
    ca: loadCa(orgDir, "ca", passphrase),
    tlsCa: manifest.separateTls ? loadCa(orgDir, "tls-ca", passphrase) : undefined,
  } as OrgMaterial;
  const n = 1 + Math.max(0, ...manifest.nodes.map((node) => Number(node.moniker.replace(/^node/, ""))));
  const node = makeNode(ctx, dir, n, org, root, tlsRoot);
  writeJsonFile(join(node.dir, "genesis.json"), readJson(join(dir, "genesis.json")));
  manifest.nodes.push({ moniker: node.moniker, organisation: o.org, observer: true });
  writeJsonFile(join(dir, "network.json"), manifest);
  writeJsonFile(join(node.dir, "config.json"), {
    moniker: node.moniker,
    api: { host: "127.0.0.1", port: 26650 + n },
    p2p: { host: "127.0.0.1", port: 26660 + n },
  });
  wirePeers(dir);
  print(`observer ${node.moniker} of ${o.org} in ${node.dir}; every node's peer list now includes it`);
}

export function registerNetworkCommands(program: Command): void {
  const network = program.command("network").description("generate and grow a consortium network");
  const init = network
    .command("init")
    .description("write a CA hierarchy, one organisation and validator node per --orgs, and genesis.json")
    .requiredOption("--orgs <n>", "number of organisations (each runs one validator)")
    .requiredOption("--out <dir>", "a new (or empty) directory")
    .option("--suite <suite>", "crypto suite: sm | ecdsa-p256 | ecdsa-secp256k1 | ed25519", "sm")
    .option("--chain-id <id>", "chain id", "marketledger-local")
    .option("--days <n>", "validity of node and member certificates, in days", "365")
    .option("--passphrase-env <var>", "encrypt CA, admin and operator keys with this variable's passphrase");
  init.action((o: InitOptions) => initNetwork(o, printer(init)));
  const add = network
    .command("add-org")
    .description("add an organisation (CA, TLS CA, admin) to a network made by init")
    .requiredOption("--dir <dir>", "the network directory")
    .requiredOption("--id <id>", "organisation id, e.g. acme")
    .requiredOption("--name <name>", "organisation name")
    .option("--days <n>", "validity of the admin certificate, in days", "365")
    .option(
      "--genesis",
      "add it to genesis.json (before the chain starts); default: write the registration operations",
      false,
    )
    .option("--passphrase-env <var>", "passphrase of the CA keys, and for the new keys");
  add.action((o: AddOrgOptions) => addOrg(o, printer(add)));
  const observer = network
    .command("add-observer")
    .description("add an observer node (follows the chain, never votes) for an organisation, e.g. an auditor")
    .requiredOption("--dir <dir>", "the network directory")
    .requiredOption("--org <id>", "the organisation that runs it")
    .option("--passphrase-env <var>", "passphrase of the CA keys");
  observer.action((o: AddObserverOptions) => addObserver(o, printer(observer)));
}
